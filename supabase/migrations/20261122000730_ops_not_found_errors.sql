-- "Not found" answers from the ops functions use SQLSTATE PT404, which PostgREST (and the
-- local stack) answer as HTTP 404; P0002 would reach the API as a 500.

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

create or replace function private.check_can_operate(p_project_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Only a signed-in user can queue, cancel or re-run runs'
      using errcode = '42501';
  end if;
  if not private.has_project_role(p_project_id, 'viewer') then
    raise exception 'No such run or workflow' using errcode = 'PT404';
  end if;
  if not private.has_project_role(p_project_id, 'developer') then
    raise exception 'Only developers, admins and owners can queue, cancel or re-run runs'
      using errcode = '42501';
  end if;
end;
$$;
