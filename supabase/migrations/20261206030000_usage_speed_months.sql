-- Tokens per second for /usage without reading every hourly rollup row (docs/usage.md "Speeds").
-- usage_speed_months keeps, per user, UTC month, model, device and project, the exact hourly
-- rates of that month as two arrays (hour of the month, rate), kept by statement triggers on
-- usage_hourly itself; public.usage_speeds (same signature, rows and order as
-- …20261205070100) reads a year as ~400 rows instead of ~29,000 and gives the same values.

create table public.usage_speed_months (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  -- The first instant of the UTC month.
  month timestamptz not null,
  model text not null,
  -- No foreign keys, as in usage_hourly: its triggers move these rows with it.
  device_id uuid,
  project_id uuid,
  -- hours[i] is an hour of the month (0 = its first hour), ascending; rates[i] that hour's
  -- timed output tokens ÷ generation seconds as usage_speeds computes it (float8 of each sum).
  hours smallint[] not null,
  rates double precision[] not null,
  constraint usage_speed_months_key unique nulls not distinct (user_id, month, model, device_id, project_id),
  constraint usage_speed_months_arrays check (
    pg_catalog.cardinality(hours) = pg_catalog.cardinality(rates) and pg_catalog.cardinality(hours) > 0
  )
);

create index usage_speed_months_user_id_month_idx on public.usage_speed_months (user_id, month);
create index usage_speed_months_project_id_month_idx on public.usage_speed_months (project_id, month)
  where project_id is not null;

alter table public.usage_speed_months enable row level security;

revoke all on public.usage_speed_months from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_speed_months from authenticated;

-- The same rows a reader may see in usage_hourly.
create policy "Users and project members can view hourly speeds" on public.usage_speed_months
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

