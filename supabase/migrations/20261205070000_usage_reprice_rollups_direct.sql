-- Re-pricing writes the price columns and moves the rollups itself, in one statement
-- (docs/usage.md "Re-pricing"). Redefines private.reprice_message_costs,
-- private.reprice_cloud_equivalents and private.device_prices_reprice (same signatures, same
-- rules as …016000) and recreates the four update triggers on cloud_messages that read
-- transition tables (usage_hourly_add_update, usage_local_days_add_update,
-- cloud_messages_count_update, cloud_messages_search_change) with a WHEN clause; their
-- functions do not change.
--
-- Why: a re-pricing changes one price column of each message and nothing else. Left to the
-- update triggers, each of the four aggregated (or, for search, hash-joined) the statement's
-- old and new rows, two million rows each for a million messages, to find a difference the
-- re-pricing already knew: the new price minus the old one. Now the re-pricing statement
-- returns that difference from its UPDATE and adds it to usage_hourly, to every registered
-- zone's usage_local_days rows and to the session totals, and the four triggers stay out of
-- it, as the per-row trigger already does for trusted writes.
--
-- Exactness under concurrent writes: a message is written only if it is still the row
-- version that was priced (xmin), so the difference added is exactly what the row changed
-- by; a message some other transaction changed in the meantime is skipped by that guard and
-- priced again in another pass (its writer's triggers moved the rollups for its own change).

-- The statement every re-pricing runs: priced_sql returns (id, version, old, value) for the
-- messages whose `target` column must change, version being the row's xmin; $1 models,
-- $2 owner, $3 device are passed to it.
create or replace function private.reprice_write(target text, priced_sql text, models text[], owner uuid, device uuid)
returns bigint
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
declare
  trusted text := coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '');
  applied text := coalesce(pg_catalog.current_setting('lmx.rollups_applied', true), '');
  priced bigint;
  written bigint;
  total bigint := 0;
  -- Which rollup column the target feeds.
  rollup text := case target when 'cost_usd' then 'cost_usd' when 'local_cost_usd' then 'local_cost_usd'
                             when 'cloud_equivalent_usd' then 'cloud_equivalent_usd' end;
begin
  if rollup is null then
    raise exception 'reprice_write: unknown price column %', target using errcode = '22023';
  end if;
  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  perform pg_catalog.set_config('lmx.rollups_applied', 'on', true);
  loop
    execute pg_catalog.format($q$
      with priced as materialized (%2$s),
      written as (
        update public.cloud_messages m
           set %1$I = p.value, updated_at = pg_catalog.now()
          from priced p
         where m.id = p.id and m.xmin = p.version
        returning m.user_id, m.session_id, m.created_at, coalesce(m.model, 'unknown') as model,
                  m.device_id, m.project_id, m.deleted_at, p.value - p.old as delta
      ),
      live as materialized (
        select w.* from written w where w.deleted_at is null and w.delta <> 0
      ),
      hourly as (
        insert into public.usage_hourly as u (user_id, hour, model, device_id, project_id, %1$I)
        select l.user_id, pg_catalog.date_trunc('hour', l.created_at, 'UTC'), l.model, l.device_id,
               l.project_id, sum(l.delta)
          from live l
         group by 1, 2, 3, 4, 5
        on conflict on constraint usage_hourly_key do update set %1$I = u.%1$I + excluded.%1$I
      ),
      local_days as (
        insert into public.usage_local_days as u (user_id, tz, day, model, device_id, project_id, %1$I)
        select l.user_id, z.tz, (l.created_at at time zone z.tz)::date, l.model, l.device_id,
               l.project_id, sum(l.delta)
          from live l
          join private.usage_local_zones z on z.user_id = l.user_id
         group by 1, 2, 3, 4, 5, 6
        on conflict on constraint usage_local_days_key do update set %1$I = u.%1$I + excluded.%1$I
      ),
      sessions as (
        update public.cloud_sessions s
           set cost_usd = s.cost_usd + d.delta
          from (select l.session_id, sum(l.delta) as delta from live l group by l.session_id) d
         where %1$L = 'cost_usd' and s.id = d.session_id
      )
      select (select count(*) from priced), (select count(*) from written)
    $q$, rollup, priced_sql)
    into priced, written
    using models, owner, device;
    total := total + written;
    -- Every priced message written: done. Otherwise some changed under us; price them again.
    exit when written >= priced;
  end loop;
  perform pg_catalog.set_config('lmx.rollups_applied', applied, true);
  perform pg_catalog.set_config('lmx.trusted_message_write', trusted, true);
  return total;
end;
$$;

