-- Email invitations to a project. Only a hash of the token is stored; the plain token is
-- returned once to the inviter (to be mailed) and accepted through a security definer
-- function that checks the invitee's email from the JWT. Every change is audited.
create table ops.invitations (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references ops.projects (id) on delete cascade,
  email text not null check (email = pg_catalog.lower(pg_catalog.btrim(email)) and email ~ '^[^@\s]+@[^@\s]+$'),
  role text not null check (role in ('owner', 'admin', 'developer', 'viewer')),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid references auth.users (id) on delete set null,
  expires_at timestamptz not null,
  last_sent_at timestamptz not null default now(),
  send_count integer not null default 1 check (send_count >= 1),
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (accepted_at is null or revoked_at is null)
);

-- One open invitation per address and project: resending renews it rather than adding more.
create unique index invitations_open_email_idx on ops.invitations (project_id, email)
  where accepted_at is null and revoked_at is null;
create index invitations_project_id_created_at_idx on ops.invitations (project_id, created_at desc, id desc);
create index invitations_email_idx on ops.invitations (email);
create index invitations_invited_by_idx on ops.invitations (invited_by);
create index invitations_accepted_by_idx on ops.invitations (accepted_by);

alter table ops.invitations enable row level security;

create trigger invitations_set_updated_at
  before update on ops.invitations
  for each row execute function private.set_updated_at();

-- auth.email() sits in its own subselect, so it is read once per query, not once per row.
create policy "Admins and the invitee can view invitations" on ops.invitations
  for select to authenticated
  using (
    project_id in (select private.my_project_ids('admin'))
    or (
      email = pg_catalog.lower((select auth.email()))
      and not (select private.is_device_request())
    )
  );

-- Invitations are written only through the functions below (they mint the token and audit
-- the change), so the API gets no insert, update or delete policy here.
revoke insert, update, delete, truncate on ops.invitations from anon, authenticated;

-- Core sha256() rather than pgcrypto's digest(), which the embedded engine's pgcrypto build
-- fails to initialise now and then.
create or replace function private.hash_token(p_token text)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')), 'hex')
$$;

