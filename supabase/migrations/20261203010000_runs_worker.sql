-- The device side of the runs (docs/workflows.md, docs/device-api.md):
--   1. public.device_run_projects: the projects each device runs jobs for, chosen by its owner
--      on the device's page (default none). A device claims runs of those projects only, even
--      when its owner may work on more (security: a membership alone never sends someone
--      else's shell commands to your machine).
--   2. A run's params are checked against its workflow's inputs when it is queued, and the
--      inputs' defaults filled in, so a worker reads complete, typed params.
--   3. Workers hear of queued runs and of cancels at once: broadcasts to a private Realtime
--      topic per device ("worker:<device id>") that only that device may join.

create table public.device_run_projects (
  device_id uuid not null references public.devices (id) on delete cascade,
  project_id uuid not null references ops.projects (id) on delete cascade,
  -- The device's owner, kept on the row so the policies need no join to public.devices.
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (device_id, project_id)
);

create index device_run_projects_project_id_idx on public.device_run_projects (project_id);
create index device_run_projects_user_id_idx on public.device_run_projects (user_id);

alter table public.device_run_projects enable row level security;

-- The owner sees the choice for every device of theirs; a device request sees only its own.
create policy "Owners and their devices read the device's run projects"
  on public.device_run_projects
  for select to authenticated
  using (
    user_id = (select auth.uid())
    and (
      not (select private.is_device_request())
      or device_id = (select private.current_device_id())
    )
  );

-- Only the owner, from the console (not a device), for a live device of theirs and a project
-- where they are developer or above.
create policy "Owners enable projects on their devices"
  on public.device_run_projects
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and not (select private.is_device_request())
    and project_id in (select private.my_project_ids('developer'))
    and exists (
      select 1
        from public.devices d
       where d.id = device_id
         and d.user_id = (select auth.uid())
         and d.revoked_at is null
    )
  );

create policy "Owners disable projects on their devices"
  on public.device_run_projects
  for delete to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()));

-- Rows are added or removed, never edited.
revoke update, truncate on public.device_run_projects from anon, authenticated;
revoke all on public.device_run_projects from anon;
grant select, insert, delete on public.device_run_projects to authenticated;

-- The claim path's guard, whichever claim function runs (claim_next_run, or a batched one):
-- a run whose project is not enabled on the claiming device is left in the queue. Returning
-- null skips that row's update, so the claim returns nothing for it instead of failing; the
-- worker asks per enabled project (the device API does), so nothing ahead of it blocks it.
create or replace function private.runs_guard_claim()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (
    select 1
      from public.device_run_projects p
     where p.device_id = new.claimed_by
       and p.project_id = new.project_id
  ) then
    return null;
  end if;
  return new;
end;
$$;

revoke execute on function private.runs_guard_claim() from public, anon, authenticated;

create trigger runs_guard_claim
  before update of status on ops.runs
  for each row
  -- A claim always names its device; a status edited by hand (no device) is not a claim.
  when (new.status = 'claimed' and old.status is distinct from 'claimed'
    and new.claimed_by is not null)
  execute function private.runs_guard_claim();

