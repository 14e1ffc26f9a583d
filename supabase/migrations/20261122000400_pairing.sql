-- Device pairing as in RFC 8628 (device authorization grant). The device starts a request and
-- shows a short user code; the signed-in user looks it up, sees what is asking, approves or
-- denies; the device polls and exchanges its device code, once, for a long-lived secret.

-- Codes and secrets are stored only as SHA-256 hashes; all of it goes through the security
-- definer functions below, whose checks are the authorization.
create table private.pairing_requests (
  id uuid primary key default gen_random_uuid(),
  device_code_hash bytea not null unique,
  user_code_hash bytea not null,
  device_name text not null check (char_length(btrim(device_name)) between 1 and 80),
  device_role public.device_role not null default 'workstation',
  hostname text check (char_length(hostname) <= 255),
  platform text check (char_length(platform) <= 100),
  app_version text check (char_length(app_version) <= 50),
  requested_ip inet,
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'denied', 'exchanged')),
  interval_seconds integer not null default 5 check (interval_seconds between 1 and 60),
  last_polled_at timestamptz,
  expires_at timestamptz not null default now() + interval '10 minutes',
  decided_by uuid references auth.users (id) on delete cascade,
  decided_at timestamptz,
  device_id uuid references public.devices (id) on delete cascade,
  exchanged_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'pending') = (decided_at is null)),
  check ((status in ('approved', 'exchanged')) = (device_id is not null))
);

-- A user code is unique among the requests still waiting for a decision.
create unique index pairing_requests_user_code_hash_idx
  on private.pairing_requests (user_code_hash) where status = 'pending';
create index pairing_requests_requested_ip_created_at_idx on private.pairing_requests (requested_ip, created_at);
create index pairing_requests_expires_at_idx on private.pairing_requests (expires_at);
create index pairing_requests_decided_by_idx on private.pairing_requests (decided_by);
create index pairing_requests_device_id_idx on private.pairing_requests (device_id);

-- Failed user-code lookups, to bound guessing per user and across everyone.
create table private.pairing_lookup_failures (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  at timestamptz not null default now()
);
create index pairing_lookup_failures_user_id_at_idx on private.pairing_lookup_failures (user_id, at);
create index pairing_lookup_failures_at_idx on private.pairing_lookup_failures (at);

-- The long-lived device secrets, hashed, out of reach of every API role.
create table private.device_secrets (
  device_id uuid primary key references public.devices (id) on delete cascade,
  secret_hash bytea not null unique,
  created_at timestamptz not null default now()
);

alter table private.pairing_requests enable row level security;
alter table private.pairing_lookup_failures enable row level security;
alter table private.device_secrets enable row level security;
revoke all on private.pairing_requests, private.pairing_lookup_failures, private.device_secrets
  from public, anon, authenticated, service_role;

create or replace function private.hash_code(code text)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.sha256(pg_catalog.convert_to(code, 'UTF8'))
$$;

-- User codes are typed by people: case, dashes and spaces do not matter.
create or replace function private.normalize_user_code(code text)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.upper(pg_catalog.regexp_replace(coalesce(code, ''), '[\s-]+', '', 'g'))
$$;

-- 8 characters from the 20 consonants RFC 8628 suggests (no vowels, so no words; no
-- look-alikes), drawn without modulo bias.
create or replace function private.generate_user_code()
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  alphabet constant text := 'BCDFGHJKLMNPQRSTVWXZ';
  code text := '';
  bytes bytea;
  b integer;
begin
  while pg_catalog.char_length(code) < 8 loop
    bytes := extensions.gen_random_bytes(16);
    for i in 0 .. 15 loop
      b := pg_catalog.get_byte(bytes, i);
      if b < 240 and pg_catalog.char_length(code) < 8 then
        code := code || pg_catalog.substr(alphabet, (b % 20) + 1, 1);
      end if;
    end loop;
  end loop;
  return code;
end;
$$;

-- Finds the pending, unexpired request for a user code typed by the signed-in user. Every
-- miss is recorded (and committed, since the caller returns rather than raises), and past
-- 10 misses per user or 1,000 across everyone in 15 minutes all lookups are refused.
create or replace function private.find_pairing_by_user_code(user_code text)
returns private.pairing_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  normalized text := private.normalize_user_code(user_code);
  request private.pairing_requests;
begin
  if caller is null or private.is_device_request() then
    raise exception 'sign in to pair a device' using errcode = '42501';
  end if;
  if (select pg_catalog.count(*) from private.pairing_lookup_failures f
       where f.user_id = caller and f.at > pg_catalog.now() - interval '15 minutes') >= 10
    or (select pg_catalog.count(*) from private.pairing_lookup_failures f
       where f.at > pg_catalog.now() - interval '15 minutes') >= 1000 then
    raise exception 'too many pairing code attempts; wait a few minutes and try again'
      using errcode = 'PT429';
  end if;

  if normalized ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$' then
    select r.* into request
      from private.pairing_requests r
     where r.user_code_hash = private.hash_code(normalized)
       and r.status = 'pending'
       and r.expires_at > pg_catalog.now();
  end if;
  if request.id is null then
    insert into private.pairing_lookup_failures (user_id) values (caller);
  end if;
  return request;
