-- Run statistics per project and workflow for the runs pages: counts by status, success rate
-- among finished runs and p50/p95 duration. Invoker rights, so RLS on runs picks the rows.
create view ops.run_summary
with (security_invoker = true)
as
select
  r.project_id,
  r.workflow_id,
  w.name as workflow_name,
  w.kind as workflow_kind,
  count(*) as total_runs,
  count(*) filter (where r.status = 'queued') as queued,
  count(*) filter (where r.status = 'claimed') as claimed,
  count(*) filter (where r.status = 'running') as running,
  count(*) filter (where r.status = 'succeeded') as succeeded,
  count(*) filter (where r.status = 'failed') as failed,
  count(*) filter (where r.status = 'canceled') as canceled,
  round(
    (count(*) filter (where r.status = 'succeeded'))::numeric
      / nullif(count(*) filter (where r.status in ('succeeded', 'failed')), 0),
    4
  ) as success_rate,
  percentile_cont(0.5) within group (order by extract(epoch from r.finished_at - r.started_at))
    filter (where r.status in ('succeeded', 'failed') and r.started_at is not null)
    as p50_duration_seconds,
  percentile_cont(0.95) within group (order by extract(epoch from r.finished_at - r.started_at))
    filter (where r.status in ('succeeded', 'failed') and r.started_at is not null)
    as p95_duration_seconds,
  max(r.queued_at) as last_queued_at,
  max(r.finished_at) as last_finished_at
from ops.runs r
join ops.workflows w on w.id = r.workflow_id
group by r.project_id, r.workflow_id, w.name, w.kind;

revoke all on ops.run_summary from anon;
grant select on ops.run_summary to authenticated, service_role;
