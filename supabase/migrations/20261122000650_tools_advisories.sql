-- The tools a project's workflows rely on (CLIs, services, models, with the versions in use)
-- and upgrade advisories about them, which members act on or dismiss.
create table ops.tools (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  name text not null check (char_length(pg_catalog.btrim(name)) between 1 and 100),
  kind text not null default 'cli' check (kind in ('cli', 'service', 'runtime', 'model', 'database', 'other')),
  version text not null default '' check (char_length(version) <= 100),
  description text not null default '' check (char_length(description) <= 2000),
  config jsonb not null default '{}'::jsonb check (pg_catalog.jsonb_typeof(config) = 'object'),
  enabled boolean not null default true,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name)
);

create index tools_project_id_updated_at_idx on ops.tools (project_id, updated_at desc, id desc);
create index tools_created_by_idx on ops.tools (created_by);

alter table ops.tools enable row level security;

create trigger tools_set_updated_at
  before update on ops.tools
  for each row execute function private.set_updated_at();
create trigger tools_protect_columns
  before update on ops.tools
  for each row execute function private.protect_columns('project_id', 'created_by');

create policy "Members can view their project's tools" on ops.tools
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

create policy "Developers can add tools" on ops.tools
  for insert to authenticated
  with check (
    project_id in (select private.my_project_ids('developer'))
    and created_by = (select auth.uid())
    and not (select private.is_device_request())
  );

create policy "Developers can edit tools" on ops.tools
  for update to authenticated
  using (
    project_id in (select private.my_project_ids('developer'))
    and not (select private.is_device_request())
  )
  with check (project_id in (select private.my_project_ids('developer')));

create policy "Admins can remove tools" on ops.tools
  for delete to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );

create table ops.upgrade_advisories (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  tool_id uuid references ops.tools (id) on delete cascade,
  component text not null check (char_length(pg_catalog.btrim(component)) between 1 and 100),
  current_version text not null default '' check (char_length(current_version) <= 100),
  recommended_version text not null check (char_length(pg_catalog.btrim(recommended_version)) between 1 and 100),
  severity text not null check (severity in ('info', 'low', 'medium', 'high', 'critical')),
  title text not null check (char_length(pg_catalog.btrim(title)) between 1 and 200),
  body text not null default '' check (char_length(body) <= 20000),
  url text check (url is null or url ~ '^https?://'),
  published_at timestamptz not null default now(),
  dismissed_at timestamptz,
  dismissed_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((dismissed_at is null) = (dismissed_by is null))
);

create index upgrade_advisories_project_id_idx on ops.upgrade_advisories (project_id, published_at desc, id desc);
create index upgrade_advisories_open_idx on ops.upgrade_advisories (project_id, severity) where dismissed_at is null;
create index upgrade_advisories_tool_id_idx on ops.upgrade_advisories (tool_id);
create index upgrade_advisories_dismissed_by_idx on ops.upgrade_advisories (dismissed_by);

alter table ops.upgrade_advisories enable row level security;

create trigger upgrade_advisories_set_updated_at
  before update on ops.upgrade_advisories
  for each row execute function private.set_updated_at();
create trigger upgrade_advisories_protect_columns
  before update on ops.upgrade_advisories
  for each row execute function private.protect_columns('project_id');

create policy "Members can view their project's advisories" on ops.upgrade_advisories
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

create policy "Admins can publish advisories" on ops.upgrade_advisories
  for insert to authenticated
  with check (
    project_id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );

-- Developers triage advisories (dismiss, annotate); the project stays fixed by trigger.
create policy "Developers can update advisories" on ops.upgrade_advisories
  for update to authenticated
  using (
    project_id in (select private.my_project_ids('developer'))
    and not (select private.is_device_request())
  )
  with check (project_id in (select private.my_project_ids('developer')));

create policy "Admins can delete advisories" on ops.upgrade_advisories
  for delete to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  );
