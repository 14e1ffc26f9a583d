-- The machines a user has paired: LLM hosts and workstations. Rows are created only by the
-- pairing functions; the owner renames and revokes; a device touches only its heartbeat
-- fields. Online (a heartbeat at most 90 s old) is decided in lib/devices/online.ts alone.
create type public.device_role as enum ('llm_host', 'workstation');

create table public.devices (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  role public.device_role not null default 'workstation',
  helper_enabled boolean not null default false,
  helper_config jsonb not null default '{}'::jsonb check (jsonb_typeof(helper_config) = 'object'),
  hostname text check (char_length(hostname) <= 255),
  platform text check (char_length(platform) <= 100),
  app_version text check (char_length(app_version) <= 50),
  lan_ip inet,
  lan_port integer not null default 1234 check (lan_port between 1 and 65535),
  tunnel_url text check (tunnel_url ~ '^https?://' and char_length(tunnel_url) <= 2048),
  capabilities jsonb not null default '{}'::jsonb check (jsonb_typeof(capabilities) = 'object'),
  last_seen_at timestamptz,
  paired_at timestamptz not null default now(),
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (revoked_at is null or revoked_at >= paired_at)
);

-- Covers the user_id foreign key, every policy, and the keyset-paginated device list.
create index devices_user_id_updated_at_idx on public.devices (user_id, updated_at desc, id desc);

alter table public.devices enable row level security;

revoke all on public.devices from anon;
revoke insert, truncate, references, trigger on public.devices from authenticated;

create policy "Users and their live devices can view the user's devices" on public.devices
  for select to authenticated
  using (user_id = (select auth.uid()) and (select private.requester_is_active()));

-- The owner edits any of their devices from the console; a device request may update only
-- its own row (and the devices_guard_update trigger limits it to the heartbeat fields).
create policy "Owners update their devices and devices update their own row" on public.devices
  for update to authenticated
  using (
    user_id = (select auth.uid())
    and (
      not (select private.is_device_request())
      or id = (select private.current_device_id())
    )
  )
  with check (user_id = (select auth.uid()));

create policy "Owners can delete their devices from the console" on public.devices
  for delete to authenticated
  using (user_id = (select auth.uid()) and not (select private.is_device_request()));

create trigger devices_set_updated_at
  before update on public.devices
  for each row execute function private.set_updated_at();

-- Column rules for API callers: which fields an owner and a device may change, and that a
-- revocation is final. Platform roles (service_role, migrations, seeds) are not limited.
create or replace function private.devices_guard_update()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  allowed text[];
  changed text[];
begin
  if current_user not in ('authenticated', 'anon') then
    return new;
  end if;

  if private.is_device_request() then
    allowed := array['last_seen_at', 'hostname', 'platform', 'app_version', 'lan_ip',
                     'lan_port', 'tunnel_url', 'capabilities', 'updated_at'];
    -- The clock that decides "online" is the server's, never the device's.
    if new.last_seen_at is distinct from old.last_seen_at then
      new.last_seen_at := pg_catalog.now();
    end if;
  else
    allowed := array['name', 'role', 'helper_enabled', 'helper_config', 'lan_port',
                     'tunnel_url', 'revoked_at', 'updated_at'];
    if old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
      raise exception 'a revoked device stays revoked; pair it again instead'
        using errcode = 'check_violation';
    end if;
  end if;

  select pg_catalog.array_agg(n.key order by n.key) into changed
    from pg_catalog.jsonb_each(pg_catalog.to_jsonb(new)) n
    join pg_catalog.jsonb_each(pg_catalog.to_jsonb(old)) o using (key)
   where n.value is distinct from o.value
     and n.key <> all (allowed);
  if changed is not null then
    raise exception 'devices: % may not be changed by this caller', pg_catalog.array_to_string(changed, ', ')
      using errcode = 'insufficient_privilege';
  end if;

  return new;
end;
$$;

revoke execute on function private.devices_guard_update() from public, anon, authenticated;

create trigger devices_guard_update
  before update on public.devices
  for each row execute function private.devices_guard_update();

-- Audit entries for rename, revoke and delete, in the transaction that made the change.
-- private.write_audit comes with the audit log (20261122000500), whose table references
-- devices; plpgsql resolves the name when the trigger runs.
create or replace function private.devices_audit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform private.write_audit('device.deleted', 'device', old.id, null,
      pg_catalog.jsonb_build_object('name', old.name));
    return old;
  end if;
  if new.name is distinct from old.name then
    perform private.write_audit('device.renamed', 'device', new.id, null,
      pg_catalog.jsonb_build_object('from', old.name, 'to', new.name));
  end if;
  if old.revoked_at is null and new.revoked_at is not null then
    perform private.write_audit('device.revoked', 'device', new.id, null,
      pg_catalog.jsonb_build_object('name', new.name));
  end if;
  return new;
end;
$$;

revoke execute on function private.devices_audit() from public, anon, authenticated;

create trigger devices_audit
  after update or delete on public.devices
  for each row execute function private.devices_audit();
