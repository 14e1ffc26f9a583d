-- Helpers that policies and triggers call, in a schema the API does not expose. Device JWTs
-- carry a device_id claim; these helpers decide whether that device still counts, so a
-- revoked device loses access on its very next request.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

-- Keeps updated_at honest whatever the client sends.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

-- True when the request carries a device_id claim at all, valid or not: such a request must
-- never fall back to the owner's own rights.
create or replace function private.is_device_request()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((auth.jwt() ->> 'device_id') is not null, false)
$$;

-- The requesting device, only if it exists, belongs to the JWT's user and is not revoked.
-- plpgsql so the body may name public.devices before that migration runs; security definer
-- so the lookup does not recurse through the devices policies.
create or replace function private.current_device_id()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  claim text := auth.jwt() ->> 'device_id';
  found uuid;
begin
  if claim is null
    or claim !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  select d.id into found
    from public.devices d
   where d.id = claim::uuid
     and d.user_id = auth.uid()
     and d.revoked_at is null;
  return found;
end;
$$;

-- What every "my rows" policy adds to user_id = auth.uid(): a plain user session, or a
-- device request from a live device of that user. A revoked or foreign device gets nothing.
create or replace function private.requester_is_active()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select not private.is_device_request() or private.current_device_id() is not null
$$;

revoke execute on function
  private.set_updated_at(),
  private.is_device_request(),
  private.current_device_id(),
  private.requester_is_active()
  from public, anon;
grant execute on function
  private.is_device_request(),
  private.current_device_id(),
  private.requester_is_active()
  to authenticated, service_role;
