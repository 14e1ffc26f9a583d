-- What the projects pages need from ops beyond the foundation: a URL slug per project, a
-- summary view for the project list, members with their email for co-members, ownership
-- transfer, and the cancelling of a removed member's queued runs.

-- Slugs: lower-case words joined by hyphens, unique across the console (they name the project
-- in URLs, like an organisation's handle). A project inserted without one gets one from its
-- name, so the foundation's create_project and every existing insert keep working.
create or replace function private.slugify(p_text text)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    nullif(
      pg_catalog.left(
        pg_catalog.btrim(
          pg_catalog.regexp_replace(pg_catalog.lower(coalesce(p_text, '')), '[^a-z0-9]+', '-', 'g'),
          '-'),
        40),
      ''),
    'project')
$$;

-- The first free slug from the base: base, base-2, base-3… Security definer because a caller
-- sees only their own projects but the slug must be unique among all of them.
create or replace function private.free_project_slug(p_base text, p_project_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  base text := pg_catalog.rtrim(private.slugify(p_base), '-');
  candidate text := base;
  n integer := 1;
begin
  while exists (
    select 1 from ops.projects p where p.slug = candidate and p.id is distinct from p_project_id
  ) loop
    n := n + 1;
    candidate := base || '-' || n;
  end loop;
  return candidate;
end;
$$;

alter table ops.projects add column slug text;

alter table ops.projects disable trigger projects_set_updated_at;
update ops.projects p
   set slug = private.free_project_slug(p.name, p.id)
  from (select id from ops.projects order by created_at, id) ordered
 where p.id = ordered.id;
alter table ops.projects enable trigger projects_set_updated_at;

alter table ops.projects
  alter column slug set not null,
  add constraint projects_slug_format
    check (slug ~ '^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$'),
  add constraint projects_slug_key unique (slug);

create or replace function private.projects_fill_slug()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.slug is null then
    new.slug := private.free_project_slug(new.name, new.id);
  end if;
  return new;
end;
$$;

create trigger projects_fill_slug
  before insert on ops.projects
  for each row execute function private.projects_fill_slug();

-- Renames and slug changes are audited with the project's other history.
create or replace function private.audit_project_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.name is distinct from old.name
    or new.slug is distinct from old.slug
    or new.description is distinct from old.description then
    perform private.write_audit('project.updated', 'project', new.id, new.id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'name', case when new.name is distinct from old.name then new.name end,
        'slug', case when new.slug is distinct from old.slug then new.slug end,
        'description', case when new.description is distinct from old.description then true end)));
  end if;
  return null;
end;
$$;

create trigger projects_audit_update
  after update on ops.projects
  for each row execute function private.audit_project_update();

revoke execute on function
  private.slugify(text),
  private.free_project_slug(text, uuid),
  private.projects_fill_slug(),
  private.audit_project_update()
  from public, anon, authenticated;

-- create_project with a chosen slug (the two-argument form picks one from the name). A new
-- overload, not a replacement: the foundation's function is unchanged.
create or replace function ops.create_project(p_name text, p_description text, p_slug text)
returns ops.projects
language plpgsql
security definer
set search_path = ''
as $$
declare
  created ops.projects;
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Only a signed-in user can create a project' using errcode = '42501';
  end if;
  insert into ops.projects (name, description, slug, created_by)
  values (p_name, coalesce(p_description, ''), nullif(pg_catalog.btrim(p_slug), ''), auth.uid())
  returning * into created;
  perform private.write_audit('project.created', 'project', created.id, created.id,
    pg_catalog.jsonb_build_object('name', created.name, 'slug', created.slug));
  return created;
end;
$$;

revoke execute on function ops.create_project(text, text, text) from public, anon;
grant execute on function ops.create_project(text, text, text) to authenticated, service_role;

-- One row per project the caller can see, with what the project list shows. Invoker rights:
-- RLS on each table decides what is counted.
create view ops.project_summaries
with (security_invoker = true)
as
select
  p.id,
  p.slug,
  p.name,
  p.description,
  p.created_at,
  p.updated_at,
  private.project_role(p.id) as my_role,
  (select count(*) from ops.project_memberships m where m.project_id = p.id) as member_count,
  (select count(*) from ops.workflows w where w.project_id = p.id and w.archived_at is null)
    as workflow_count,
  (select count(*) from ops.runs r
    where r.project_id = p.id and r.queued_at > pg_catalog.now() - interval '7 days') as runs_last_7_days,
  greatest(
    p.updated_at,
    (select a.created_at from public.audit_log a
      where a.project_id = p.id order by a.created_at desc limit 1)
  ) as last_activity_at
