-- Claims that do not slow down as the queue drains (issue #19 "Queue").
--
-- The cause: a claim moves its run out of the partial queue index (status = 'queued'), and
-- the index entry it leaves behind stays, dead, at the head of the queue until VACUUM removes
-- it. Every later claim scans the index from its head, so it walks past every run claimed
-- since the last vacuum: 100,000 claims leave about 600 index pages to step over on each
-- claim, and autovacuum visits a database at most once a minute.
--
-- The fix: each connection remembers where its last claim stopped (the claimed run's place
-- in claim order) and the next claim starts its index scan there, past the dead entries.
-- That place is a valid start only while no run can be queued ahead of it, so:
-- - a run that enters the queue anywhere but at its tail (a higher priority, an older
--   queued_at, a lease requeued, a priority changed) and a membership added or changed bump
--   ops.run_queue_state.generation in the same transaction, and a remembered place from an
--   older generation is not used;
-- - the place is kept per caller and project filter (PostgREST's pooled connections serve
--   many users), and a claim that finds nothing after it scans again from the head;
-- - every 100th claim of a connection scans from the head anyway, which bounds how long a
--   run can wait whose claim was rolled back by another worker after this one skipped it.
-- The remembered place only decides where a scan starts: which runs the caller may claim,
-- the locking and the lease are unchanged.

create table ops.run_queue_state (
  singleton boolean primary key default true check (singleton),
  generation bigint not null default 0
);
insert into ops.run_queue_state default values;
alter table ops.run_queue_state enable row level security;
revoke all on ops.run_queue_state from public, anon, authenticated;

-- The claim order as one ascending key, so a row comparison can start the index scan at a
-- remembered place ((priority desc, queued_at, id) cannot: its columns sort both ways).
create index runs_claim_order_idx on ops.runs ((-priority), queued_at, id) where status = 'queued';
drop index ops.runs_queue_idx;

create or replace function private.bump_run_queue_generation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update ops.run_queue_state s set generation = s.generation + 1 where s.singleton;
  return null;
end;
$$;

-- New queued runs bump the generation unless every one of them sorts after every run queued
-- before (the usual case: a run queued now, at the default priority, joins the tail).
create or replace function private.runs_queued_out_of_order()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select 1
      from new_rows n
     where n.status = 'queued'
       and exists (
         select 1 from ops.runs r
          where r.status = 'queued'
            and (-r.priority, r.queued_at, r.id) > (-n.priority, n.queued_at, n.id)
       )
  ) then
    update ops.run_queue_state s set generation = s.generation + 1 where s.singleton;
  end if;
  return null;
end;
$$;

create trigger runs_queued_out_of_order
  after insert on ops.runs
  referencing new table as new_rows
  for each statement execute function private.runs_queued_out_of_order();

-- A run back in the queue (a lease that lapsed, or a direct update) keeps its old place.
create trigger runs_requeued
  after update of status, priority, queued_at on ops.runs
  for each row
  when (new.status = 'queued'
    and (old.status <> 'queued' or old.priority <> new.priority or old.queued_at <> new.queued_at))
  execute function private.bump_run_queue_generation();

-- A caller who joins a project (or is promoted to developer) may claim its older runs.
create trigger project_memberships_bump_run_queue
  after insert or update on ops.project_memberships
  for each statement execute function private.bump_run_queue_generation();

create or replace function private.run_queue_generation()
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  select s.generation from ops.run_queue_state s where s.singleton
$$;

-- Claims up to p_limit runs, in claim order from the given place (exclusive; null: from
-- the head). Fenced exactly as private.claim_next_run: a paired device that is not revoked,
-- runs of projects where its owner is developer or above, skip locked, one lease each.
create or replace function private.claim_runs(
  p_project_id uuid,
  p_lease_seconds integer,
  p_limit integer,
  p_after_priority integer,
  p_after_queued_at timestamptz,
  p_after_id uuid
)
returns setof ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := private.current_device_id();
  lease interval := private.check_lease_seconds(p_lease_seconds);
  wanted integer := p_limit;
  got integer;
