-- usage_speed_months kept by one trigger function instead of three (…20261206030000 built the
-- same five key arrays in private.usage_speed_months_insert, _update and _delete). Each
-- statement trigger on usage_hourly now calls private.usage_speed_months_changed, which picks
-- the changed rollup keys from its transition table by TG_OP and hands them to
-- private.usage_speed_months_refresh once. Same keys as before, so the same month rows.
-- (The landed migration's backfill, which computes the months of the rows that were already
-- there, stays as it is: it ran once, and migrations on main are never edited.)

-- One changed rollup key: what private.usage_speed_months_refresh takes, one array per field.
create type private.usage_hour_key as (
  user_id uuid,
  hour timestamptz,
  model text,
  device_id uuid,
  project_id uuid
);

-- The refresh reads each key's rate from usage_hourly as it is after the statement, so it
-- does not matter which of the statement's inserts, updates and deletes ran first.
create or replace function private.usage_speed_months_changed()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  changed private.usage_hour_key[];
  k record;
begin
  -- A transition table exists only for its own event: each branch names only its trigger's.
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg((n.user_id, n.hour, n.model, n.device_id, n.project_id)::private.usage_hour_key)
      into changed
      from new_rows n where n.generation_seconds > 0;
  elsif tg_op = 'DELETE' then
    select pg_catalog.array_agg((o.user_id, o.hour, o.model, o.device_id, o.project_id)::private.usage_hour_key)
      into changed
      from old_rows o where o.generation_seconds > 0;
  else
    -- Both the old and the new key of each row whose speed or key changed: re-pricing writes
    -- every row's cost and none of these, so it refreshes nothing.
    select pg_catalog.array_agg(x.k)
      into changed
      from new_rows n
      join old_rows o on o.id = n.id
      cross join lateral (values ((n.user_id, n.hour, n.model, n.device_id, n.project_id)::private.usage_hour_key),
                                 ((o.user_id, o.hour, o.model, o.device_id, o.project_id)::private.usage_hour_key))
           as x(k)
     where n.timed_output_tokens is distinct from o.timed_output_tokens
        or n.generation_seconds is distinct from o.generation_seconds
        or n.user_id is distinct from o.user_id or n.hour is distinct from o.hour
        or n.model is distinct from o.model or n.device_id is distinct from o.device_id
        or n.project_id is distinct from o.project_id;
  end if;

  if changed is null then
    return null;
  end if;
  select pg_catalog.array_agg(c.user_id) as users, pg_catalog.array_agg(c.hour) as hours,
         pg_catalog.array_agg(c.model) as models, pg_catalog.array_agg(c.device_id) as devices,
         pg_catalog.array_agg(c.project_id) as projects
    into k
    from unnest(changed) as c;
  perform private.usage_speed_months_refresh(k.users, k.hours, k.models, k.devices, k.projects);

  return null;
end;
$$;

revoke execute on function private.usage_speed_months_changed() from public, anon, authenticated;

-- A trigger with a transition table fires for one event only, so three triggers, one function.
drop trigger usage_speed_months_insert on public.usage_hourly;
drop trigger usage_speed_months_update on public.usage_hourly;
drop trigger usage_speed_months_delete on public.usage_hourly;
create trigger usage_speed_months_insert
  after insert on public.usage_hourly
  referencing new table as new_rows
  for each statement execute function private.usage_speed_months_changed();
create trigger usage_speed_months_update
  after update on public.usage_hourly
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.usage_speed_months_changed();
create trigger usage_speed_months_delete
  after delete on public.usage_hourly
  referencing old table as old_rows
  for each statement execute function private.usage_speed_months_changed();

drop function private.usage_speed_months_insert();
drop function private.usage_speed_months_update();
drop function private.usage_speed_months_delete();
