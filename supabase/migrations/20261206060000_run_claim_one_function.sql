-- A claim planned once per connection, in one function (issue #19 "Queue": claims/s with
-- 8 workers was about half of a plain `for no key update skip locked` claim on a table of
-- the same shape, and fell below 2,000/s).
--
-- Where the time went (track_functions and auto_explain, one worker, one claim per
-- transaction): about two thirds of a claim's database time was planning. PL/pgSQL keeps a
-- plan per statement, but the claim statement compares the claim order with the remembered
-- place (parameters), so the plan cache chose a custom plan, planned again, on every call:
-- the CTE, the membership semi join and the update, ~0.7 ms a claim. A generic plan is the
-- same plan (an index scan of runs_claim_order_idx from the place, skip locked, then the
-- update by primary key) for every place and caller, so the claim now forces it. The rest was
-- three PL/pgSQL layers (ops.claim_next_run → ops.claim_next_runs → private.claim_runs, each
-- handing its rows up through a tuplestore), the queue generation read through a SQL function
-- planned afresh in every transaction, and the reaper called through a wrapper.
--
-- Now ops.claim_next_runs is that whole claim in one SECURITY DEFINER function, with the same
-- rules, fencing, lease, locking and remembered place as 20261203013000_run_queue_floor.sql
-- (read there why the place exists). Its SET clause names only search_path and
-- plan_cache_mode, so the asynchronous commit (set local) and the place (a session setting)
-- set inside it still outlive the call, as before. The dead entries a drained queue leaves in
-- runs_claim_order_idx were not the cause this time: the claim rate held from the first fifth
-- of the queue to the last.

create or replace function ops.claim_next_runs(
  p_limit integer,
  p_project_id uuid default null,
  p_lease_seconds integer default 60
)
returns setof ops.runs
language plpgsql
volatile
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  device uuid := private.current_device_id();
  caller uuid := auth.uid();
  lease interval := private.check_lease_seconds(p_lease_seconds);
  scope text := coalesce(caller::text, '-') || ':' || coalesce(p_project_id::text, '*');
  generation bigint;
  saved text := pg_catalog.current_setting('lmx.run_claim_place', true);
  place text[];
  after_priority integer;
  after_queued_at timestamptz;
  after_id uuid;
  since integer := 0;
  claimed ops.runs[];
  more ops.runs[];
  last ops.runs;
begin
  if device is null then
    raise exception 'Only a paired device that is not revoked can claim runs'
      using errcode = '42501';
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'A worker claims between 1 and 100 runs at a time' using errcode = '22023';
  end if;
  perform pg_catalog.set_config('synchronous_commit', 'off', true);

  -- The claim path's reaper; the check before it reads runs_lease_idx, one probe when
  -- nothing has expired.
  if exists (
    select 1 from ops.runs r
     where r.status in ('claimed', 'running') and r.lease_expires_at < pg_catalog.now()
  ) then
    perform private.requeue_expired_leases(20, null, null);
  end if;

  -- After the reaper: a lease it requeued bumps the generation, so a place remembered
  -- before it is not used.
  select s.generation into generation from ops.run_queue_state s where s.singleton;
  if saved ~ '^[^/]+/-?[0-9]{1,18}/[0-9]{1,9}/-?[0-9]{1,3}/[^/]+/[0-9a-f-]{36}$' then
    place := pg_catalog.string_to_array(saved, '/');
    if place[1] = scope and place[2]::bigint = generation and place[3]::integer < 100 then
      since := place[3]::integer + 1;
      after_priority := place[4]::integer;
      after_queued_at := place[5]::timestamptz;
      after_id := place[6]::uuid;
    else
      place := null;
    end if;
  end if;

  -- From the remembered place (exclusive). Materialized so the planner cannot fold the
  -- locking subquery into the update and lock more rows than it asked for.
  if after_id is not null then
    with candidate as materialized (
      select r.id
        from ops.runs r
       where r.status = 'queued'
         and (-r.priority, r.queued_at, r.id)
           > (-after_priority, after_queued_at, after_id)
         and r.project_id in (
           select m.project_id
             from ops.project_memberships m
            where m.user_id = caller
              and m.role in ('owner', 'admin', 'developer')
         )
         and (p_project_id is null or r.project_id = p_project_id)
       order by -r.priority, r.queued_at, r.id
       limit p_limit
         for no key update skip locked
    ), updated as (
      update ops.runs r
         set status = 'claimed',
             claimed_by = device,
             claimed_at = pg_catalog.now(),
             lease_expires_at = pg_catalog.now() + lease,
             attempts = r.attempts + 1
        from candidate c
       where r.id = c.id
      returning r as run
    )
    select pg_catalog.array_agg(u.run order by -(u.run).priority, (u.run).queued_at, (u.run).id)
      into claimed
      from updated u;
  end if;

  -- From the head of the queue: no usable place, or nothing (enough) after it.
  if coalesce(pg_catalog.cardinality(claimed), 0) < p_limit then
    with candidate as materialized (
      select r.id
        from ops.runs r
       where r.status = 'queued'
         and r.project_id in (
           select m.project_id
             from ops.project_memberships m
            where m.user_id = caller
              and m.role in ('owner', 'admin', 'developer')
         )
         and (p_project_id is null or r.project_id = p_project_id)
       order by -r.priority, r.queued_at, r.id
       limit p_limit - coalesce(pg_catalog.cardinality(claimed), 0)
         for no key update skip locked
    ), updated as (
      update ops.runs r
         set status = 'claimed',
             claimed_by = device,
             claimed_at = pg_catalog.now(),
             lease_expires_at = pg_catalog.now() + lease,
             attempts = r.attempts + 1
        from candidate c
       where r.id = c.id
      returning r as run
    )
    select pg_catalog.array_agg(u.run order by -(u.run).priority, (u.run).queued_at, (u.run).id)
      into more
      from updated u;
  end if;

  -- The place is the last run claimed, in claim order (each array is in claim order).
  last := claimed[pg_catalog.cardinality(claimed)];
  if more is not null and (last.id is null
    or (-more[pg_catalog.cardinality(more)].priority, more[pg_catalog.cardinality(more)].queued_at,
        more[pg_catalog.cardinality(more)].id) > (-last.priority, last.queued_at, last.id)) then
    last := more[pg_catalog.cardinality(more)];
  end if;
  if last.id is not null then
    perform pg_catalog.set_config('lmx.run_claim_place', pg_catalog.concat_ws('/', scope, generation,
      since, last.priority, pg_catalog.to_char(last.queued_at at time zone 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), last.id), false);
  end if;

  return query select * from pg_catalog.unnest(coalesce(claimed, '{}') || coalesce(more, '{}'));
end;
$$;

revoke execute on function ops.claim_next_runs(integer, uuid, integer) from public, anon;
grant execute on function ops.claim_next_runs(integer, uuid, integer) to authenticated;

-- Same signature and answer, now one call of the whole claim. PL/pgSQL rather than SQL: a
-- SQL function's query is planned again on every call.
create or replace function ops.claim_next_run(
  p_project_id uuid default null,
  p_lease_seconds integer default 60
)
returns setof ops.runs
language plpgsql
volatile
security invoker
as $$
begin
  return query select * from ops.claim_next_runs(1, p_project_id, p_lease_seconds);
end;
$$;

-- Dead: its body is now inside ops.claim_next_runs.
drop function private.claim_runs(uuid, integer, integer, integer, timestamptz, uuid);