create or replace function private.new_token()
returns text
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.translate(
    pg_catalog.encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_')
$$;

revoke execute on function private.hash_token(text), private.new_token()
  from public, anon, authenticated;

-- The caller must be an admin (a plain user session) of the project, and may invite up to
-- their own role.
create or replace function private.check_can_invite(p_project_id uuid, p_role text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if private.is_device_request() or not private.has_project_role(p_project_id, 'admin') then
    raise exception 'Only the project''s owners and admins can manage invitations'
      using errcode = '42501';
  end if;
  if private.role_rank(p_role) is null then
    raise exception 'Unknown role "%": use owner, admin, developer or viewer', p_role
      using errcode = '22023';
  end if;
  if private.role_rank(p_role) > private.role_rank(private.project_role(p_project_id)) then
    raise exception 'You can invite people up to your own role (%), not as %',
      private.project_role(p_project_id), p_role
      using errcode = '42501';
  end if;
end;
$$;

revoke execute on function private.check_can_invite(uuid, text) from public, anon, authenticated;

create or replace function ops.invite_member(
  p_project_id uuid,
  p_email text,
  p_role text default 'developer',
  p_valid_for interval default interval '7 days'
)
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  normalized text := pg_catalog.lower(pg_catalog.btrim(p_email));
  plain text := private.new_token();
  created ops.invitations;
begin
  perform private.check_can_invite(p_project_id, p_role);
  if p_valid_for < interval '1 hour' or p_valid_for > interval '30 days' then
    raise exception 'An invitation is valid between 1 hour and 30 days' using errcode = '22023';
  end if;
  if exists (
    select 1 from ops.project_memberships m join auth.users u on u.id = m.user_id
     where m.project_id = p_project_id and pg_catalog.lower(u.email) = normalized
  ) then
    raise exception '% is already a member of this project', normalized using errcode = '23505';
  end if;
  if exists (
    select 1 from ops.invitations i
     where i.project_id = p_project_id and i.email = normalized
       and i.accepted_at is null and i.revoked_at is null
  ) then
    raise exception '% already has a pending invitation: resend it instead', normalized
      using errcode = '23505';
  end if;
  insert into ops.invitations (project_id, email, role, token_hash, invited_by, expires_at)
  values (p_project_id, normalized, p_role, private.hash_token(plain), auth.uid(),
    pg_catalog.now() + p_valid_for)
  returning * into created;
  perform private.write_audit('invitation.created', 'invitation', created.id, p_project_id,
    pg_catalog.jsonb_build_object('email', normalized, 'role', p_role,
      'expires_at', created.expires_at));

  return query select created.id, plain, created.expires_at;
end;
$$;

-- "Not found" below is SQLSTATE PT404, which PostgREST (and the local stack) answer as HTTP
-- 404; P0002 would reach the API as a 500.
-- A resend mints a new token (the old link stops working) and renews the expiry.
create or replace function ops.resend_invitation(
  p_invitation_id uuid,
  p_valid_for interval default interval '7 days'
)
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  plain text := private.new_token();
  target ops.invitations;
begin
  select * into target from ops.invitations i where i.id = p_invitation_id for update;
  if not found then
    raise exception 'No such invitation' using errcode = 'PT404';
  end if;
  perform private.check_can_invite(target.project_id, target.role);
  if target.accepted_at is not null or target.revoked_at is not null then
    raise exception 'This invitation was already %',
      case when target.accepted_at is not null then 'accepted' else 'revoked' end
      using errcode = '22023';
  end if;
  if p_valid_for < interval '1 hour' or p_valid_for > interval '30 days' then
    raise exception 'An invitation is valid between 1 hour and 30 days' using errcode = '22023';
  end if;
  update ops.invitations i
     set token_hash = private.hash_token(plain),
         expires_at = pg_catalog.now() + p_valid_for,
         last_sent_at = pg_catalog.now(),
         send_count = i.send_count + 1
   where i.id = target.id
  returning * into target;
  perform private.write_audit('invitation.resent', 'invitation', target.id, target.project_id,
    pg_catalog.jsonb_build_object('email', target.email, 'send_count', target.send_count));

  return query select target.id, plain, target.expires_at;
end;
$$;

create or replace function ops.revoke_invitation(p_invitation_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  target ops.invitations;
begin
  select * into target from ops.invitations i where i.id = p_invitation_id for update;
  if not found then
    raise exception 'No such invitation' using errcode = 'PT404';
  end if;
  perform private.check_can_invite(target.project_id, target.role);
  if target.accepted_at is not null or target.revoked_at is not null then
    raise exception 'This invitation was already %',
      case when target.accepted_at is not null then 'accepted' else 'revoked' end
      using errcode = '22023';
  end if;
  update ops.invitations i set revoked_at = pg_catalog.now() where i.id = target.id;
  perform private.write_audit('invitation.revoked', 'invitation', target.id, target.project_id,
    pg_catalog.jsonb_build_object('email', target.email));
end;
$$;

-- The invitee accepts with the token from the email. The address must be the one in the
-- caller's JWT; a device token never accepts on its owner's behalf.
create or replace function ops.accept_invitation(p_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  target ops.invitations;
  caller_email text := pg_catalog.lower(auth.email());
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Sign in to accept an invitation' using errcode = '42501';
  end if;
  select * into target from ops.invitations i
   where i.token_hash = private.hash_token(coalesce(p_token, ''))
   for update;
  if not found or target.revoked_at is not null then
    raise exception 'This invitation link is not valid (it may have been revoked or resent)'
      using errcode = 'PT404';
  end if;
  if target.accepted_at is not null then
    raise exception 'This invitation was already accepted' using errcode = '22023';
  end if;
  if target.expires_at <= pg_catalog.now() then
    raise exception 'This invitation expired on %: ask for a new one', target.expires_at
      using errcode = '22023';
  end if;
  if caller_email is null or caller_email <> target.email then
    raise exception 'This invitation was sent to another email address' using errcode = '42501';
  end if;
  if exists (
    select 1 from ops.project_memberships m
     where m.project_id = target.project_id and m.user_id = auth.uid()
  ) then
    raise exception 'You are already a member of this project' using errcode = '23505';
  end if;
  insert into ops.project_memberships (project_id, user_id, role)
  values (target.project_id, auth.uid(), target.role);
  update ops.invitations i
     set accepted_at = pg_catalog.now(), accepted_by = auth.uid()
   where i.id = target.id;
  perform private.write_audit('invitation.accepted', 'invitation', target.id, target.project_id,
    pg_catalog.jsonb_build_object('email', target.email, 'role', target.role));

  return target.project_id;
end;
$$;

revoke execute on function
  ops.invite_member(uuid, text, text, interval),
  ops.resend_invitation(uuid, interval),
  ops.revoke_invitation(uuid),
  ops.accept_invitation(text)
  from public, anon;
grant execute on function
  ops.invite_member(uuid, text, text, interval),
  ops.resend_invitation(uuid, interval),
  ops.revoke_invitation(uuid),
  ops.accept_invitation(text)
  to authenticated, service_role;
