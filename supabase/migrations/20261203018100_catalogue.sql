-- The catalogue (/catalogue): tools and upgrade advisories that LMX Console publishes for
-- everyone — the inference servers, runtimes and databases people run their models with — next
-- to the ones a project records for itself. A row without a project is a catalogue entry:
-- every signed-in person may read it, nobody but the service role writes it (no write policy
-- admits a null project, and protect_columns keeps project_id fixed), and a project's
-- overview highlights the catalogue advisories that concern the versions it records
-- (ops.project_catalogue_advisories). Project rows keep their members-only policies: their
-- config and notes are the project's business.
alter table ops.tools alter column project_id drop not null;
alter table ops.upgrade_advisories alter column project_id drop not null;

-- unique (project_id, name) treats nulls as distinct; the catalogue names each tool once.
create unique index tools_catalogue_name_key on ops.tools (pg_catalog.lower(name)) where project_id is null;
create index upgrade_advisories_catalogue_idx on ops.upgrade_advisories (pg_catalog.lower(component), published_at desc)
  where project_id is null;

-- Dismissing is a project's triage of its own advisories; a catalogue advisory is dismissed by
-- nobody (a project that does not care simply stops recording the version).
alter table ops.upgrade_advisories
  add constraint upgrade_advisories_catalogue_not_dismissed
  check (project_id is not null or dismissed_at is null);

create policy "Signed-in people read the tool catalogue" on ops.tools
  for select to authenticated
  using (project_id is null and not (select private.is_device_request()));

create policy "Signed-in people read the catalogue's advisories" on ops.upgrade_advisories
  for select to authenticated
  using (project_id is null and not (select private.is_device_request()));

-- The catalogue advisories that concern a project: one names a component the project records
-- as a tool (names compared case-insensitively) at the version the advisory is about (its
-- current_version; an advisory naming no version concerns every version but the one it
-- recommends). Runs as the caller, so RLS decides which projects' tools count.
create or replace function ops.project_catalogue_advisories(p_project_id uuid)
returns table (
  advisory_id uuid,
  tool_id uuid,
  tool_name text,
  recorded_version text,
  component text,
  current_version text,
  recommended_version text,
  severity text,
  title text,
  url text,
  published_at timestamptz
)
language sql
stable
security invoker
set search_path = ''
as $$
  select a.id, t.id, t.name, t.version, a.component, a.current_version, a.recommended_version,
         a.severity, a.title, a.url, a.published_at
    from ops.tools t
    join ops.upgrade_advisories a
      on a.project_id is null
     and pg_catalog.lower(a.component) = pg_catalog.lower(t.name)
     and (case when a.current_version = '' then t.version <> a.recommended_version
               else t.version = a.current_version end)
   where t.project_id = p_project_id
   order by case a.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2
                            when 'low' then 3 else 4 end,
            a.published_at desc, a.id
$$;

revoke execute on function ops.project_catalogue_advisories(uuid) from public, anon;
grant execute on function ops.project_catalogue_advisories(uuid) to authenticated, service_role;