end;
$$;

create or replace function public.pairing_start(
  device_name text,
  hostname text default null,
  platform text default null,
  app_version text default null,
  device_role public.device_role default 'workstation',
  requested_ip inet default null
)
returns table (device_code text, user_code text, expires_at timestamptz, interval_seconds integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  new_device_code text := pg_catalog.encode(extensions.gen_random_bytes(32), 'hex');
  new_user_code text;
  request private.pairing_requests;
begin
  delete from private.pairing_requests r where r.expires_at < pg_catalog.now() - interval '1 day';
  delete from private.pairing_lookup_failures f where f.at < pg_catalog.now() - interval '1 day';

  if requested_ip is not null and (
    select pg_catalog.count(*) from private.pairing_requests r
     where r.requested_ip = pairing_start.requested_ip
       and r.created_at > pg_catalog.now() - interval '10 minutes') >= 20 then
    raise exception 'too many pairing requests from this address; wait a few minutes'
      using errcode = 'PT429';
  end if;

  for attempt in 1 .. 5 loop
    new_user_code := private.generate_user_code();
    begin
      insert into private.pairing_requests as r
        (device_code_hash, user_code_hash, device_name, device_role, hostname, platform, app_version, requested_ip)
      values (
        private.hash_code(new_device_code), private.hash_code(new_user_code),
        btrim(pairing_start.device_name), pairing_start.device_role, pairing_start.hostname,
        pairing_start.platform, pairing_start.app_version, pairing_start.requested_ip
      )
      returning r.* into request;
      exit;
    exception when unique_violation then
      if attempt = 5 then raise; end if;
    end;
  end loop;

  return query select
    new_device_code,
    pg_catalog.substr(new_user_code, 1, 4) || '-' || pg_catalog.substr(new_user_code, 5, 4),
    request.expires_at,
    request.interval_seconds;
end;
$$;

-- What the pair page shows the signed-in user before they decide.
create or replace function public.pairing_lookup(user_code text)
returns table (
  id uuid, device_name text, device_role public.device_role, hostname text, platform text,
  app_version text, requested_ip inet, created_at timestamptz, expires_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request private.pairing_requests := private.find_pairing_by_user_code(user_code);
begin
  if request.id is null then
    return;
  end if;
  return query select request.id, request.device_name, request.device_role, request.hostname,
    request.platform, request.app_version, request.requested_ip, request.created_at, request.expires_at;
end;
$$;

-- Approves a request: creates the device for the signed-in user (optionally under another
-- name) and records it in the audit log. Returns the new device's id, or null when the code
-- matches nothing pending. (private.write_audit comes with the audit log, 20261122000500,
-- which references devices; plpgsql resolves the name when the function runs.)
create or replace function public.pairing_approve(user_code text, device_name text default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request private.pairing_requests := private.find_pairing_by_user_code(user_code);
  new_device_id uuid;
begin
  if request.id is null then
    return null;
  end if;

  insert into public.devices as d (user_id, name, role, hostname, platform, app_version)
  values (auth.uid(), coalesce(nullif(btrim(pairing_approve.device_name), ''), request.device_name),
          request.device_role, request.hostname, request.platform, request.app_version)
  returning d.id into new_device_id;

  update private.pairing_requests r
     set status = 'approved', decided_by = auth.uid(), decided_at = pg_catalog.now(), device_id = new_device_id
   where r.id = request.id;

  perform private.write_audit('device.pairing_approved', 'device', new_device_id, null,
    pg_catalog.jsonb_build_object(
      'pairing_id', request.id,
      'name', coalesce(nullif(btrim(pairing_approve.device_name), ''), request.device_name),
      'requested_name', request.device_name,
      'hostname', request.hostname,
      'platform', request.platform,
      'requested_ip', request.requested_ip::text));
  return new_device_id;
end;
$$;

-- Denies a request. Returns false when the code matches nothing pending.
create or replace function public.pairing_deny(user_code text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request private.pairing_requests := private.find_pairing_by_user_code(user_code);
begin
  if request.id is null then
    return false;
  end if;

  update private.pairing_requests r
     set status = 'denied', decided_by = auth.uid(), decided_at = pg_catalog.now()
   where r.id = request.id;

  perform private.write_audit('device.pairing_denied', 'pairing', request.id, null,
    pg_catalog.jsonb_build_object(
      'name', request.device_name,
      'hostname', request.hostname,
      'requested_ip', request.requested_ip::text));
  return true;
end;
$$;

-- The device's poll (RFC 8628 section 3.5): authorization_pending, slow_down (polling faster
-- than the interval; the interval grows by 5 s), access_denied, expired_token, or approved
-- (then pairing_exchange). invalid_grant for a code that matches nothing.
create or replace function public.pairing_poll(device_code text)
returns table (status text, interval_seconds integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request private.pairing_requests;
  too_soon boolean;
begin
  select r.* into request
    from private.pairing_requests r
   where r.device_code_hash = private.hash_code(coalesce(device_code, ''))
   for update;
  if request.id is null then
    return query select 'invalid_grant'::text, 5;
    return;
  end if;

  too_soon := request.last_polled_at is not null
    and request.last_polled_at > pg_catalog.now() - pg_catalog.make_interval(secs => request.interval_seconds);
  update private.pairing_requests r
     set last_polled_at = pg_catalog.now(),
         interval_seconds = case when too_soon then least(r.interval_seconds + 5, 60) else r.interval_seconds end
   where r.id = request.id
  returning r.interval_seconds into request.interval_seconds;

  return query select
    case
      when request.status = 'exchanged' then 'expired_token'
      when request.status = 'denied' then 'access_denied'
      when request.expires_at <= pg_catalog.now() then 'expired_token'
      when too_soon then 'slow_down'
      when request.status = 'approved' then 'approved'
      else 'authorization_pending'
    end,
    request.interval_seconds;
end;
$$;

-- Exchanges an approved device code for the device's long-lived secret: exactly once, before
-- the code expires. The secret is returned here and nowhere else; only its hash is kept.
create or replace function public.pairing_exchange(device_code text)
returns table (device_id uuid, user_id uuid, device_secret text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request private.pairing_requests;
  secret text := 'lmxd_' || pg_catalog.encode(extensions.gen_random_bytes(32), 'hex');
begin
  select r.* into request
    from private.pairing_requests r
   where r.device_code_hash = private.hash_code(coalesce(device_code, ''))
   for update;
  if request.id is null then
    raise exception 'invalid_grant: unknown device code' using errcode = 'PT400';
  end if;
  if request.status = 'exchanged' then
    raise exception 'expired_token: this device code was already used' using errcode = 'PT400';
  end if;
  if request.status = 'denied' then
    raise exception 'access_denied: the pairing was denied' using errcode = 'PT400';
  end if;
  if request.expires_at <= pg_catalog.now() then
    raise exception 'expired_token: the device code expired' using errcode = 'PT400';
  end if;
  if request.status <> 'approved' then
    raise exception 'authorization_pending: the pairing is not approved yet' using errcode = 'PT400';
  end if;

  update private.pairing_requests r
     set status = 'exchanged', exchanged_at = pg_catalog.now()
   where r.id = request.id;
  insert into private.device_secrets as s (device_id, secret_hash)
  values (request.device_id, private.hash_code(secret))
  on conflict on constraint device_secrets_pkey do update set secret_hash = excluded.secret_hash, created_at = pg_catalog.now();

  return query select request.device_id, d.user_id, secret
    from public.devices d where d.id = request.device_id;
end;
$$;

-- Device authentication for the device API: the owner and device behind a secret, so the
-- API can mint a short-lived device JWT. Nothing for an unknown secret or a revoked device.
create or replace function public.device_authenticate(device_secret text)
returns table (device_id uuid, user_id uuid, device_name text)
language sql
stable
security definer
set search_path = ''
as $$
  select d.id, d.user_id, d.name
    from private.device_secrets s
    join public.devices d on d.id = s.device_id
   where s.secret_hash = private.hash_code(coalesce(device_secret, ''))
     and d.revoked_at is null
$$;

revoke execute on function
  private.hash_code(text),
  private.normalize_user_code(text),
  private.generate_user_code(),
  private.find_pairing_by_user_code(text),
  public.pairing_start(text, text, text, text, public.device_role, inet),
  public.pairing_lookup(text),
  public.pairing_approve(text, text),
  public.pairing_deny(text),
  public.pairing_poll(text),
  public.pairing_exchange(text),
  public.device_authenticate(text)
  from public, anon, authenticated;

-- The device side runs before the device has any credentials: the device API calls these
-- with the anon key. A signed-in user's token has no business calling them, so execute stays
-- with anon (and the platform role) alone.
grant execute on function
  public.pairing_start(text, text, text, text, public.device_role, inet),
  public.pairing_poll(text),
  public.pairing_exchange(text),
  public.device_authenticate(text)
  to anon, service_role;
-- The user side needs a signed-in user.
grant execute on function
  public.pairing_lookup(text),
  public.pairing_approve(text, text),
  public.pairing_deny(text)
  to authenticated, service_role;
