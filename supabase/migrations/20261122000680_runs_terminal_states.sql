-- Finished runs stay finished: setting a terminal status again (cancelling a cancelled run,
-- completing a failed one twice) is refused like any other invalid transition, instead of
-- passing as a no-op that would still be audited.
create or replace function private.enforce_run_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status and old.status not in ('succeeded', 'failed', 'canceled') then
    return new;
  end if;
  if not (
    (old.status = 'queued' and new.status in ('claimed', 'canceled'))
    or (old.status = 'claimed' and new.status in ('running', 'queued', 'failed', 'canceled'))
    or (old.status = 'running' and new.status in ('succeeded', 'failed', 'canceled', 'queued'))
  ) then
    raise exception 'A run cannot go from % to %', old.status, new.status
      using errcode = '23514',
        hint = 'Allowed: queued → claimed | canceled; claimed → running | failed | canceled | queued; running → succeeded | failed | canceled | queued.';
  end if;
  case new.status
    when 'claimed' then
      new.claimed_at := coalesce(new.claimed_at, pg_catalog.now());
    when 'running' then
      new.started_at := coalesce(new.started_at, pg_catalog.now());
    when 'queued' then
      new.claimed_by := null;
      new.claimed_at := null;
      new.lease_expires_at := null;
      new.started_at := null;
    else
      new.finished_at := coalesce(new.finished_at, pg_catalog.now());
      new.lease_expires_at := null;
  end case;
  return new;
end;
$$;
