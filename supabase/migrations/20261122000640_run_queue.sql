-- The run queue's functions. Users queue, cancel and re-run (developer or above; audited in
-- the same transaction). Paired devices claim and work runs of projects where their owner is
-- developer or above; every worker-side write is fenced on the run still being held by that device.

-- A late call from an evicted worker changes nothing and says so: SQLSTATE PT409, which
-- PostgREST answers as HTTP 409 (and PT404, HTTP 404, for "not found": P0002 would be a 500).
-- Locks a run the calling device holds in one of the given states, or refuses.
create or replace function private.lock_held_run(p_run_id uuid, p_states text[])
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := private.current_device_id();
  held ops.runs;
begin
  if device is null then
    raise exception 'Worker calls need the token of a paired device that is not revoked'
      using errcode = '42501';
  end if;
  select * into held from ops.runs r where r.id = p_run_id for no key update;
  if not found or held.claimed_by is distinct from device then
    raise exception 'Run % is not held by this device', p_run_id
      using errcode = 'PT409', hint = 'Its lease was lost: stop working on it.';
  end if;
  if held.status <> all (p_states) then
    raise exception 'Run % is % now, not %', p_run_id, held.status, pg_catalog.array_to_string(p_states, ' or ')
      using errcode = 'PT409';
  end if;
  if not private.has_project_role(held.project_id, 'developer') then
    raise exception 'This device''s owner is no longer a developer of the run''s project'
      using errcode = 'PT409';
  end if;

  return held;
end;
$$;

create or replace function private.check_lease_seconds(p_lease_seconds integer)
returns interval
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'A lease lasts between 1 and 3600 seconds' using errcode = '22023';
  end if;

  return pg_catalog.make_interval(secs => p_lease_seconds);
end;
$$;

revoke execute on function private.lock_held_run(uuid, text[]), private.check_lease_seconds(integer)
  from public, anon, authenticated;

-- Runs whose worker stopped renewing its lease go back to the queue while attempts remain,
-- and fail otherwise. Called at the start of every claim, and by a job as service_role.
create or replace function ops.requeue_expired_runs(p_limit integer default 100)
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

-- The claim commits with synchronous_commit off, so it does not wait for its own WAL flush: a
-- claim lost in a server crash only puts the run back in the queue, and the worker that
-- thought it held it is then refused by the fencing on its very next call (start, heartbeat,
-- log, complete all commit durably). The setting must outlive the function, and a
-- function with a SET clause (search_path) restores every setting it changed on exit, so the
-- API entry point is a thin invoker wrapper without one (it holds no rights to hijack: every
-- name in it is qualified and the work runs in the security definer function below).
-- The 'claimed' moment stays on the run (claimed_by, claimed_at, attempts); the events record
-- the start and any lease lost, with the device that lost it. The reaper runs only when a
-- lease has actually expired.
create or replace function private.claim_next_run(p_project_id uuid, p_lease_seconds integer)
returns setof ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  device uuid := private.current_device_id();
  lease interval := private.check_lease_seconds(p_lease_seconds);
  claimed ops.runs;
begin
  if device is null then
    raise exception 'Only a paired device that is not revoked can claim runs'
      using errcode = '42501';
  end if;
  if exists (
    select 1 from ops.runs r
     where r.status in ('claimed', 'running') and r.lease_expires_at < pg_catalog.now()
  ) then
    perform ops.requeue_expired_runs(20);
  end if;

  -- Materialized so the planner cannot fold the locking subquery into the update and lock
  -- more rows than the one it asked for.
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
     order by r.priority desc, r.queued_at, r.id
     limit 1
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
  returning r.* into claimed;

  if claimed.id is not null then
    return next claimed;
  end if;
end;
$$;

revoke execute on function private.claim_next_run(uuid, integer) from public, anon;
grant execute on function private.claim_next_run(uuid, integer) to authenticated;

-- plpgsql, so its plan is cached per connection (a non-inlined SQL function is planned again
-- on every call).
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
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  return query select * from private.claim_next_run(p_project_id, p_lease_seconds);
end;
$$;

create or replace function ops.heartbeat_run_lease(p_run_id uuid, p_lease_seconds integer default 60)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  lease interval := private.check_lease_seconds(p_lease_seconds);
  renewed timestamptz;
