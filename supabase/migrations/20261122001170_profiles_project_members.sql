-- Project pages show who the members are: a user may also read the profiles of the people
-- they share a project with (display name and avatar, nothing else is in a profile).
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

drop policy "Users can view their own profile" on public.profiles;

create policy "Users can view their own profile and their project co-members'" on public.profiles
  for select to authenticated
  using (
    (id = (select auth.uid()) and (select private.requester_is_active()))
    or id in (select private.project_co_member_ids())
  );
