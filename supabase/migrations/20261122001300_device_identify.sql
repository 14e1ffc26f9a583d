-- What the device API needs beyond device_authenticate: to tell a revoked device from an
-- unknown secret (so the agent can say it was revoked from the console), and the email of the
-- account a device is paired to (the agent prints it: a device bound to the wrong account
-- would sync someone's chats into it). Only the holder of the secret learns either.
create or replace function public.device_identify(device_secret text)
returns table (device_id uuid, user_id uuid, device_name text, account_email text, revoked boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select d.id, d.user_id, d.name,
         case when d.revoked_at is null then u.email::text end,
         d.revoked_at is not null
    from private.device_secrets s
    join public.devices d on d.id = s.device_id
    join auth.users u on u.id = d.user_id
   where s.secret_hash = private.hash_code(coalesce(device_secret, ''))
$$;

revoke execute on function public.device_identify(text) from public, anon, authenticated;
-- The device API calls it with the anon key, before it has minted a device JWT.
grant execute on function public.device_identify(text) to anon, authenticated, service_role;
