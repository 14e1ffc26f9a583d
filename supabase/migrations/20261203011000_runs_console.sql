-- The runs pages (docs/runs.md): each log line's attempt (a retried run's log shows each try
-- apart), the keyset-paginated run list with each queued run's place in its queue and the
-- workers online for it, the log's outline and search, and the pages' Realtime topics.

-- Existing lines were written by first attempts (no worker existed to retry). The default
-- fills them without rewriting the append-only table, and is then dropped so the trigger
-- below stamps every new line from its run.
alter table ops.run_logs add column attempt smallint not null default 1 check (attempt >= 1);
alter table ops.run_logs alter column attempt drop default;

-- No writer sends the attempt: append_run_log (and any later writer) gets the run's current
-- attempt, which claim_next_run bumped when this worker claimed it. Only a caller allowed to
-- insert directly (the seed, as the database owner) may name another.
create or replace function private.run_logs_stamp_attempt()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.attempt is null then
    select greatest(r.attempts, 1)::smallint into new.attempt
      from ops.runs r
     where r.id = new.run_id;
    new.attempt := coalesce(new.attempt, 1);
  end if;
  return new;
end;
$$;

revoke execute on function private.run_logs_stamp_attempt() from public, anon, authenticated;

create trigger run_logs_stamp_attempt
  before insert on ops.run_logs
  for each row execute function private.run_logs_stamp_attempt();

-- The log's outline (step groups and their ends) is read from this small index instead of
-- the whole log: a 100,000-line run has a few dozen markers.
create index run_logs_markers_idx on ops.run_logs (run_id, line_no)
  where stream = 'system' and (line like '::group::%' or line = '::endgroup::');