begin
  perform private.lock_held_run(p_run_id, array['claimed', 'running']);
  update ops.runs r
     set lease_expires_at = pg_catalog.now() + lease
   where r.id = p_run_id
  returning r.lease_expires_at into renewed;

  return renewed;
end;
$$;

create or replace function ops.start_workflow_run(p_run_id uuid, p_lease_seconds integer default 60)
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  lease interval := private.check_lease_seconds(p_lease_seconds);
  held ops.runs := private.lock_held_run(p_run_id, array['claimed']);
  started ops.runs;
begin
  update ops.runs r
     set status = 'running', lease_expires_at = pg_catalog.now() + lease
   where r.id = p_run_id
  returning * into started;
  insert into ops.run_events (run_id, project_id, kind, message, device_id)
  values (started.id, started.project_id, 'started', 'Started', held.claimed_by);

  return started;
end;
$$;

create or replace function ops.complete_workflow_run(
  p_run_id uuid,
  p_status text,
  p_exit_code integer default null,
  p_error text default null,
  p_result jsonb default null
)
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  held ops.runs;
  finished ops.runs;
begin
  if p_status is null or p_status not in ('succeeded', 'failed') then
    raise exception 'A worker completes a run as succeeded or failed, not %', coalesce(p_status, 'null')
      using errcode = '22023';
  end if;
  -- A run that never started can still fail (its setup broke); success needs a start.
  held := private.lock_held_run(p_run_id,
    case p_status when 'succeeded' then array['running'] else array['claimed', 'running'] end);
  update ops.runs r
     set status = p_status,
         exit_code = p_exit_code,
         error = pg_catalog.left(p_error, 4000),
         result = p_result
   where r.id = p_run_id
  returning * into finished;
  insert into ops.run_events (run_id, project_id, kind, message, device_id, data)
  values (finished.id, finished.project_id, p_status,
    case p_status when 'succeeded' then 'Succeeded' else 'Failed' end, held.claimed_by,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('exit_code', p_exit_code)));

  return finished;
end;
$$;

