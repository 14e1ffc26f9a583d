-- What the device API needs beyond device_authenticate: whether a secret is a revoked device's
-- (so the agent can say so) and the email of the account it is paired to (the agent prints it,
-- lest a device bound to the wrong account sync someone's chats). Only the secret's holder learns.
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