-- Workers that could claim a project's queued run right now: paired devices that are not
-- revoked, sent a heartbeat within the last 90 s (the console's one definition of online,
-- lib/devices/online.ts), have the job helper enabled, and whose owner is developer or above
-- in the project (claim_next_run's own rule). Security definer because members cannot read
-- each other's devices; it answers only a member of the project, and only a count.
-- TODO(#12): also require the project among the device's chosen worker projects once the
-- worker's device setting lands.
create or replace function private.project_workers_online(p_project_id uuid)
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select case when private.has_project_role(p_project_id, 'viewer') then (
    select pg_catalog.count(*)::integer
      from public.devices d
      join ops.project_memberships m
        on m.user_id = d.user_id and m.project_id = p_project_id
     where d.revoked_at is null
       and d.helper_enabled
       and d.last_seen_at >= pg_catalog.now() - interval '90 seconds'
       and m.role in ('owner', 'admin', 'developer')
  ) end
$$;

-- A queued run's place in its project's queue, in claim_next_run's order (priority, then
-- queued_at, then id): 1 + the queued runs of the project that a worker takes first.
create or replace function private.run_queue_position(p_run_id uuid)
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select case when r.status = 'queued' and private.has_project_role(r.project_id, 'viewer') then (
    select 1 + pg_catalog.count(*)::integer
      from ops.runs q
     where q.status = 'queued'
       and q.project_id = r.project_id
       and (q.priority > r.priority
            or (q.priority = r.priority and (q.queued_at, q.id) < (r.queued_at, r.id)))
  ) end
    from ops.runs r
   where r.id = p_run_id
$$;

-- The device a run was claimed by, for the run's members: its name and last heartbeat (the
-- page derives online from it), and whether the caller owns it (then it links to its page).
create or replace function private.run_device(p_device_id uuid, p_project_id uuid)
returns table (name text, last_seen_at timestamptz, revoked_at timestamptz, is_mine boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select d.name, d.last_seen_at, d.revoked_at, d.user_id = (select auth.uid())
    from public.devices d
   where d.id = p_device_id
     and private.has_project_role(p_project_id, 'viewer')
$$;

revoke execute on function private.project_workers_online(uuid), private.run_queue_position(uuid),
  private.run_device(uuid, uuid) from public, anon;
grant execute on function private.project_workers_online(uuid), private.run_queue_position(uuid),
  private.run_device(uuid, uuid) to authenticated;

-- A row of the run list and of a run's page: the run, its project, workflow, requester and
-- device, and for a queued run its place in the queue and the workers online for it.
create type ops.run_list_row as (
  id uuid, project_id uuid, project_name text, project_slug text, workflow_id uuid,
  workflow_name text, workflow_kind text, status text, priority integer, params jsonb,
  requested_by uuid, requested_by_name text, device_id uuid, device_name text,
  device_is_mine boolean, device_last_seen_at timestamptz, device_revoked_at timestamptz,
  attempts integer, max_attempts integer, queued_at timestamptz, started_at timestamptz,
  finished_at timestamptz, exit_code integer, error text, rerun_of uuid,
  queue_position integer, workers_online integer, claimed_at timestamptz,
  lease_expires_at timestamptz, canceled_by uuid, result jsonb
);

-- One page of the runs the caller can see (RLS picks the projects; security invoker), newest
-- queued first. Keyset pagination on (queued_at, id): pass the last row's as after_*. Each
-- visible project is read on its own (queued_at, id) index range and the pages are merged,
-- so the first page costs a few index scans however many runs the projects hold.
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
language sql
stable
security invoker
set search_path = ''
set jit = off
as $$
  select r.id, r.project_id, p.name, p.slug, r.workflow_id, w.name, w.kind, r.status, r.priority,
         r.params, r.requested_by, nullif(pr.display_name, ''), r.claimed_by, d.name, d.is_mine,
         d.last_seen_at, d.revoked_at,
         r.attempts, r.max_attempts, r.queued_at, r.started_at, r.finished_at, r.exit_code,
         r.error, r.rerun_of,
         case when r.status = 'queued' then private.run_queue_position(r.id) end,
         case when r.status = 'queued' then private.project_workers_online(r.project_id) end,
         r.claimed_at, r.lease_expires_at, r.canceled_by, r.result
    from ops.projects p
   cross join lateral (
     select x.*
       from ops.runs x
      where x.project_id = p.id
        and (filter_status is null or x.status = any (filter_status))
        and (filter_workflow is null or x.workflow_id = filter_workflow)
        and (filter_kind is null or x.workflow_id in (
              select k.id from ops.workflows k where k.project_id = p.id and k.kind = filter_kind))
        and (filter_device is null or x.claimed_by = filter_device)
        and (filter_requested_by is null or x.requested_by = filter_requested_by)
        and (queued_from is null or x.queued_at >= queued_from)
        and (queued_to is null or x.queued_at < queued_to)
        -- Always a row comparison (no "is null or"), so it is the index scan's start key.
        and (x.queued_at, x.id)
            < (coalesce(after_queued_at, 'infinity'::timestamptz),
               coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
      order by x.queued_at desc, x.id desc
      limit least(greatest(coalesce(max_rows, 50), 1), 200)
   ) r
    join ops.workflows w on w.id = r.workflow_id
    left join public.profiles pr on pr.id = r.requested_by
    left join lateral private.run_device(r.claimed_by, r.project_id) d on r.claimed_by is not null
   where filter_project is null or p.slug = filter_project
   order by r.queued_at desc, r.id desc
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;

-- One run as the list shows it (the same columns and helpers), for the run's page.
create or replace function ops.get_run(p_run_id uuid)
returns setof ops.run_list_row
language sql
stable
security invoker
set search_path = ''
as $$
  select r.id, r.project_id, p.name, p.slug, r.workflow_id, w.name, w.kind, r.status, r.priority,
         r.params, r.requested_by, nullif(pr.display_name, ''), r.claimed_by, d.name, d.is_mine,
         d.last_seen_at, d.revoked_at,
         r.attempts, r.max_attempts, r.queued_at, r.started_at, r.finished_at, r.exit_code,
         r.error, r.rerun_of,
         case when r.status = 'queued' then private.run_queue_position(r.id) end,
         case when r.status = 'queued' then private.project_workers_online(r.project_id) end,
         r.claimed_at, r.lease_expires_at, r.canceled_by, r.result
    from ops.runs r
    join ops.projects p on p.id = r.project_id
    join ops.workflows w on w.id = r.workflow_id
    left join public.profiles pr on pr.id = r.requested_by
    left join lateral private.run_device(r.claimed_by, r.project_id) d on r.claimed_by is not null
   where r.id = p_run_id
$$;

-- The step groups of a run's log and where each attempt starts: the log viewer lays out
-- 100,000 lines from this without reading them. Markers come from run_logs_markers_idx;
-- attempts after the first are found by walking the (run_id, line_no) index from the start
-- to the first line of that attempt (lines are appended in attempt order).
create or replace function ops.run_log_outline(p_run_id uuid)
returns table (line_no integer, attempt smallint, kind text, name text)
language sql
stable
security invoker
set search_path = ''
as $$
  select l.line_no, l.attempt,
         case when l.line = '::endgroup::' then 'endgroup' else 'group' end,
         case when l.line = '::endgroup::' then null else pg_catalog.substr(l.line, 10) end
    from ops.run_logs l
   where l.run_id = p_run_id
     and l.stream = 'system'
     and (l.line like '::group::%' or l.line = '::endgroup::')
  union all
  select s.line_no, a.n::smallint, 'attempt', null
    from ops.runs r
   cross join lateral pg_catalog.generate_series(2, r.attempts) as a (n)
   cross join lateral (
     select l.line_no from ops.run_logs l
      where l.run_id = r.id and l.attempt >= a.n
      order by l.line_no
      limit 1
   ) s
   where r.id = p_run_id
  union all
  select pg_catalog.max(l.line_no), null, 'last', null
    from ops.run_logs l
   where l.run_id = p_run_id
  having pg_catalog.max(l.line_no) is not null
   order by 1, 3
$$;

-- Lines of a run's log that contain every word of the query (case-insensitive, ANSI colour
-- codes ignored), in order. The FTS column narrows a long log to lines holding words that
-- start like the query's; the substring test then keeps exact matches only, so the count is
-- what the viewer highlights. A query without letters or digits is matched by substring only.
create or replace function ops.search_run_log(p_run_id uuid, p_query text, p_limit integer default 1000)
returns table (line_no integer, total bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  needle text := pg_catalog.left(pg_catalog.btrim(coalesce(p_query, '')), 200);
  words text;
  pattern text;
begin
  if needle = '' then
    return;
  end if;
  select pg_catalog.string_agg(t || ':*', ' & ')
    into words
    from pg_catalog.regexp_split_to_table(pg_catalog.lower(needle), '[^[:alnum:]_]+') as t
   where t <> '';
  pattern := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
    needle, '\', '\\'), '%', '\%'), '_', '\_') || '%';

  return query
    with hits as (
      select l.line_no
        from ops.run_logs l
       where l.run_id = p_run_id
         and (words is null or l.search @@ pg_catalog.to_tsquery('simple', words))
         and pg_catalog.regexp_replace(l.line, E'\\x1b\\[[0-9;]*[A-Za-z]', '', 'g') ilike pattern
    )
    select h.line_no, pg_catalog.count(*) over ()
      from hits h
     order by h.line_no
     limit least(greatest(coalesce(p_limit, 1000), 1), 5000);
end;
$$;

revoke execute on function ops.list_runs(text[], text, uuid, text, uuid, uuid, timestamptz,
  timestamptz, timestamptz, uuid, integer), ops.get_run(uuid),
  ops.run_log_outline(uuid), ops.search_run_log(uuid, text, integer) from public, anon;
grant execute on function ops.list_runs(text[], text, uuid, text, uuid, uuid, timestamptz,
  timestamptz, timestamptz, uuid, integer), ops.get_run(uuid),
  ops.run_log_outline(uuid), ops.search_run_log(uuid, text, integer) to authenticated, service_role;

-- The runs pages' live channels, private like the sessions ones (20261203000810):
-- "runs:<user id>" (the list) is readable by that user alone, and "run:<id>" (one run's page)
-- by whoever may read that run, as its select policy decides.
create policy "Users read their runs topics"
  on realtime.messages
  for select
  to authenticated
  using (
    (select realtime.topic()) = 'runs:' || (select auth.uid())::text
    or (
      case
        when (select realtime.topic()) ~ '^run:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        then exists (
          select 1
            from ops.runs r
           where r.id = pg_catalog.substr((select realtime.topic()), 5)::uuid
        )
        else false
      end
    )
  );
