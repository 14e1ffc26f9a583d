-- current_profile (what every console page reads, lib/auth/current-user.ts) also says whether
-- the caller has any budget, their own or one of a project they may view (the same rows
-- budget_banner goes through), so the console's budget banner calls budget_banner only then:
-- every page paid that second round trip for a banner most accounts never show. Security
-- invoker as before: the budgets are read under their select policy. The answer's shape
-- changes, so the function is dropped and made again with its grants.
drop function public.current_profile();

create function public.current_profile()
returns table (profile_found boolean, display_name text, step_up_required boolean,
               has_budgets boolean)
language sql
stable
security invoker
set search_path = ''
as $$
  select p.id is not null, p.display_name, private.second_factor_owed(),
         exists (select 1 from public.usage_budgets u)
    from (select 1) as one
    left join public.profiles p on p.id = (select auth.uid())
$$;

revoke execute on function public.current_profile() from public, anon;
grant execute on function public.current_profile() to authenticated, service_role;
