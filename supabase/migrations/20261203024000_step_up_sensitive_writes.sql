-- Step-up enforced by the database (issue #16, "MFA in the console"; docs/security.md): for an
-- account with a verified second factor, the sensitive writes need an aal2 token. Approving a
-- pairing, revoking or deleting a device, changing a member's role or removing another
-- member, editing workflows and deleting chat sessions are refused for aal1 with 42501 and
-- detail 'insufficient_aal' (Supabase Auth's own error code for "this needs a higher
-- assurance level"), which the console answers by asking for a code and retrying. Accounts
-- without a verified factor, device tokens (which carry no aal) and the platform roles are
-- unaffected. Triggers rather than restrictive policies, so a refusal is an error the caller
-- can tell apart from "not yours" (a restrictive USING would silently touch nothing).

-- Whether the caller's token owes a second factor: a signed-in user (not a device) with a
-- verified factor whose token is not aal2. Auth's factors are not readable by the API roles.
create or replace function private.second_factor_owed()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (auth.jwt() ->> 'device_id') is null
     and coalesce(auth.jwt() ->> 'aal', 'aal1') <> 'aal2'
     and exists (
           select 1 from auth.mfa_factors f
            where f.user_id = (select auth.uid()) and f.status = 'verified'
         )
$$;

revoke execute on function private.second_factor_owed() from public, anon;
grant execute on function private.second_factor_owed() to authenticated, service_role;

create or replace function private.require_second_factor()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.second_factor_owed() then
    raise exception 'this action needs your second factor: verify a code and retry'
      using errcode = '42501',
            detail = 'insufficient_aal',
            hint = 'Sign in with your authenticator app (aal2) to ' || tg_argv[0] || '.';
  end if;

  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

revoke execute on function private.require_second_factor() from public, anon;

-- Pairing: pairing_approve marks the request approved in the same transaction as it creates
-- the device, so refusing here undoes both.
create trigger pairing_requests_require_second_factor
  before update of status on private.pairing_requests
  for each row
  when (new.status = 'approved' and old.status is distinct from 'approved')
  execute function private.require_second_factor('approve a pairing');

create trigger devices_revoke_require_second_factor
  before update of revoked_at on public.devices
  for each row
  when (old.revoked_at is null and new.revoked_at is not null)
  execute function private.require_second_factor('revoke a device');

create trigger devices_delete_require_second_factor
  before delete on public.devices
  for each row
  execute function private.require_second_factor('delete a device');

create trigger project_memberships_role_require_second_factor
  before update of role on ops.project_memberships
  for each row
  when (old.role is distinct from new.role)
  execute function private.require_second_factor('change a member''s role');

-- Leaving a project yourself is not removing a member; the trigger's condition cannot call
-- auth functions through a subquery, so the function below tells the two apart.
create or replace function private.require_second_factor_to_remove_member()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.user_id is distinct from auth.uid() and private.second_factor_owed() then
    raise exception 'this action needs your second factor: verify a code and retry'
      using errcode = '42501',
            detail = 'insufficient_aal',
            hint = 'Sign in with your authenticator app (aal2) to remove a member.';
  end if;

  return old;
end;
$$;

revoke execute on function private.require_second_factor_to_remove_member() from public, anon;

create trigger project_memberships_delete_require_second_factor
  before delete on ops.project_memberships
  for each row
  execute function private.require_second_factor_to_remove_member();

create trigger workflows_require_second_factor
  before insert or update or delete on ops.workflows
  for each row
  execute function private.require_second_factor('edit workflows');

-- Deleting is the tombstone (lib/sessions/mutations.ts); devices syncing a deletion carry
-- device_id and are not asked. Restoring from "Recently deleted" is not sensitive.
create trigger cloud_sessions_delete_require_second_factor
  before update of deleted_at on public.cloud_sessions
  for each row
  when (old.deleted_at is null and new.deleted_at is not null)
  execute function private.require_second_factor('delete sessions');