from ops.projects p;

revoke all on ops.project_summaries from anon;
grant select on ops.project_summaries to authenticated, service_role;

-- Members with their email: co-members may see each other's address (an invitation names it
-- anyway), which profiles cannot give since emails live in auth.users. Nobody else gets a row.
create or replace function ops.list_project_members(p_project_id uuid)
returns table (
  membership_id uuid,
  user_id uuid,
  role text,
  display_name text,
  avatar_url text,
  email text,
  joined_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select m.id, m.user_id, m.role, coalesce(pr.display_name, ''), pr.avatar_url,
         coalesce(u.email, ''), m.created_at
    from ops.project_memberships m
    join auth.users u on u.id = m.user_id
    left join public.profiles pr on pr.id = m.user_id
   where m.project_id = p_project_id
     -- Subselects, so the checks run once per call rather than once per member.
     and (select private.has_project_role(p_project_id, 'viewer'))
     and not (select private.is_device_request())
   order by private.role_rank(m.role) desc, m.created_at, m.id
$$;

revoke execute on function ops.list_project_members(uuid) from public, anon;
grant execute on function ops.list_project_members(uuid) to authenticated, service_role;

-- Hands the project to another member in one transaction: they become an owner, the caller
-- an admin. Only an owner may, and only to a current member.
create or replace function ops.transfer_ownership(p_project_id uuid, p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Only a signed-in user can transfer ownership' using errcode = '42501';
  end if;
  if not private.has_project_role(p_project_id, 'viewer') then
    raise exception 'No such project' using errcode = 'PT404';
  end if;
  if not private.has_project_role(p_project_id, 'owner') then
    raise exception 'Only an owner can transfer ownership' using errcode = '42501';
  end if;
  if p_user_id = auth.uid() then
    raise exception 'You already own this project: choose another member' using errcode = '22023';
  end if;
  update ops.project_memberships m set role = 'owner'
   where m.project_id = p_project_id and m.user_id = p_user_id;
  if not found then
    raise exception 'Only a member of the project can become its owner' using errcode = '22023';
  end if;
  update ops.project_memberships m set role = 'admin'
   where m.project_id = p_project_id and m.user_id = auth.uid();
  perform private.write_audit('project.ownership_transferred', 'project', p_project_id,
    p_project_id, pg_catalog.jsonb_build_object('to_user_id', p_user_id));
end;
$$;

revoke execute on function ops.transfer_ownership(uuid, uuid) from public, anon;
grant execute on function ops.transfer_ownership(uuid, uuid) to authenticated, service_role;

-- A member who leaves or is removed takes their queued runs in that project with them; runs
-- already claimed finish (their worker holds a lease), and the member's devices stop claiming
-- new ones because claim_next_run checks membership at claim time.
create or replace function private.cancel_departed_member_runs()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  canceled record;
begin
  if not exists (select 1 from ops.projects p where p.id = old.project_id) then
    return null;
  end if;
  for canceled in
    update ops.runs r
       set status = 'canceled',
           canceled_by = auth.uid(),
           error = 'Canceled: the member who queued it left the project'
     where r.project_id = old.project_id
       and r.requested_by = old.user_id
       and r.status = 'queued'
    returning r.id, r.project_id
  loop
    insert into ops.run_events (run_id, project_id, kind, message, actor_user_id)
    values (canceled.id, canceled.project_id, 'canceled',
      'Canceled: the member who queued it left the project', auth.uid());
    perform private.write_audit('run.canceled', 'run', canceled.id, canceled.project_id,
      pg_catalog.jsonb_build_object('reason', 'member_removed', 'user_id', old.user_id));
  end loop;
  return null;
end;
$$;

revoke execute on function private.cancel_departed_member_runs() from public, anon, authenticated;

create trigger project_memberships_cancel_runs
  after delete on ops.project_memberships
  for each row execute function private.cancel_departed_member_runs();
