-- Whether the caller must still pass their second factor: they have a verified MFA factor
-- and their token is not aal2. The console asks it on every page (lib/auth/current-user.ts)
-- and sends such a session to /sign-in/verify. Auth's factors are not readable by the API
-- roles, so this reads them as the definer, for the caller alone.
create or replace function public.mfa_step_up_required()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
           select 1 from auth.mfa_factors f
            where f.user_id = (select auth.uid()) and f.status = 'verified'
         )
     and coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2'
$$;

revoke execute on function public.mfa_step_up_required() from public, anon;
grant execute on function public.mfa_step_up_required() to authenticated, service_role;
