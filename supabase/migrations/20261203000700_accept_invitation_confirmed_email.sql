-- Security hardening (docs/security.md, "Invitations need a confirmed address"): accepting an
-- invitation proves nothing unless the address it was sent to is one the caller has confirmed.
-- The JWT's email claim is not proof: it is whatever auth.users.email was when the token was
-- minted, confirmed or not (an email change in flight, an unconfirmed sign-up). So the address
-- and its confirmation are read from auth.users itself, at the moment of accepting.
-- Redefines ops.accept_invitation (20261122000620_invitations.sql); everything else is unchanged.
create or replace function ops.accept_invitation(p_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  target ops.invitations;
  caller_email text;
  caller_confirmed timestamptz;
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Sign in to accept an invitation' using errcode = '42501';
  end if;
  select pg_catalog.lower(u.email), u.email_confirmed_at
    into caller_email, caller_confirmed
    from auth.users u
   where u.id = auth.uid();
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
  if caller_confirmed is null then
    raise exception 'Confirm your email address before accepting this invitation'
      using errcode = '42501',
            hint = 'Open the confirmation link Auth sent to this address, then try again.';
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
