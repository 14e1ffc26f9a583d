-- The rest of an invitation's life: the invitee declines, accepts from their project list
-- (where no token is at hand), the link's page previews it, and a failed email is recorded so
-- the inviter sees it rather than waiting for nothing.
alter table ops.invitations
  add column declined_at timestamptz,
  add column email_failed_at timestamptz,
  add column email_error text check (char_length(email_error) <= 500),
  -- A declined invitation is closed like a revoked one (so the address can be invited again).
  add constraint invitations_declined_is_closed check (declined_at is null or revoked_at is not null);

-- What the link's page shows before anyone accepts: the project, who invited, the role, the
-- address and whether it is still open. Holding the token (256 random bits, mailed to the
-- invitee) is the right to read this, signed in or not, as with a password-reset link.
create or replace function ops.get_invitation(p_token text)
returns table (
  invitation_id uuid,
  project_name text,
  project_slug text,
  email text,
  role text,
  inviter_name text,
  expires_at timestamptz,
  status text
)
language sql
stable
security definer
set search_path = ''
as $$
  select i.id, p.name, p.slug, i.email, i.role,
         coalesce(nullif(pr.display_name, ''), 'A project admin'),
         i.expires_at,
         case
           when i.accepted_at is not null then 'accepted'
           when i.declined_at is not null then 'declined'
           when i.revoked_at is not null then 'revoked'
           when i.expires_at <= pg_catalog.now() then 'expired'
           else 'pending'
         end
    from ops.invitations i
    join ops.projects p on p.id = i.project_id
    left join public.profiles pr on pr.id = i.invited_by
   where i.token_hash = private.hash_token(coalesce(p_token, ''))
$$;

revoke execute on function ops.get_invitation(text) from public;
grant execute on function ops.get_invitation(text) to anon, authenticated, service_role;

-- Accepting from the project list, where the invitee sees the invitation (RLS: addressed to
-- them) but has no token: a fresh token is minted and handed to ops.accept_invitation, so
-- every check that function makes (email, expiry, confirmed address…) applies unchanged. If
-- it refuses, the whole call rolls back and the mailed link still works.
create or replace function ops.accept_invitation_by_id(p_invitation_id uuid)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  plain text := private.new_token();
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Sign in to accept an invitation' using errcode = '42501';
  end if;
  update ops.invitations i
     set token_hash = private.hash_token(plain)
   where i.id = p_invitation_id
     and i.email = pg_catalog.lower(auth.email());
  if not found then
    raise exception 'No such invitation for your address' using errcode = 'PT404';
  end if;

  return ops.accept_invitation(plain);
end;
$$;

create or replace function ops.decline_invitation(p_invitation_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  target ops.invitations;
begin
  if auth.uid() is null or private.is_device_request() then
    raise exception 'Sign in to decline an invitation' using errcode = '42501';
  end if;
  select * into target from ops.invitations i
   where i.id = p_invitation_id and i.email = pg_catalog.lower(auth.email())
   for update;
  if not found then
    raise exception 'No such invitation for your address' using errcode = 'PT404';
  end if;
  if target.accepted_at is not null or target.revoked_at is not null then
    raise exception 'This invitation is no longer open' using errcode = '22023';
  end if;
  update ops.invitations i
     set revoked_at = pg_catalog.now(), declined_at = pg_catalog.now()
   where i.id = target.id;
  perform private.write_audit('invitation.declined', 'invitation', target.id, target.project_id,
    pg_catalog.jsonb_build_object('email', target.email));
end;
$$;

-- The console sends the email after invite_member or resend_invitation returns the token; if
-- Auth refuses to send (rate limit, bad address), it records that here, and a later send
-- that works clears it. Same rights as inviting.
create or replace function ops.record_invitation_email(p_invitation_id uuid, p_error text default null)
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
  update ops.invitations i
     set email_failed_at = case when p_error is null then null else pg_catalog.now() end,
         email_error = pg_catalog.left(p_error, 500)
   where i.id = target.id;
  if p_error is not null then
    perform private.write_audit('invitation.email_failed', 'invitation', target.id,
      target.project_id, pg_catalog.jsonb_build_object('email', target.email, 'error',
        pg_catalog.left(p_error, 500)));
  end if;
end;
$$;

revoke execute on function
  ops.accept_invitation_by_id(uuid),
  ops.decline_invitation(uuid),
  ops.record_invitation_email(uuid, text)
  from public, anon;
grant execute on function
  ops.accept_invitation_by_id(uuid),
  ops.decline_invitation(uuid),
  ops.record_invitation_email(uuid, text)
  to authenticated, service_role;

-- The open invitations addressed to the caller, with what the project list shows about each:
-- the invitee may read the invitation row (RLS) but not yet the project or the inviter's
-- profile, so this returns their names alongside.
create or replace function ops.my_invitations()
returns table (
  invitation_id uuid,
  project_name text,
  role text,
  inviter_name text,
  created_at timestamptz,
  expires_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select i.id, p.name, i.role, coalesce(nullif(pr.display_name, ''), 'A project admin'),
         i.created_at, i.expires_at
    from ops.invitations i
    join ops.projects p on p.id = i.project_id
    left join public.profiles pr on pr.id = i.invited_by
   where i.email = pg_catalog.lower((select auth.email()))
     and i.accepted_at is null
     and i.revoked_at is null
     and i.expires_at > pg_catalog.now()
     and not private.is_device_request()
   order by i.created_at desc, i.id desc
$$;

revoke execute on function ops.my_invitations() from public, anon;
grant execute on function ops.my_invitations() to authenticated, service_role;