create or replace function private.reprice_message_costs(models text[], owner uuid)
returns bigint
language sql
security definer
set search_path = ''
as $$
  select private.reprice_write('cost_usd', $q$
    with versions as (
      select p.model, p.user_id, p.input_per_mtok, p.output_per_mtok, p.cached_per_mtok,
             p.effective_from as valid_from,
             coalesce(pg_catalog.lead(p.effective_from) over (partition by p.model, p.user_id order by p.effective_from),
                      'infinity'::timestamptz) as valid_until
        from public.model_prices p
       where p.model = any ($1)
    )
    select x.id, x.version, x.old, x.value
      from (
        select c.id, c.xmin as version, c.cost_usd as old, coalesce(
                 ((c.input_tokens - c.cached_tokens) * u.input_per_mtok + c.cached_tokens * u.cached_per_mtok
                  + c.output_tokens * u.output_per_mtok) / 1000000,
                 ((c.input_tokens - c.cached_tokens) * g.input_per_mtok + c.cached_tokens * g.cached_per_mtok
                  + c.output_tokens * g.output_per_mtok) / 1000000,
                 0)::numeric(16, 8) as value
          from public.cloud_messages c
          left join versions u
            on u.model = c.model and u.user_id = c.user_id
           and c.created_at >= u.valid_from and c.created_at < u.valid_until
          left join versions g
            on g.model = c.model and g.user_id is null
           and c.created_at >= g.valid_from and c.created_at < g.valid_until
         where c.model = any ($1)
           and ($2::uuid is null or c.user_id = $2)
      ) x
     where x.old is distinct from x.value
  $q$, models, owner, null)
$$;

create or replace function private.reprice_cloud_equivalents(models text[], owner uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  select private.reprice_write('cloud_equivalent_usd', $q$
    with refs as (
      select r.model, r.user_id, r.reference_model from public.model_references r where r.model = any ($1)
    ),
    versions as (
      select p.model, p.user_id, p.input_per_mtok, p.output_per_mtok, p.cached_per_mtok,
             p.effective_from as valid_from,
             coalesce(pg_catalog.lead(p.effective_from) over (partition by p.model, p.user_id order by p.effective_from),
                      'infinity'::timestamptz) as valid_until
        from public.model_prices p
       where p.model in (select refs.reference_model from refs)
    )
    select x.id, x.version, x.old, x.value
      from (
        select c.id, c.xmin as version, c.cloud_equivalent_usd as old, coalesce(
                 ((c.input_tokens - c.cached_tokens) * u.input_per_mtok + c.cached_tokens * u.cached_per_mtok
                  + c.output_tokens * u.output_per_mtok) / 1000000,
                 ((c.input_tokens - c.cached_tokens) * g.input_per_mtok + c.cached_tokens * g.cached_per_mtok
                  + c.output_tokens * g.output_per_mtok) / 1000000,
                 0)::numeric(16, 8) as value
          from public.cloud_messages c
          left join refs own_ref on own_ref.model = c.model and own_ref.user_id = c.user_id
          left join refs shared_ref on shared_ref.model = c.model and shared_ref.user_id is null
          cross join lateral (select coalesce(own_ref.reference_model, shared_ref.reference_model) as model) ref
          left join versions u
            on u.model = ref.model and u.user_id = c.user_id
           and c.created_at >= u.valid_from and c.created_at < u.valid_until
          left join versions g
            on g.model = ref.model and g.user_id is null
           and c.created_at >= g.valid_from and c.created_at < g.valid_until
         where c.model = any ($1)
           and ($2::uuid is null or c.user_id = $2)
      ) x
     where x.old is distinct from x.value
  $q$, models, owner, null);
$$;

create or replace function private.device_prices_reprice()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.reprice_write('local_cost_usd', $q$
    select x.id, x.version, x.old, x.value
      from (
        select c.id, c.xmin as version, c.local_cost_usd as old, coalesce(
                 case d.mode
                   when 'hourly' then busy.seconds / 3600 * d.usd_per_hour
                   else busy.seconds / 3600 * d.busy_watts / 1000 * d.usd_per_kwh
                 end, 0)::numeric(16, 8) as value
          from public.cloud_messages c
          left join public.device_prices d on d.device_id = c.device_id
          cross join lateral (
            select case when c.tokens_per_second > 0
                        then c.output_tokens / c.tokens_per_second::numeric
                             + coalesce(c.time_to_first_token_ms, 0) / 1000.0 end as seconds) busy
         where c.device_id = $3
      ) x
     where x.old is distinct from x.value
  $q$, null, null, coalesce(new.device_id, old.device_id));
  return null;
end;
$$;

-- The four update triggers that read transition tables stay out of a re-pricing's update,
-- under the same guard as the per-row triggers' trusted writes: only a statement running as
-- the platform role (inside private.reprice_write, never an API role) with the flag on.
drop trigger usage_hourly_add_update on public.cloud_messages;
create trigger usage_hourly_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.rollups_applied', true), '') = 'on'
  ))
  execute function private.usage_hourly_add_update();

drop trigger usage_local_days_add_update on public.cloud_messages;
create trigger usage_local_days_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.rollups_applied', true), '') = 'on'
  ))
  execute function private.usage_local_days_add_update();

drop trigger cloud_messages_count_update on public.cloud_messages;
create trigger cloud_messages_count_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.rollups_applied', true), '') = 'on'
  ))
  execute function private.cloud_messages_count_update();

-- A re-pricing never changes content, so there is nothing for search to index again.
drop trigger cloud_messages_search_change on public.cloud_messages;
create trigger cloud_messages_search_change
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.rollups_applied', true), '') = 'on'
  ))
  execute function private.message_search_change();

revoke execute on function private.reprice_write(text, text, text[], uuid, uuid) from public, anon, authenticated;
