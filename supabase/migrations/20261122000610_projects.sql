-- Projects and their members (owner > admin > developer > viewer), the helpers every ops
-- policy asks ("my role here", "at least this role here", "my projects") and last-owner
-- protection. Membership changes are audited by trigger so every path is covered.
create table ops.projects (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(pg_catalog.btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index projects_created_by_idx on ops.projects (created_by);
create index projects_updated_at_id_idx on ops.projects (updated_at desc, id desc);

create table ops.project_memberships (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'developer', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, user_id)
);

create index project_memberships_user_id_idx on ops.project_memberships (user_id, project_id, role);

alter table ops.projects enable row level security;
alter table ops.project_memberships enable row level security;

create trigger projects_set_updated_at
  before update on ops.projects
  for each row execute function private.set_updated_at();
create trigger projects_protect_columns
  before update on ops.projects
  for each row execute function private.protect_columns('created_by');
create trigger project_memberships_set_updated_at
  before update on ops.project_memberships
  for each row execute function private.set_updated_at();
create trigger project_memberships_protect_columns
  before update on ops.project_memberships
  for each row execute function private.protect_columns('project_id', 'user_id');

-- Helpers read memberships as their owner: policies on memberships call them, and an
-- invoker lookup would recurse through those very policies.
create or replace function private.project_role(p_project_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select m.role
    from ops.project_memberships m
   where m.project_id = p_project_id
     and m.user_id = (select private.acting_user_id())
$$;

create or replace function private.has_project_role(p_project_id uuid, p_min_role text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    private.role_rank(private.project_role(p_project_id)) >= private.role_rank(p_min_role),
    false
  )
$$;

create or replace function private.my_project_ids(p_min_role text default 'viewer')
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.project_id
    from ops.project_memberships m
   where m.user_id = (select private.acting_user_id())
     and private.role_rank(m.role) >= private.role_rank(p_min_role)
$$;

revoke execute on function
  private.project_role(uuid),
  private.has_project_role(uuid, text),
  private.my_project_ids(text)
  from public, anon;
grant execute on function
  private.project_role(uuid),
  private.has_project_role(uuid, text),
  private.my_project_ids(text)
  to authenticated, service_role;

create policy "Members can view their projects" on ops.projects
  for select to authenticated
  using (id in (select private.my_project_ids('viewer')));

-- Devices act as workers, never as project managers: every management write requires a
-- plain user session.
create policy "Users can create projects they own" on ops.projects
  for insert to authenticated
  with check (
    created_by = (select auth.uid())
    and not (select private.is_device_request())
  );

create policy "Admins can update their projects" on ops.projects
  for update to authenticated
  using (
    id in (select private.my_project_ids('admin'))
    and not (select private.is_device_request())
  )
  with check (id in (select private.my_project_ids('admin')));

create policy "Owners can delete their projects" on ops.projects
  for delete to authenticated
  using (
    id in (select private.my_project_ids('owner'))
    and not (select private.is_device_request())
  );

create policy "Members can view their project's members" on ops.project_memberships
  for select to authenticated
  using (project_id in (select private.my_project_ids('viewer')));

-- Admins add members up to their own rank; owners are added only by owners.
create policy "Admins can add members up to their own role" on ops.project_memberships
  for insert to authenticated
  with check (
    project_id in (select private.my_project_ids('admin'))
    and private.role_rank(role) <= private.role_rank(private.project_role(project_id))
    and not (select private.is_device_request())
  );

create policy "Admins can change roles up to their own" on ops.project_memberships
  for update to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    and private.role_rank(role) <= private.role_rank(private.project_role(project_id))
    and not (select private.is_device_request())
  )
  with check (
    private.role_rank(role) <= private.role_rank(private.project_role(project_id))
  );

create policy "Members can leave and admins can remove members up to their role" on ops.project_memberships
  for delete to authenticated
  using (
    not (select private.is_device_request())
    and (
      user_id = (select auth.uid())
      or (
        project_id in (select private.my_project_ids('admin'))
        and private.role_rank(role) <= private.role_rank(private.project_role(project_id))
      )
    )
  );

-- The creator becomes the first owner, in the same statement as the insert.
create or replace function private.add_project_creator()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.created_by is not null then
    insert into ops.project_memberships (project_id, user_id, role)
    values (new.id, new.created_by, 'owner');
  end if;
  return new;
end;
$$;

create trigger projects_add_creator
  after insert on ops.projects
  for each row execute function private.add_project_creator();

-- A project always keeps an owner. The project row is locked first so that two owners
-- demoting each other at the same moment cannot both pass the check. A project that is
-- being deleted takes its members with it.
create or replace function private.keep_last_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return coalesce(new, old);
  end if;
  perform 1 from ops.projects p where p.id = old.project_id for update;
  if not found then
    return coalesce(new, old);
  end if;
  if not exists (
    select 1 from ops.project_memberships m
     where m.project_id = old.project_id and m.role = 'owner' and m.id <> old.id
  ) then
    raise exception 'This is the project''s last owner: make another member an owner before this one %',
      case tg_op when 'DELETE' then 'leaves' else 'is demoted' end
      using errcode = '23514', hint = 'A project must always have at least one owner.';
  end if;
  return coalesce(new, old);
end;
$$;

create trigger project_memberships_keep_last_owner
  before update of role or delete on ops.project_memberships
  for each row execute function private.keep_last_owner();

-- Every membership change, whichever path made it, lands in the audit log in the same
-- transaction. Rows removed because their project is being deleted are not logged here.
create or replace function private.audit_membership()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  row_project uuid := coalesce(new.project_id, old.project_id);
begin
  if not exists (select 1 from ops.projects p where p.id = row_project) then
    return null;
  end if;
  if tg_op = 'INSERT' then
    perform private.write_audit('member.added', 'project_membership', new.id, new.project_id,
      pg_catalog.jsonb_build_object('user_id', new.user_id, 'role', new.role));
  elsif tg_op = 'UPDATE' then
    if new.role is distinct from old.role then
      perform private.write_audit('member.role_changed', 'project_membership', new.id,
        new.project_id, pg_catalog.jsonb_build_object('user_id', new.user_id,
          'from', old.role, 'to', new.role));
    end if;
  else
    perform private.write_audit('member.removed', 'project_membership', old.id, old.project_id,
      pg_catalog.jsonb_build_object('user_id', old.user_id, 'role', old.role));
  end if;
  return null;
end;
$$;

create trigger project_memberships_audit
  after insert or update or delete on ops.project_memberships
  for each row execute function private.audit_membership();

revoke execute on function
  private.add_project_creator(),
  private.keep_last_owner(),
  private.audit_membership()
  from public, anon, authenticated;

-- Creating a project through the API returns it; a plain insert cannot, since its row becomes
-- visible only once the creator's membership exists.
create or replace function ops.create_project(p_name text, p_description text default '')
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
  insert into ops.projects (name, description, created_by)
  values (p_name, coalesce(p_description, ''), auth.uid())
  returning * into created;
  perform private.write_audit('project.created', 'project', created.id, created.id,
    pg_catalog.jsonb_build_object('name', created.name));
  return created;
end;
$$;

revoke execute on function ops.create_project(text, text) from public, anon;
grant execute on function ops.create_project(text, text) to authenticated, service_role;

-- Project pages show who the members are: a user may read their own profile and those of the
-- people they share a project with (display name and avatar, nothing else is in a profile).
-- The profiles select policy lives here, not with the table, because it needs memberships.
create or replace function private.project_co_member_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct m.user_id
    from ops.project_memberships m
   where m.project_id in (select private.my_project_ids('viewer'))
$$;

revoke execute on function private.project_co_member_ids() from public, anon;
grant execute on function private.project_co_member_ids() to authenticated, service_role;

create policy "Users can view their own profile and their project co-members'" on public.profiles
  for select to authenticated
  using (
    (id = (select auth.uid()) and (select private.requester_is_active()))
    or id in (select private.project_co_member_ids())
  );