-- Brings the months of the given hourly rollup keys up to date with usage_hourly: each
-- changed hour's element is replaced by the hour's rate now (or dropped when the hour has no
-- timed tokens left). The rows are created empty and locked first, in key order, so two
-- transactions changing different hours of one month take turns and the second merges into
-- what the first committed (a merge from an older snapshot would lose the first's hour).
create or replace function private.usage_speed_months_refresh(
  p_users uuid[],
  p_hours timestamptz[],
  p_models text[],
  p_devices uuid[],
  p_projects uuid[]
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if pg_catalog.cardinality(p_users) = 0 then
    return;
  end if;

  -- Present (a placeholder hour -1, never read, as the check allows no empty row) and locked.
  insert into public.usage_speed_months as s (user_id, month, model, device_id, project_id, hours, rates)
  select distinct c.user_id, pg_catalog.date_trunc('month', c.hour, 'UTC'), c.model, c.device_id,
         c.project_id, '{-1}'::smallint[], '{0}'::float8[]
    from unnest(p_users, p_hours, p_models, p_devices, p_projects) as c(user_id, hour, model, device_id, project_id)
  on conflict on constraint usage_speed_months_key do nothing;
  perform 1
     from public.usage_speed_months s
     join (select distinct c.user_id, pg_catalog.date_trunc('month', c.hour, 'UTC') as month, c.model,
                  c.device_id, c.project_id
             from unnest(p_users, p_hours, p_models, p_devices, p_projects)
                  as c(user_id, hour, model, device_id, project_id)) m
       on s.user_id = m.user_id and s.month = m.month and s.model = m.model
      and s.device_id is not distinct from m.device_id and s.project_id is not distinct from m.project_id
    order by s.id
      for update of s;

  with changed as (
    select distinct c.user_id, pg_catalog.date_trunc('month', c.hour, 'UTC') as month, c.model,
           c.device_id, c.project_id, c.hour,
           (pg_catalog.date_part('epoch', c.hour - pg_catalog.date_trunc('month', c.hour, 'UTC')) / 3600)::smallint as h
      from unnest(p_users, p_hours, p_models, p_devices, p_projects) as c(user_id, hour, model, device_id, project_id)
  ),
  months as (
    select distinct c.user_id, c.month, c.model, c.device_id, c.project_id from changed c
  ),
  -- Each changed hour's rate now, over its rollup rows, computed as usage_speeds computed it
  -- from usage_hourly (float8 of the tokens ÷ float8 of the seconds).
  now_rates as (
    select c.user_id, c.month, c.model, c.device_id, c.project_id, c.h, r.rate
      from changed c
      cross join lateral (
        select pg_catalog.sum(u.timed_output_tokens)::float8 / pg_catalog.sum(u.generation_seconds)::float8 as rate
          from public.usage_hourly u
         where u.user_id = c.user_id and u.hour = c.hour and u.model = c.model
           and u.device_id is not distinct from c.device_id
           and u.project_id is not distinct from c.project_id
        having pg_catalog.sum(u.generation_seconds) > 0
      ) r
  ),
  kept as (
    select m.user_id, m.month, m.model, m.device_id, m.project_id, e.h, e.rate
      from months m
      join public.usage_speed_months s
        on s.user_id = m.user_id and s.month = m.month and s.model = m.model
       and s.device_id is not distinct from m.device_id and s.project_id is not distinct from m.project_id
      cross join lateral unnest(s.hours, s.rates) as e(h, rate)
     where e.h >= 0
       and not exists (select 1 from changed c
                        where c.user_id = m.user_id and c.month = m.month and c.model = m.model
                          and c.device_id is not distinct from m.device_id
                          and c.project_id is not distinct from m.project_id and c.h = e.h)
  ),
  merged as (
    select a.user_id, a.month, a.model, a.device_id, a.project_id,
           pg_catalog.array_agg(a.h order by a.h) as hours, pg_catalog.array_agg(a.rate order by a.h) as rates
      from (select * from kept union all select * from now_rates) a
     group by 1, 2, 3, 4, 5
  ),
  written as (
    update public.usage_speed_months s
       set hours = g.hours, rates = g.rates
      from merged g
     where s.user_id = g.user_id and s.month = g.month and s.model = g.model
       and s.device_id is not distinct from g.device_id and s.project_id is not distinct from g.project_id
    returning s.id
  )
  -- A month left without a timed hour goes (the update above and this delete touch other rows).
  delete from public.usage_speed_months s
   using months m
   where s.user_id = m.user_id and s.month = m.month and s.model = m.model
     and s.device_id is not distinct from m.device_id and s.project_id is not distinct from m.project_id
     and not exists (select 1 from merged g
                      where g.user_id = m.user_id and g.month = m.month and g.model = m.model
                        and g.device_id is not distinct from m.device_id
                        and g.project_id is not distinct from m.project_id);
end;
$$;

-- Each trigger hands over the rollup keys whose speed may have changed; the refresh reads
-- their rates from usage_hourly as they are now, so it does not matter which of the
-- statement's inserts, updates and deletes ran first.
create or replace function private.usage_speed_months_insert()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  k record;
begin
  select pg_catalog.array_agg(n.user_id) as users, pg_catalog.array_agg(n.hour) as hours,
         pg_catalog.array_agg(n.model) as models, pg_catalog.array_agg(n.device_id) as devices,
         pg_catalog.array_agg(n.project_id) as projects
    into k
    from new_rows n where n.generation_seconds > 0;
  if k.users is not null then
    perform private.usage_speed_months_refresh(k.users, k.hours, k.models, k.devices, k.projects);
  end if;
  return null;
end;
$$;

-- Only rows whose speed or key changed: re-pricing writes every row's cost and none of these.
create or replace function private.usage_speed_months_update()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  k record;
begin
  select pg_catalog.array_agg(x.user_id) as users, pg_catalog.array_agg(x.hour) as hours,
         pg_catalog.array_agg(x.model) as models, pg_catalog.array_agg(x.device_id) as devices,
         pg_catalog.array_agg(x.project_id) as projects
    into k
    from new_rows n
    join old_rows o on o.id = n.id
    cross join lateral (values (n.user_id, n.hour, n.model, n.device_id, n.project_id),
                               (o.user_id, o.hour, o.model, o.device_id, o.project_id))
         as x(user_id, hour, model, device_id, project_id)
   where n.timed_output_tokens is distinct from o.timed_output_tokens
      or n.generation_seconds is distinct from o.generation_seconds
      or n.user_id is distinct from o.user_id or n.hour is distinct from o.hour
      or n.model is distinct from o.model or n.device_id is distinct from o.device_id
      or n.project_id is distinct from o.project_id;
  if k.users is not null then
    perform private.usage_speed_months_refresh(k.users, k.hours, k.models, k.devices, k.projects);
  end if;
  return null;
end;
$$;

create or replace function private.usage_speed_months_delete()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  k record;
begin
  select pg_catalog.array_agg(o.user_id) as users, pg_catalog.array_agg(o.hour) as hours,
         pg_catalog.array_agg(o.model) as models, pg_catalog.array_agg(o.device_id) as devices,
         pg_catalog.array_agg(o.project_id) as projects
    into k
    from old_rows o where o.generation_seconds > 0;
  if k.users is not null then
    perform private.usage_speed_months_refresh(k.users, k.hours, k.models, k.devices, k.projects);
  end if;
  return null;
end;
$$;

revoke execute on function private.usage_speed_months_refresh(uuid[], timestamptz[], text[], uuid[], uuid[]) from public, anon, authenticated;
revoke execute on function private.usage_speed_months_insert() from public, anon, authenticated;
revoke execute on function private.usage_speed_months_update() from public, anon, authenticated;
revoke execute on function private.usage_speed_months_delete() from public, anon, authenticated;

create trigger usage_speed_months_insert
  after insert on public.usage_hourly
  referencing new table as new_rows
  for each statement execute function private.usage_speed_months_insert();
create trigger usage_speed_months_update
  after update on public.usage_hourly
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.usage_speed_months_update();
create trigger usage_speed_months_delete
  after delete on public.usage_hourly
  referencing old table as old_rows
  for each statement execute function private.usage_speed_months_delete();

-- Truncating the rollup (tests and resets do) empties its months too: TRUNCATE fires no
-- delete triggers. Only when they still hold rows: a `truncate auth.users cascade` (or a
-- statement naming both tables) has already emptied them, and Postgres refuses to truncate a
-- table again inside the statement that is truncating it ("being used by active queries").
create or replace function private.usage_speed_months_truncate()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from public.usage_speed_months) then
    truncate public.usage_speed_months;
  end if;
  return null;
end;
$$;
revoke execute on function private.usage_speed_months_truncate() from public, anon, authenticated;
create trigger usage_speed_months_truncate
  after truncate on public.usage_hourly
  for each statement execute function private.usage_speed_months_truncate();

-- The months of what is already there.
insert into public.usage_speed_months (user_id, month, model, device_id, project_id, hours, rates)
select u.user_id, pg_catalog.date_trunc('month', u.hour, 'UTC'), u.model, u.device_id, u.project_id,
       pg_catalog.array_agg((pg_catalog.date_part('epoch', u.hour - pg_catalog.date_trunc('month', u.hour, 'UTC')) / 3600)::smallint
         order by u.hour),
       pg_catalog.array_agg(u.timed_output_tokens::float8 / u.generation_seconds::float8 order by u.hour)
  from public.usage_hourly u
 where u.generation_seconds > 0
 group by 1, 2, 3, 4, 5;

create or replace function public.usage_speeds(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null
)
returns table (model text, device_id uuid, hours bigint, p10 double precision, p50 double precision,
               p90 double precision)
language sql
stable
security invoker
set search_path = ''
set jit = off
as $$
  with bounds as (
    select (p_from::timestamp at time zone p_tz) as lo,
           ((p_to + 1)::timestamp at time zone p_tz) as hi
  ),
  -- The parts of the UTC hours a boundary cuts that lie inside the range (none in a
  -- whole-hour zone).
  cuts as (
    select b.lo as cut_from, pg_catalog.date_trunc('hour', b.lo, 'UTC') + interval '1 hour' as cut_to
      from bounds b where b.lo <> pg_catalog.date_trunc('hour', b.lo, 'UTC')
    union all
    select pg_catalog.date_trunc('hour', b.hi, 'UTC'), b.hi
      from bounds b where b.hi <> pg_catalog.date_trunc('hour', b.hi, 'UTC')
  ),
  -- The months the range touches, with the hours of each that lie wholly inside it.
  months as (
    select s.model, s.device_id, s.hours, s.rates,
           pg_catalog.ceil(pg_catalog.date_part('epoch', b.lo - s.month) / 3600)::int as first_hour,
           pg_catalog.floor(pg_catalog.date_part('epoch', b.hi - s.month) / 3600)::int - 1 as last_hour
      from public.usage_speed_months s, bounds b
     where p_project is null and s.user_id = (select auth.uid())
       and s.month > b.lo - interval '32 days' and s.month < b.hi
       and (p_device is null or s.device_id = p_device)
       and (p_model is null or s.model = p_model)
    union all
    select s.model, s.device_id, s.hours, s.rates,
           pg_catalog.ceil(pg_catalog.date_part('epoch', b.lo - s.month) / 3600)::int,
           pg_catalog.floor(pg_catalog.date_part('epoch', b.hi - s.month) / 3600)::int - 1
      from public.usage_speed_months s, bounds b
     where p_project is not null and s.project_id = p_project
       and s.month > b.lo - interval '32 days' and s.month < b.hi
       and (p_device is null or s.device_id = p_device)
       and (p_model is null or s.model = p_model)
  ),
  edge_messages as (
    select m.user_id, m.created_at, m.model, m.device_id, m.project_id, m.output_tokens, m.tokens_per_second
      from cuts c
      cross join lateral (
        select * from public.cloud_messages m
         where p_project is null and m.user_id = (select auth.uid())
           and m.deleted_at is null and m.created_at >= c.cut_from and m.created_at < c.cut_to
        union all
        select * from public.cloud_messages m
         where p_project is not null and m.project_id = p_project
           and m.deleted_at is null and m.created_at >= c.cut_from and m.created_at < c.cut_to
      ) m
  ),
  edge_rates as (
    select e.model, e.device_id, e.timed::float8 / e.seconds::float8 as rate
      from (
        select coalesce(m.model, 'unknown') as model, m.device_id,
               coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0) as timed,
               sum(private.message_generation_seconds(m.output_tokens, m.tokens_per_second))
                 as seconds
          from edge_messages m
         where (p_device is null or m.device_id = p_device)
           and (p_model is null or coalesce(m.model, 'unknown') = p_model)
         -- One edge hour's rate per rollup key, as usage_hourly keys its rows.
         group by m.user_id, pg_catalog.date_trunc('hour', m.created_at, 'UTC'), 1, 2, m.project_id
      ) e
     where e.seconds > 0
  ),
  -- Grouped in the C collation (equality is bytewise either way), ordered as before.
  keys as (
    select m.model collate "C" as model, m.device_id from months m
    union
    select e.model collate "C", e.device_id from edge_rates e
  )
  -- Each model x device's rates gathered from its own month rows (a few hundred rows in all),
  -- so only its own rates are sorted, once, for the three percentiles.
  select k.model, k.device_id, x.hours, x.p[1], x.p[2], x.p[3]
    from keys k
    cross join lateral (
      select count(*) as hours, percentile_cont(array[0.1, 0.5, 0.9]) within group (order by r.rate) as p
        from (
          select e.rate
            from months m
            cross join lateral unnest(m.hours, m.rates) as e(h, rate)
           where m.model = k.model and m.device_id is not distinct from k.device_id
             and e.h >= m.first_hour and e.h <= m.last_hour
          union all
          select e.rate from edge_rates e
           where e.model = k.model and e.device_id is not distinct from k.device_id
        ) r
    ) x
   where x.hours > 0
   order by k.model collate "default", k.device_id
$$;
