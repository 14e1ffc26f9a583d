-- One round trip for what every console page asks (lib/auth/current-user.ts): the caller's
-- profile, read under its RLS policy (hidden once the token's session has ended), and whether
-- the session still owes its second factor (for a signed-in person, the same answer as
-- public.mfa_step_up_required()).
-- Always one row: profile_found says whether RLS let the profile through.
create or replace function public.current_profile()
returns table (profile_found boolean, display_name text, step_up_required boolean)
language sql
stable
security invoker
set search_path = ''
as $$
  select p.id is not null, p.display_name, private.second_factor_owed()
    from (select 1) as one
    left join public.profiles p on p.id = (select auth.uid())
$$;

revoke execute on function public.current_profile() from public, anon;
grant execute on function public.current_profile() to authenticated, service_role;
