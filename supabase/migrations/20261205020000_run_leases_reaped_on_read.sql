-- Expired leases are settled where people and devices look, not only where a worker claims
-- (issue #12: "a killed agent's runs return to the queue when the lease expires and are
-- retried up to max_attempts"). Until now ops.requeue_expired_runs ran only at the start of
-- a claim, so when the killed worker was the only one, its run said "running" forever, even
-- after its last attempt. Now the console's reads (/runs, a run's page) and every device
-- heartbeat call ops.reap_expired_runs first, which applies the very same rule (one body,
-- private.requeue_expired_leases, used by the claim path too): back to the queue while
-- attempts remain, failed with the reason otherwise, each with its lease.* event.
--
-- Redefines ops.requeue_expired_runs (same signature, same answer) as a call of that body.

create or replace function private.requeue_expired_leases(
  p_limit integer,
  p_projects uuid[],
  p_run_id uuid
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  changed integer;
begin
  with expired as materialized (
    select r.id, r.claimed_by, r.attempts, r.max_attempts
      from ops.runs r
     where r.status in ('claimed', 'running')
       and r.lease_expires_at < pg_catalog.now()
       and (p_projects is null or r.project_id = any (p_projects))
       and (p_run_id is null or r.id = p_run_id)
     order by r.lease_expires_at
     limit p_limit
       for no key update skip locked
  ), updated as (
    update ops.runs r
       set status = case when e.attempts < e.max_attempts then 'queued' else 'failed' end,
           error = case when e.attempts < e.max_attempts then r.error
             else pg_catalog.format('The worker stopped renewing its lease (attempt %s of %s)',
               e.attempts, e.max_attempts) end
      from expired e
     where r.id = e.id
    returning r.id, r.project_id, r.status, e.claimed_by, e.attempts
  )
  insert into ops.run_events (run_id, project_id, kind, message, device_id, data)
  select u.id, u.project_id,
         case u.status when 'queued' then 'lease.requeued' else 'lease.failed' end,
         case u.status when 'queued' then 'Lease expired: back in the queue'
           else 'Lease expired: no attempts left' end,
         u.claimed_by,
         pg_catalog.jsonb_build_object('attempt', u.attempts)
    from updated u;
  get diagnostics changed = row_count;

  return changed;
end;
$$;

revoke execute on function private.requeue_expired_leases(integer, uuid[], uuid)
  from public, anon, authenticated;

-- The claim path's reaper (private.claim_runs) and a service_role job: every project.
create or replace function ops.requeue_expired_runs(p_limit integer default 100)
returns integer
language sql
security definer
set search_path = ''
as $$
  select private.requeue_expired_leases(p_limit, null, null)
$$;

-- Settles the expired leases of the runs the caller may read (the runs select policy's own
-- rule, private.my_project_ids: a signed-out session or a revoked device settles nothing),
-- or of one of them. Any reader may, because it only makes true what the clock already
-- decided: a lease past its expiry is held by nobody. The check before the work reads
-- runs_lease_idx, so a read with nothing expired pays one index probe.
create or replace function ops.reap_expired_runs(p_run_id uuid default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  projects uuid[];
begin
  if not exists (
    select 1 from ops.runs r
     where r.status in ('claimed', 'running')
       and r.lease_expires_at < pg_catalog.now()
       and (p_run_id is null or r.id = p_run_id)
  ) then
    return 0;
  end if;
  select pg_catalog.array_agg(p) into projects from private.my_project_ids('viewer') p;
  if projects is null then
    return 0;
  end if;

  return private.requeue_expired_leases(100, projects, p_run_id);
end;
$$;

revoke execute on function ops.reap_expired_runs(uuid) from public, anon;
grant execute on function ops.reap_expired_runs(uuid) to authenticated, service_role;
