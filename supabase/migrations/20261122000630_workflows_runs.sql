-- Workflows and their runs: the run queue (leases, bounded attempts, a state machine enforced
-- by trigger), with append-only events and logs and expiring artifacts. Workers write only
-- through the queue functions (next migration); the API reads under RLS.
create table ops.workflows (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  name text not null check (char_length(pg_catalog.btrim(name)) between 1 and 100),
  kind text not null check (kind in ('build', 'test', 'deploy', 'backup', 'upgrade', 'maintenance', 'custom')),
  description text not null default '' check (char_length(description) <= 2000),
  definition jsonb not null default '{}'::jsonb check (pg_catalog.jsonb_typeof(definition) = 'object'),
  max_attempts integer not null default 3 check (max_attempts between 1 and 20),
  archived_at timestamptz,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name),
  -- Lets runs reference (workflow, project) so a run's project always matches its workflow's.
  unique (id, project_id)
);

create index workflows_project_id_updated_at_idx on ops.workflows (project_id, updated_at desc, id desc);
create index workflows_created_by_idx on ops.workflows (created_by);

alter table ops.workflows enable row level security;

create trigger workflows_set_updated_at
  before update on ops.workflows
  for each row execute function private.set_updated_at();
create trigger workflows_protect_columns
  before update on ops.workflows
  for each row execute function private.protect_columns('project_id', 'created_by');

create policy "Members can view their project's workflows" on ops.workflows
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

create policy "Developers can create workflows" on ops.workflows
  for insert to authenticated
  with check (
    project_id in (select private.my_project_ids('developer'))
    and created_by = (select auth.uid())
    and not (select private.is_device_request())
  );

create policy "Developers can edit workflows" on ops.workflows
  for update to authenticated
  using (
    project_id in (select private.my_project_ids('developer'))
    and not (select private.is_device_request())
  )
  with check (project_id in (select private.my_project_ids('developer')));

-- A workflow with runs cannot be deleted (its history stays); archive it instead.
create policy "Admins can delete workflows" on ops.workflows
  for delete to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );

create table ops.runs (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  workflow_id uuid not null,
  status text not null default 'queued'
    check (status in ('queued', 'claimed', 'running', 'succeeded', 'failed', 'canceled')),
  params jsonb not null default '{}'::jsonb check (pg_catalog.jsonb_typeof(params) = 'object'),
  priority integer not null default 0 check (priority between -100 and 100),
  requested_by uuid references auth.users (id) on delete set null,
  rerun_of uuid references ops.runs (id) on delete set null,
  claimed_by uuid references public.devices (id) on delete set null,
  claimed_at timestamptz,
  lease_expires_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 3 check (max_attempts between 1 and 20),
  queued_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  exit_code integer,
  error text check (char_length(error) <= 4000),
  result jsonb,
  canceled_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, project_id),
  foreign key (workflow_id, project_id) references ops.workflows (id, project_id),
  check (attempts <= max_attempts),
  check ((status in ('claimed', 'running')) = (lease_expires_at is not null)),
  check (status not in ('claimed', 'running') or claimed_at is not null),
  check (status <> 'running' or started_at is not null),
  check ((status in ('succeeded', 'failed', 'canceled')) = (finished_at is not null)),
  check (finished_at is null or finished_at >= queued_at)
);

-- The queue, in claim order; only queued rows are in it.
create index runs_queue_idx on ops.runs (priority desc, queued_at, id) where status = 'queued';
-- Leases the reaper looks at.
create index runs_lease_idx on ops.runs (lease_expires_at) where status in ('claimed', 'running');
create index runs_project_id_queued_at_idx on ops.runs (project_id, queued_at desc, id desc);
create index runs_workflow_id_idx on ops.runs (workflow_id, project_id, queued_at desc);
-- Every claim rewrites its run's index entries (measured with 8 workers on Postgres), so runs
-- keep only the indexes a page or the queue reads, and those on nullable foreign keys are partial.
create index runs_claimed_by_idx on ops.runs (claimed_by) where claimed_by is not null;
create index runs_requested_by_idx on ops.runs (requested_by) where requested_by is not null;
create index runs_rerun_of_idx on ops.runs (rerun_of) where rerun_of is not null;
create index runs_canceled_by_idx on ops.runs (canceled_by) where canceled_by is not null;

alter table ops.runs enable row level security;

-- One before-update trigger for the column guard and updated_at, without the jsonb
-- conversions of private.protect_columns: runs are updated on every claim, start, heartbeat
-- and completion. (The state machine is a trigger of its own, on updates that set status.)
create or replace function private.runs_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.project_id is distinct from old.project_id
    or new.workflow_id is distinct from old.workflow_id
    or new.requested_by is distinct from old.requested_by
    or new.rerun_of is distinct from old.rerun_of
    or new.queued_at is distinct from old.queued_at then
    raise exception 'runs: project_id, workflow_id, requested_by, rerun_of and queued_at cannot be changed'
      using errcode = '42501';
  end if;
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

revoke execute on function private.runs_before_update() from public, anon, authenticated;

create trigger runs_before_update
  before update on ops.runs
  for each row execute function private.runs_before_update();

