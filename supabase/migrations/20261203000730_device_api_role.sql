-- Security hardening (docs/security.md, "Only the device API pairs and authenticates
-- devices"): the device-side pairing and authentication functions were granted to anon, so
-- anyone with the public anon key could start pairings over REST with no address (no limit) or
-- a made-up one (shown on the approval page). They now belong to a role of their own, which
-- only the device API's route handlers act as: they mint a JWT of a few minutes for it with
-- the project's JWT secret, as they mint device JWTs, and PostgREST switches to it because it
-- is granted to authenticator, like anon and authenticated. The address those handlers pass is
-- the one they saw (app/api/device/v1/_lib/client-ip.ts), not a caller's claim.
--
-- Roles are cluster-wide on Postgres, so the role is created only when missing (several
-- databases may share one server and migrate at the same moment).
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'lmx_device_api') then
    begin
      create role lmx_device_api nologin noinherit;
    exception when duplicate_object or unique_violation then
      null; -- another database on this server created it first
    end;
  end if;
  begin
    grant lmx_device_api to authenticator;
  exception when others then
    -- Granted already by a concurrent migration of another database on this server.
    if not pg_catalog.pg_has_role('authenticator', 'lmx_device_api', 'member') then
      raise;
    end if;
  end;
end
$$;

-- A short budget, as anon has: these functions are single-row lookups.
alter role lmx_device_api set statement_timeout = '3s';

grant usage on schema public to lmx_device_api;

revoke execute on function
  public.pairing_start(text, text, text, text, public.device_role, inet),
  public.pairing_poll(text),
  public.pairing_exchange(text),
  public.device_authenticate(text),
  public.device_identify(text)
  from public, anon, authenticated;
grant execute on function
  public.pairing_start(text, text, text, text, public.device_role, inet),
  public.pairing_poll(text),
  public.pairing_exchange(text),
  public.device_authenticate(text),
  public.device_identify(text)
  to lmx_device_api, service_role;