begin
  if device is null then
    raise exception 'Only a paired device that is not revoked can claim runs'
      using errcode = '42501';
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    raise exception 'A worker claims between 1 and 100 runs at a time' using errcode = '22023';
  end if;
  if exists (
    select 1 from ops.runs r
     where r.status in ('claimed', 'running') and r.lease_expires_at < pg_catalog.now()
  ) then
    perform ops.requeue_expired_runs(20);
  end if;

  if p_after_id is not null then
    -- Materialized so the planner cannot fold the locking subquery into the update and lock
    -- more rows than it asked for.
    return query
    with candidate as materialized (
      select r.id
        from ops.runs r
       where r.status = 'queued'
         and (-r.priority, r.queued_at, r.id) > (-p_after_priority, p_after_queued_at, p_after_id)
         and r.project_id in (
           select m.project_id
             from ops.project_memberships m
            where m.user_id = auth.uid()
              and m.role in ('owner', 'admin', 'developer')
         )
         and (p_project_id is null or r.project_id = p_project_id)
       order by -r.priority, r.queued_at, r.id
       limit wanted
         for no key update skip locked
    )
    update ops.runs r
       set status = 'claimed',
           claimed_by = device,
           claimed_at = pg_catalog.now(),
           lease_expires_at = pg_catalog.now() + lease,
           attempts = r.attempts + 1
      from candidate c
     where r.id = c.id
    returning r.*;
    get diagnostics got = row_count;
    wanted := wanted - got;
  end if;

  if wanted > 0 then
    return query
    with candidate as materialized (
      select r.id
        from ops.runs r
       where r.status = 'queued'
         and r.project_id in (
           select m.project_id
             from ops.project_memberships m
            where m.user_id = auth.uid()
              and m.role in ('owner', 'admin', 'developer')
         )
         and (p_project_id is null or r.project_id = p_project_id)
       order by -r.priority, r.queued_at, r.id
       limit wanted
         for no key update skip locked
    )
    update ops.runs r
       set status = 'claimed',
           claimed_by = device,
           claimed_at = pg_catalog.now(),
           lease_expires_at = pg_catalog.now() + lease,
           attempts = r.attempts + 1
      from candidate c
     where r.id = c.id
    returning r.*;
  end if;
end;
$$;

revoke execute on function
  private.bump_run_queue_generation(),
  private.runs_queued_out_of_order(),
  private.run_queue_generation(),
  private.claim_runs(uuid, integer, integer, integer, timestamptz, uuid)
  from public, anon, authenticated;
grant execute on function
  private.run_queue_generation(),
  private.claim_runs(uuid, integer, integer, integer, timestamptz, uuid)
  to authenticated;

-- A worker running several runs at once claims up to p_limit (1–100) in one call, each
-- fenced and leased as a single claim. Invoker and without a SET clause, like
-- ops.claim_next_run: the asynchronous commit and the remembered place must outlive it.
-- The place is kept in the session setting lmx.run_claim_place as
-- scope/generation/claims since the last scan from the head/-priority/queued_at/id.
create or replace function ops.claim_next_runs(
  p_limit integer,
  p_project_id uuid default null,
  p_lease_seconds integer default 60
)
returns setof ops.runs
language plpgsql
volatile
security invoker
as $$
declare
  scope text := coalesce(auth.uid()::text, '-') || ':' || coalesce(p_project_id::text, '*');
  generation bigint := private.run_queue_generation();
  saved text := pg_catalog.current_setting('lmx.run_claim_place', true);
  place text[];
  since integer := 0;
  claimed ops.runs;
  last ops.runs;
begin
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  if saved ~ '^[^/]+/-?[0-9]{1,18}/[0-9]{1,9}/-?[0-9]{1,3}/[^/]+/[0-9a-f-]{36}$' then
    place := pg_catalog.string_to_array(saved, '/');
    if place[1] = scope and place[2]::bigint = generation and place[3]::integer < 100 then
      since := place[3]::integer + 1;
    else
      place := null;
    end if;
  end if;

  for claimed in
    select * from private.claim_runs(p_project_id, p_lease_seconds, p_limit,
      place[4]::integer, place[5]::timestamptz, place[6]::uuid)
  loop
    if last.id is null
      or (-claimed.priority, claimed.queued_at, claimed.id) > (-last.priority, last.queued_at, last.id) then
      last := claimed;
    end if;
    return next claimed;
  end loop;

  if last.id is not null then
    perform pg_catalog.set_config('lmx.run_claim_place', pg_catalog.concat_ws('/', scope, generation,
      since, last.priority, pg_catalog.to_char(last.queued_at at time zone 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), last.id), false);
  end if;
end;
$$;

-- Same signature and answer as before; now one call of the batched claim.
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

revoke execute on function ops.claim_next_runs(integer, uuid, integer) from public, anon;
grant execute on function ops.claim_next_runs(integer, uuid, integer) to authenticated;