-- The run state machine: queued → claimed → running → succeeded | failed | canceled, plus
-- the lease's way back (claimed or running → queued when a worker vanished). Anything else
-- is refused naming both states, and so is a finished run set to a final state again
-- (cancelling a cancelled run is an error, not an audited no-op). It also keeps the
-- bookkeeping columns in step.
create or replace function private.enforce_run_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status and old.status not in ('succeeded', 'failed', 'canceled') then
    return new;
  end if;
  if not (
    (old.status = 'queued' and new.status in ('claimed', 'canceled'))
    or (old.status = 'claimed' and new.status in ('running', 'queued', 'failed', 'canceled'))
    or (old.status = 'running' and new.status in ('succeeded', 'failed', 'canceled', 'queued'))
  ) then
    raise exception 'A run cannot go from % to %', old.status, new.status
      using errcode = '23514',
        hint = 'Allowed: queued → claimed | canceled; claimed → running | failed | canceled | queued; running → succeeded | failed | canceled | queued.';
  end if;
  case new.status
    when 'claimed' then
      new.claimed_at := coalesce(new.claimed_at, pg_catalog.now());
    when 'running' then
      new.started_at := coalesce(new.started_at, pg_catalog.now());
    when 'queued' then
      new.claimed_by := null;
      new.claimed_at := null;
      new.lease_expires_at := null;
      new.started_at := null;
    else
      new.finished_at := coalesce(new.finished_at, pg_catalog.now());
      new.lease_expires_at := null;
  end case;
  return new;
end;
$$;

create trigger runs_enforce_transition
  before update of status on ops.runs
  for each row execute function private.enforce_run_transition();

create policy "Members can view their project's runs" on ops.runs
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));
-- No insert, update or delete policy: runs are queued, claimed, cancelled and re-run only
-- through the functions in the next migration, which check roles, fence workers and audit.

create table ops.run_events (
  id bigint generated always as identity primary key,
  run_id uuid not null,
  project_id uuid not null,
  kind text not null check (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  message text not null default '' check (char_length(message) <= 4000),
  data jsonb not null default '{}'::jsonb,
  device_id uuid references public.devices (id) on delete set null,
  actor_user_id uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade
);

create index run_events_run_id_idx on ops.run_events (run_id, id);
-- The run children's foreign keys list project_id first, so the (project_id, run_id) index
-- the policies use also covers them.
create index run_events_project_id_idx on ops.run_events (project_id, run_id);
create index run_events_device_id_idx on ops.run_events (device_id);
create index run_events_actor_user_id_idx on ops.run_events (actor_user_id);

alter table ops.run_events enable row level security;

create trigger run_events_append_only
  before update or delete on ops.run_events
  for each row execute function private.refuse_changes();

create policy "Members can view their project's run events" on ops.run_events
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

create table ops.run_logs (
  id bigint generated always as identity primary key,
  run_id uuid not null,
  project_id uuid not null,
  line_no integer not null check (line_no >= 1),
  stream text not null default 'stdout' check (stream in ('stdout', 'stderr', 'system')),
  line text not null check (char_length(line) <= 16384),
  logged_at timestamptz not null default now(),
  -- Searched without the ANSI colour codes the console renders.
  search tsvector generated always as (
    pg_catalog.to_tsvector('simple'::regconfig,
      pg_catalog.regexp_replace(line, E'\\x1b\\[[0-9;]*[A-Za-z]', '', 'g'))
  ) stored,
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade,
  unique (run_id, line_no)
);

create index run_logs_project_id_idx on ops.run_logs (project_id, run_id);
create index run_logs_search_idx on ops.run_logs using gin (search);

alter table ops.run_logs enable row level security;

create trigger run_logs_append_only
  before update or delete on ops.run_logs
  for each row execute function private.refuse_changes();

create policy "Members can view their project's run logs" on ops.run_logs
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

create table ops.run_artifacts (
  id uuid primary key default gen_random_uuid(),
  run_id uuid not null,
  project_id uuid not null,
  key text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,255}$'),
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text not null default 'application/octet-stream' check (char_length(content_type) <= 255),
  storage_path text check (char_length(storage_path) <= 1024),
  expires_at timestamptz,
  device_id uuid references public.devices (id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (project_id, run_id) references ops.runs (project_id, id) on delete cascade,
  unique (run_id, key)
);

create index run_artifacts_project_id_idx on ops.run_artifacts (project_id, run_id);
create index run_artifacts_expires_at_idx on ops.run_artifacts (expires_at) where expires_at is not null;
create index run_artifacts_device_id_idx on ops.run_artifacts (device_id);

alter table ops.run_artifacts enable row level security;

create policy "Members can view their project's run artifacts" on ops.run_artifacts
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

-- Expired artifacts are cleaned up by admins (or by a job as service_role); nobody edits one.
create policy "Admins can delete their project's run artifacts" on ops.run_artifacts
  for delete to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );

revoke insert, update, truncate on ops.runs, ops.run_events, ops.run_logs, ops.run_artifacts
  from anon, authenticated;
revoke delete on ops.runs, ops.run_events, ops.run_logs from anon, authenticated;
revoke execute on function private.enforce_run_transition() from public, anon, authenticated;
