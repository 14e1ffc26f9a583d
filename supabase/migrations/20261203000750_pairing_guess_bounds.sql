-- Security hardening (docs/security.md, "Pairing codes cannot be guessed, nor locked for
-- everyone"): wrong user codes were bounded per user (10 per 15 minutes) and across everyone
-- (1,000 per 15 minutes). The global counter let 100 accounts lock every user out of pairing,
-- and did not bound a patient guesser anyway. Now each account is bounded twice, so guessing
-- scales only with the number of confirmed accounts an attacker holds (which Auth bounds per
-- address) and the pending codes at the time, and nobody's guesses cost anyone else anything:
--   - 10 misses per 15 minutes (a typo or two, then a pause),
--   - 20 misses per 24 hours (the bound that matters against a slow guesser).
-- Per address, the pair page adds its own limit (lib/pairing/guess-limit.ts); the address of a
-- direct REST caller is not known to the database. The arithmetic is in docs/security.md.
-- Redefines private.find_pairing_by_user_code (20261122000400_pairing.sql).
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
       where f.user_id = caller and f.at > pg_catalog.now() - interval '24 hours') >= 20 then
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

revoke execute on function private.find_pairing_by_user_code(text) from public, anon, authenticated;

-- Failures are kept a day (the longest window above); pairing_start already deletes older ones.