-- Checks params against a version-1 definition's inputs and returns them with defaults
-- filled in. Same rules as paramsSchemaFor in lib/workflows/params.ts: every param names an
-- input, has its type, and an input without a default must be given. Definitions from
-- before versioning declare no inputs and take any object.
create or replace function private.resolve_run_params(d jsonb, p jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  resolved jsonb := coalesce(p, '{}'::jsonb);
  item record;
  declared jsonb;
begin
  if pg_catalog.jsonb_typeof(resolved) <> 'object' then
    raise exception 'Run params must be a JSON object' using errcode = '22023';
  end if;
  if d is null or not d ? 'version' then
    return resolved;
  end if;
  declared := coalesce(d -> 'inputs', '{}'::jsonb);
  for item in select * from pg_catalog.jsonb_each(resolved) loop
    if not declared ? item.key then
      raise exception 'Unknown input "%"', item.key
        using errcode = '22023',
          hint = 'The workflow''s inputs are: ' || coalesce(
            (select pg_catalog.string_agg(k, ', ' order by k) from pg_catalog.jsonb_object_keys(declared) k),
            'none');
    end if;
    if pg_catalog.jsonb_typeof(item.value) <> (declared -> item.key ->> 'type') then
      raise exception 'Input "%" must be a %', item.key, declared -> item.key ->> 'type'
        using errcode = '22023';
    end if;
  end loop;
  for item in select * from pg_catalog.jsonb_each(declared) loop
    if not resolved ? item.key then
      if item.value ? 'default' then
        resolved := resolved || pg_catalog.jsonb_build_object(item.key, item.value -> 'default');
      else
        raise exception 'Input "%" is required', item.key using errcode = '22023';
      end if;
    end if;
  end loop;
  return resolved;
end;
$$;

revoke execute on function private.resolve_run_params(jsonb, jsonb) from public, anon;
grant execute on function private.resolve_run_params(jsonb, jsonb) to authenticated, service_role;

-- On every queued insert (queue_run, rerun, or any later writer): the caller learns of a bad
-- param at once, and nothing reaches a worker that its steps cannot read.
create or replace function private.runs_resolve_params()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.params := private.resolve_run_params(
    (select w.definition from ops.workflows w where w.id = new.workflow_id),
    new.params);
  return new;
end;
$$;

revoke execute on function private.runs_resolve_params() from public, anon, authenticated;

create trigger runs_resolve_params
  before insert on ops.runs
  for each row
  when (new.status = 'queued')
  execute function private.runs_resolve_params();

-- Worker wake-ups. Queued (new or back from an expired lease): every live device with the
-- project enabled and the helper on hears "run.queued" on its own topic. Canceled while
-- held: the holding device hears "run.canceled". Payloads carry ids only; the worker asks
-- the device API for the rest, under RLS.
create or replace function private.runs_notify_workers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  target uuid;
begin
  if new.status = 'queued' then
    for target in
      select p.device_id
        from public.device_run_projects p
        join public.devices d on d.id = p.device_id
       where p.project_id = new.project_id
         and d.helper_enabled
         and d.revoked_at is null
    loop
      perform realtime.send(
        pg_catalog.jsonb_build_object('run_id', new.id, 'project_id', new.project_id,
          'priority', new.priority),
        'run.queued', 'worker:' || target::text, true);
    end loop;
  elsif new.status = 'canceled' and tg_op = 'UPDATE' and old.claimed_by is not null then
    perform realtime.send(
      pg_catalog.jsonb_build_object('run_id', new.id, 'project_id', new.project_id),
      'run.canceled', 'worker:' || old.claimed_by::text, true);
  end if;
  return null;
end;
$$;

revoke execute on function private.runs_notify_workers() from public, anon, authenticated;

create trigger runs_notify_workers_insert
  after insert on ops.runs
  for each row
  when (new.status = 'queued')
  execute function private.runs_notify_workers();

create trigger runs_notify_workers_update
  after update of status on ops.runs
  for each row
  when (new.status is distinct from old.status and new.status in ('queued', 'canceled'))
  execute function private.runs_notify_workers();

-- "worker:<device id>" is readable by that device's own requests only (a device JWT whose
-- device is live and belongs to the token's user). The pattern check comes first so a
-- malformed topic is refused instead of failing the cast.
create policy "Devices read their worker topic"
  on realtime.messages
  for select
  to authenticated
  using (
    case
      when (select realtime.topic()) ~ '^worker:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then pg_catalog.substr((select realtime.topic()), 8)::uuid = (select private.current_device_id())
      else false
    end
  );

-- After a cancel the run is final, so the queue's worker functions refuse the worker's last
-- words (append_run_log and append_run_event need a held run). This lets the device that held
-- a canceled run record, once, how it stopped: up to 100 closing log lines (the step group's
-- end, "sent SIGTERM…") and a worker.stopped event with the signal and timings.
create or replace function ops.record_run_stopped(
  p_run_id uuid,
  p_lines jsonb default '[]'::jsonb,
  p_data jsonb default '{}'::jsonb
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := private.current_device_id();
  held ops.runs;
  previous integer;
  event_id bigint;
begin
  if device is null then
    raise exception 'Worker calls need the token of a paired device that is not revoked'
      using errcode = '42501';
  end if;
  if pg_catalog.jsonb_typeof(p_lines) is distinct from 'array'
    or pg_catalog.jsonb_array_length(p_lines) > 100 then
    raise exception 'Send at most 100 closing lines as a JSON array' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_typeof(coalesce(p_data, '{}'::jsonb)) <> 'object' then
    raise exception 'data must be a JSON object' using errcode = '22023';
  end if;
  select * into held from ops.runs r where r.id = p_run_id for no key update;
  if not found or held.claimed_by is distinct from device then
    raise exception 'Run % is not held by this device', p_run_id using errcode = 'PT409';
  end if;
  if held.status <> 'canceled' then
    raise exception 'Run % is %, not canceled', p_run_id, held.status using errcode = 'PT409';
  end if;
  if exists (select 1 from ops.run_events e where e.run_id = p_run_id and e.kind = 'worker.stopped') then
    raise exception 'This run''s stop is already recorded' using errcode = 'PT409';
  end if;

  select coalesce(max(l.line_no), 0) into previous from ops.run_logs l where l.run_id = p_run_id;
  insert into ops.run_logs (run_id, project_id, line_no, stream, line, logged_at)
  select p_run_id, held.project_id, previous + e.ord::integer,
         case when coalesce(e.value ->> 'stream', 'system') in ('stdout', 'stderr', 'system')
           then coalesce(e.value ->> 'stream', 'system') else 'system' end,
         pg_catalog.left(coalesce(e.value ->> 'line', e.value #>> '{}', ''), 16384),
         pg_catalog.now()
    from pg_catalog.jsonb_array_elements(p_lines) with ordinality as e (value, ord);
  insert into ops.run_events (run_id, project_id, kind, message, data, device_id)
  values (p_run_id, held.project_id, 'worker.stopped', 'The worker stopped the canceled run',
    coalesce(p_data, '{}'::jsonb), device)
  returning id into event_id;

  return event_id;
end;
$$;

revoke execute on function ops.record_run_stopped(uuid, jsonb, jsonb) from public, anon;
grant execute on function ops.record_run_stopped(uuid, jsonb, jsonb) to authenticated;
