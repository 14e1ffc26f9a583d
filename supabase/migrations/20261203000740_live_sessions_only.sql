-- Security hardening (docs/security.md, "Signing out everywhere takes effect at once"): an
-- access token lives for up to an hour after its session ends (sign out everywhere, a password
-- change, a ban). RLS is the authorization layer, so it checks the session itself: a token that
-- names a session (every token Supabase Auth issues carries session_id) counts only while that
-- session is still in auth.sessions and not past its not_after. Tokens without a session_id are
-- minted by the server with the JWT secret (the device API's device and pairing JWTs) and are
-- judged by their own claims, as before.
create or replace function private.session_is_gone()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when (auth.jwt() ->> 'session_id') is null then false
    when (auth.jwt() ->> 'session_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then true
    else not exists (
      select 1 from auth.sessions s
       where s.id = (auth.jwt() ->> 'session_id')::uuid
         and s.user_id = auth.uid()
         and (s.not_after is null or s.not_after > pg_catalog.now())
    )
  end
$$;

-- Every policy and function that must not act with a user's own rights already asks
-- is_device_request() ("not a plain user session") or requester_is_active(): user-only writes
-- ask "not is_device_request()", device-aware rules fall back to the device's own checks, and
-- functions such as sync_push, create_project and the pairing lookups refuse it. So a signed-out
-- session joins here, and every one of those refuses it in the same statement. Policies call
-- both through (select ...), which Postgres evaluates once per statement.
-- Redefines private.is_device_request (20261122000100_private_helpers.sql).
create or replace function private.is_device_request()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((auth.jwt() ->> 'device_id') is not null, false)
    or private.session_is_gone()
$$;

revoke execute on function private.session_is_gone() from public, anon;
grant execute on function private.session_is_gone() to authenticated, service_role;
