-- The range's bounds in UTC and the UTC hours a zone's midnight cuts, each written once
-- (the stop-26 review: every redefinition of usage_speeds copied both CTEs).
-- private.usage_range_bounds and private.usage_range_cuts are SQL-standard bodies without a SET
-- clause, so they are bound when created and the planner inlines them into the caller like the
-- CTEs they replace. public.usage_speeds (from …20261206030000) is given again whole, since it
-- is one statement: only its first two CTEs changed, its rows are the same.
-- usage_dashboard, usage_report and so the CSV export read whole local days
-- (usage_local_days, …20261204080100) and cut no hours: they have neither CTE.

-- The local days p_from to p_to in p_tz as UTC instants, lo inclusive, hi exclusive.
create function private.usage_range_bounds(p_from date, p_to date, p_tz text)
returns table (lo timestamptz, hi timestamptz)
language sql
stable
begin atomic
  select (p_from::timestamp at time zone p_tz), ((p_to + 1)::timestamp at time zone p_tz);
end;

-- The parts of the UTC hours a bound cuts that lie inside the range: none in a whole-hour
-- zone, up to two in a half- or quarter-hour zone (their messages are read one by one).
create function private.usage_range_cuts(p_from date, p_to date, p_tz text)
returns table (cut_from timestamptz, cut_to timestamptz)
language sql
stable
begin atomic
  select b.lo, pg_catalog.date_trunc('hour', b.lo, 'UTC') + interval '1 hour'
    from private.usage_range_bounds(p_from, p_to, p_tz) b
   where b.lo <> pg_catalog.date_trunc('hour', b.lo, 'UTC')
  union all
  select pg_catalog.date_trunc('hour', b.hi, 'UTC'), b.hi
    from private.usage_range_bounds(p_from, p_to, p_tz) b
   where b.hi <> pg_catalog.date_trunc('hour', b.hi, 'UTC');
end;

revoke execute on function private.usage_range_bounds(date, date, text) from public, anon;
grant execute on function private.usage_range_bounds(date, date, text) to authenticated;
revoke execute on function private.usage_range_cuts(date, date, text) from public, anon;
grant execute on function private.usage_range_cuts(date, date, text) to authenticated;

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
    select b.lo, b.hi from private.usage_range_bounds(p_from, p_to, p_tz) b
  ),
  cuts as (
    select c.cut_from, c.cut_to from private.usage_range_cuts(p_from, p_to, p_tz) c
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
