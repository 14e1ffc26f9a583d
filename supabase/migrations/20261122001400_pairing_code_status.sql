-- Why a user code finds nothing to approve, so the pair page can say "expired", "already used",
-- "denied" or "no such code" instead of one vague miss. Goes through the same guess bounds as
-- pairing_lookup: a code that is not pending counts as one failed attempt.
create or replace function public.pairing_code_status(user_code text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  -- Raises "too many pairing code attempts" past the bound, records the miss otherwise.
  pending private.pairing_requests := private.find_pairing_by_user_code(user_code);
  latest private.pairing_requests;
begin
  if pending.id is not null then
    return 'pending';
  end if;

  -- Codes are unique only among pending requests, so an old code may match several rows;
  -- the newest one is what the person most likely means.
  select r.* into latest
    from private.pairing_requests r
   where r.user_code_hash = private.hash_code(private.normalize_user_code(user_code))
   order by r.created_at desc
   limit 1;

  return case
    when latest.id is null then 'unknown'
    when latest.status in ('approved', 'exchanged') then 'used'
    when latest.status = 'denied' then 'denied'
    else 'expired'
  end;
end;
$$;

revoke execute on function public.pairing_code_status(text) from public, anon, authenticated;
grant execute on function public.pairing_code_status(text) to authenticated, service_role;