-- Appends a batch of lines, numbered after the run's last line. Each element is a string or
-- {"line": …, "stream": "stdout" | "stderr" | "system", "at": timestamp}.
create or replace function ops.append_run_log(p_run_id uuid, p_lines jsonb)
returns table (first_line_no integer, last_line_no integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  held ops.runs;
  previous integer;
  added integer;
begin
  if pg_catalog.jsonb_typeof(p_lines) is distinct from 'array'
    or pg_catalog.jsonb_array_length(p_lines) not between 1 and 5000 then
    raise exception 'Send log lines as a JSON array of 1 to 5000 lines' using errcode = '22023';
  end if;
  -- The run's row lock serialises appenders, so line numbers never collide.
  held := private.lock_held_run(p_run_id, array['claimed', 'running']);
  select coalesce(max(l.line_no), 0) into previous from ops.run_logs l where l.run_id = p_run_id;
  insert into ops.run_logs (run_id, project_id, line_no, stream, line, logged_at)
  select p_run_id, held.project_id, previous + e.ord::integer,
         case when pg_catalog.jsonb_typeof(e.value) = 'object'
           then coalesce(e.value ->> 'stream', 'stdout') else 'stdout' end,
         case when pg_catalog.jsonb_typeof(e.value) = 'object'
           then coalesce(e.value ->> 'line', '') else e.value #>> '{}' end,
         case when pg_catalog.jsonb_typeof(e.value) = 'object' and e.value ? 'at'
           then (e.value ->> 'at')::timestamptz else pg_catalog.now() end
    from pg_catalog.jsonb_array_elements(p_lines) with ordinality as e (value, ord);
  get diagnostics added = row_count;

  return query select previous + 1, previous + added;
end;
$$;

create or replace function ops.append_run_event(
  p_run_id uuid,
  p_kind text,
  p_message text default '',
  p_data jsonb default '{}'::jsonb
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  held ops.runs := private.lock_held_run(p_run_id, array['claimed', 'running']);
  event_id bigint;
begin
  -- Lifecycle kinds are written by the queue itself; a worker reports steps and notes.
  if p_kind in ('queued', 'claimed', 'started', 'succeeded', 'failed', 'canceled', 'rerun')
    or p_kind like 'lease.%' then
    raise exception 'Event kind % is reserved for the queue', p_kind using errcode = '22023';
  end if;
  insert into ops.run_events (run_id, project_id, kind, message, data, device_id)
  values (p_run_id, held.project_id, p_kind, coalesce(p_message, ''),
    coalesce(p_data, '{}'::jsonb), held.claimed_by)
  returning id into event_id;

  return event_id;
end;
$$;

create or replace function ops.add_run_artifact(
  p_run_id uuid,
  p_key text,
  p_size_bytes bigint,
  p_sha256 text,
  p_content_type text default 'application/octet-stream',
  p_storage_path text default null,
  p_expires_at timestamptz default now() + interval '30 days'
)
returns ops.run_artifacts
language plpgsql
security definer
set search_path = ''
as $$
declare
  held ops.runs := private.lock_held_run(p_run_id, array['claimed', 'running']);
  artifact ops.run_artifacts;
begin
  insert into ops.run_artifacts (run_id, project_id, key, size_bytes, sha256, content_type,
    storage_path, expires_at, device_id)
  values (p_run_id, held.project_id, p_key, p_size_bytes, pg_catalog.lower(p_sha256),
    coalesce(p_content_type, 'application/octet-stream'), p_storage_path, p_expires_at,
    held.claimed_by)
  on conflict (run_id, key) do nothing
  returning * into artifact;
  if artifact.id is not null then
    return artifact;
  end if;
  -- The same upload sent twice (a retried request) is answered with the stored row.
  select * into artifact from ops.run_artifacts a where a.run_id = p_run_id and a.key = p_key;
  if artifact.sha256 <> pg_catalog.lower(p_sha256) or artifact.size_bytes <> p_size_bytes then
    raise exception 'Artifact % already exists for this run with other content', p_key
      using errcode = '23505';
  end if;

  return artifact;
end;
$$;

-- The user-side checks: a plain user session that is developer or above in the project.
create or replace function private.check_can_operate(p_project_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Only a signed-in user can queue, cancel or re-run runs'
      using errcode = '42501';
  end if;
  if not private.has_project_role(p_project_id, 'viewer') then
    raise exception 'No such run or workflow' using errcode = 'PT404';
  end if;
  if not private.has_project_role(p_project_id, 'developer') then
    raise exception 'Only developers, admins and owners can queue, cancel or re-run runs'
      using errcode = '42501';
  end if;
end;
$$;

revoke execute on function private.check_can_operate(uuid) from public, anon, authenticated;

create or replace function ops.queue_run(
  p_workflow_id uuid,
  p_params jsonb default '{}'::jsonb,
  p_priority integer default 0
)
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  workflow ops.workflows;
  queued ops.runs;
begin
  select * into workflow from ops.workflows w where w.id = p_workflow_id;
  perform private.check_can_operate(workflow.project_id);
  if workflow.archived_at is not null then
    raise exception 'Workflow % is archived', workflow.name using errcode = '22023';
  end if;
  insert into ops.runs (project_id, workflow_id, params, priority, requested_by, max_attempts)
  values (workflow.project_id, workflow.id, coalesce(p_params, '{}'::jsonb), p_priority,
    auth.uid(), workflow.max_attempts)
  returning * into queued;
  insert into ops.run_events (run_id, project_id, kind, message, actor_user_id)
  values (queued.id, queued.project_id, 'queued', 'Queued', auth.uid());
  perform private.write_audit('run.queued', 'run', queued.id, queued.project_id,
    pg_catalog.jsonb_build_object('workflow_id', workflow.id, 'workflow', workflow.name));

  return queued;
end;
$$;

create or replace function ops.cancel_run(p_run_id uuid, p_reason text default null)
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  target ops.runs;
begin
  select * into target from ops.runs r where r.id = p_run_id;
  perform private.check_can_operate(target.project_id);
  -- The state machine refuses a finished run with a message naming both states.
  update ops.runs r
     set status = 'canceled',
         canceled_by = auth.uid(),
         error = coalesce(pg_catalog.left(p_reason, 4000), r.error)
   where r.id = p_run_id
  returning * into target;
  insert into ops.run_events (run_id, project_id, kind, message, actor_user_id, device_id)
  values (target.id, target.project_id, 'canceled', coalesce(p_reason, 'Canceled'), auth.uid(),
    target.claimed_by);
  perform private.write_audit('run.canceled', 'run', target.id, target.project_id,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('reason', p_reason)));

  return target;
end;
$$;

create or replace function ops.rerun(p_run_id uuid)
returns ops.runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  original ops.runs;
  workflow ops.workflows;
  queued ops.runs;
begin
  select * into original from ops.runs r where r.id = p_run_id;
  perform private.check_can_operate(original.project_id);
  if original.status not in ('succeeded', 'failed', 'canceled') then
    raise exception 'Only a finished run can be re-run; this one is %', original.status
      using errcode = '22023';
  end if;
  select * into workflow from ops.workflows w where w.id = original.workflow_id;
  if workflow.archived_at is not null then
    raise exception 'Workflow % is archived', workflow.name using errcode = '22023';
  end if;
  insert into ops.runs (project_id, workflow_id, params, priority, requested_by, rerun_of, max_attempts)
  values (original.project_id, original.workflow_id, original.params, original.priority,
    auth.uid(), original.id, workflow.max_attempts)
  returning * into queued;
  insert into ops.run_events (run_id, project_id, kind, message, actor_user_id, data)
  values (queued.id, queued.project_id, 'rerun', 'Queued again', auth.uid(),
    pg_catalog.jsonb_build_object('rerun_of', original.id));
  perform private.write_audit('run.rerun', 'run', queued.id, queued.project_id,
    pg_catalog.jsonb_build_object('rerun_of', original.id));

  return queued;
end;
$$;

-- Queued runs the caller can see, with their place in their project's queue (claim order).
-- Invoker rights: RLS picks the rows, and a project's queue is visible whole or not at all.
create or replace function ops.list_queued_runs(p_project_id uuid default null)
returns table (
  run_id uuid,
  project_id uuid,
  workflow_id uuid,
  workflow_name text,
  workflow_kind text,
  priority integer,
  requested_by uuid,
  queued_at timestamptz,
  queue_position bigint,
  waiting interval
)
language sql
stable
set search_path = ''
as $$
  select r.id, r.project_id, r.workflow_id, w.name, w.kind, r.priority, r.requested_by,
         r.queued_at,
         pg_catalog.row_number() over (
           partition by r.project_id order by r.priority desc, r.queued_at, r.id),
         pg_catalog.now() - r.queued_at
    from ops.runs r
    join ops.workflows w on w.id = r.workflow_id
   where r.status = 'queued'
     and (p_project_id is null or r.project_id = p_project_id)
   order by r.project_id, 9
$$;

revoke execute on function
  ops.requeue_expired_runs(integer),
  ops.claim_next_run(uuid, integer),
  ops.heartbeat_run_lease(uuid, integer),
  ops.start_workflow_run(uuid, integer),
  ops.complete_workflow_run(uuid, text, integer, text, jsonb),
  ops.append_run_log(uuid, jsonb),
  ops.append_run_event(uuid, text, text, jsonb),
  ops.add_run_artifact(uuid, text, bigint, text, text, text, timestamptz),
  ops.queue_run(uuid, jsonb, integer),
  ops.cancel_run(uuid, text),
  ops.rerun(uuid),
  ops.list_queued_runs(uuid)
  from public, anon;
grant execute on function
  ops.claim_next_run(uuid, integer),
  ops.heartbeat_run_lease(uuid, integer),
  ops.start_workflow_run(uuid, integer),
  ops.complete_workflow_run(uuid, text, integer, text, jsonb),
  ops.append_run_log(uuid, jsonb),
  ops.append_run_event(uuid, text, text, jsonb),
  ops.add_run_artifact(uuid, text, bigint, text, text, text, timestamptz),
  ops.queue_run(uuid, jsonb, integer),
  ops.cancel_run(uuid, text),
  ops.rerun(uuid),
  ops.list_queued_runs(uuid)
  to authenticated;
grant execute on function ops.requeue_expired_runs(integer) to service_role;
