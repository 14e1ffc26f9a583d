-- The /runs first page over 100,000 runs in 5 projects took about half a second as plain SQL
-- (issue #12's bench). EXPLAIN (ANALYZE, BUFFERS) of the old body showed where the time went:
-- - the per-project page was a bitmap scan of all 20,000 runs of each project and a sort, not
--   a walk of runs_project_id_queued_at_idx stopping after the page: a non-inlined SQL
--   function is planned once with its arguments as unknown parameters, and eight
--   "(filter is null or …)" conditions estimated together at about one row made a scan in
--   index order look no cheaper than reading everything;
-- - private.run_device was called for every candidate row (5 × page size), before the merge
--   of the projects' pages kept the page's rows and before its "claimed_by is not null" join
--   condition was tested;
-- - the workers online were counted once per queued row, not once per project;
-- - each queued row's place came from private.run_queue_position, whose nested security
--   definer role check (about 0.5 ms a call) cost more than its count.
-- This body builds the per-project read from the filters actually given (so each is planned
-- with its real values and no "is null or" branch), walks each project's index in
-- (queued_at desc, id desc) order to the page size, merges, and only then decorates the
-- page's rows. A status filter reads each asked-for status on a new (project, status) index,
-- so a rare status is not searched for across a whole project. Signature, columns, order and
-- visibility (security invoker, RLS) unchanged.

-- A status filter's index: each status of a project in list order.
create index runs_project_status_queued_at_idx
  on ops.runs (project_id, status, queued_at desc, id desc);

create or replace function ops.list_runs(
  filter_status text[] default null,
  filter_project text default null,
  filter_workflow uuid default null,
  filter_kind text default null,
  filter_device uuid default null,
  filter_requested_by uuid default null,
  queued_from timestamptz default null,
  queued_to timestamptz default null,
  after_queued_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50
)
returns setof ops.run_list_row
language plpgsql
stable
security invoker
set search_path = ''
set jit = off
as $$
declare
  page_size integer := least(greatest(coalesce(max_rows, 50), 1), 200);
  run_filters text := '';
  project_filter text := '';
  -- The statuses to read, each on its own: one row standing for any status without a filter.
  statuses text := '(select null::text as status)';
begin
  -- Only the given filters enter the statement; values always travel as parameters. A status
  -- filter reads each (project, status) range of runs_project_status_queued_at_idx in order,
  -- so a rare status (failed among 100,000 succeeded) is found without walking the project.
  if filter_status is not null then
    statuses := '(select s.status from pg_catalog.unnest($1::text[]) s (status)'
      || ' where s.status is not null group by s.status)';
    run_filters := run_filters || ' and x.status = st.status';
  end if;
  if filter_project is not null then
    project_filter := ' and p.slug = $2';
  end if;
  if filter_workflow is not null then
    run_filters := run_filters || ' and x.workflow_id = $3';
  end if;
  if filter_kind is not null then
    run_filters := run_filters || ' and x.workflow_id in (select k.id from ops.workflows k'
      || ' where k.project_id = p.id and k.kind = $4)';
  end if;
  if filter_device is not null then
    run_filters := run_filters || ' and x.claimed_by = $5';
  end if;
  if filter_requested_by is not null then
    run_filters := run_filters || ' and x.requested_by = $6';
  end if;
  if queued_from is not null then
    run_filters := run_filters || ' and x.queued_at >= $7';
  end if;
  if queued_to is not null then
    run_filters := run_filters || ' and x.queued_at < $8';
  end if;

  return query execute pg_catalog.format($sql$
    with page as materialized (
      select x.*, p.name as project_name, p.slug as project_slug
        from ops.projects p
       cross join lateral (
         select x.*
           from %s st
          cross join lateral (
            select x.*
              from ops.runs x
             where x.project_id = p.id %s
               -- The index scan's start key: the keyset cursor, or the newest run.
               and (x.queued_at, x.id)
                   < (coalesce($9, 'infinity'::timestamptz),
                      coalesce($10, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
             order by x.queued_at desc, x.id desc
             limit $11
          ) x
          order by x.queued_at desc, x.id desc
          limit $11
       ) x
       where true %s
       order by x.queued_at desc, x.id desc
       limit $11
    ),
    -- Workers online once per project on the page that has queued runs, not once per row.
    online as (
      select q.project_id, private.project_workers_online(q.project_id) as workers
        from (select distinct project_id from page where status = 'queued') q
    )
    select r.id, r.project_id, r.project_name, r.project_slug, r.workflow_id, w.name, w.kind,
           r.status, r.priority, r.params, r.requested_by, nullif(pr.display_name, ''),
           r.claimed_by, d.name, d.is_mine, d.last_seen_at, d.revoked_at,
           r.attempts, r.max_attempts, r.queued_at, r.started_at, r.finished_at, r.exit_code,
           r.error, r.rerun_of,
           -- private.run_queue_position's count, inlined: its role check holds for every
           -- row the caller sees (the runs policy is the same viewer rule) and cost more
           -- than the count, per row. The row comparison walks runs_claim_order_idx.
           case when r.status = 'queued' then (
             select 1 + pg_catalog.count(*)::integer
               from ops.runs q
              where q.status = 'queued'
                and q.project_id = r.project_id
                and ((-q.priority), q.queued_at, q.id) < ((-r.priority), r.queued_at, r.id)
           ) end,
           case when r.status = 'queued' then o.workers end,
           r.claimed_at, r.lease_expires_at, r.canceled_by, r.result
      from page r
      join ops.workflows w on w.id = r.workflow_id
      left join public.profiles pr on pr.id = r.requested_by
      left join online o on o.project_id = r.project_id
      -- The helper runs only for claimed runs: "offset 0" keeps the subquery from being
      -- flattened, so its condition on the outer row stays a one-time filter before the call.
      left join lateral (
        select dd.* from private.run_device(r.claimed_by, r.project_id) dd
         where r.claimed_by is not null
        offset 0
      ) d on true
     order by r.queued_at desc, r.id desc
  $sql$, statuses, run_filters, project_filter)
  using filter_status, filter_project, filter_workflow, filter_kind, filter_device,
        filter_requested_by, queued_from, queued_to, after_queued_at, after_id, page_size;
end;
$$;
