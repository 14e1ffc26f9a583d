-- usage_speeds (redefined from …026000; same signature, result columns and order): in a
-- timezone whose offset is not whole hours (Asia/Kathmandu +05:45, India +05:30), a range's
-- first and last local midnights fall inside a UTC hour. The rollup cannot split that hour,
-- so the function used to drop the first edge hour and count the whole of the last one. Now
-- the whole UTC hours inside the range come from usage_hourly and the two edge hours from the
-- messages themselves, only the part inside the range, as usage_report reads its edges: each
-- hour's rate is of exactly the messages the range holds, in every timezone (the property
-- test in supabase/tests/usage-timezones.int.test.ts compares it with the raw messages).
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
  edges as (
    -- The UTC hours a boundary cuts; none in a whole-hour zone.
    select pg_catalog.date_trunc('hour', b.lo, 'UTC') as first_hour,
           b.lo <> pg_catalog.date_trunc('hour', b.lo, 'UTC') as first_cut,
           pg_catalog.date_trunc('hour', b.hi, 'UTC') as last_hour,
           b.hi <> pg_catalog.date_trunc('hour', b.hi, 'UTC') as last_cut
      from bounds b
  ),
  rates as (
    select u.model, u.device_id,
           u.timed_output_tokens::float8 / u.generation_seconds::float8 as rate
      from public.usage_hourly u, bounds b
     where u.hour >= b.lo
       and u.hour + interval '1 hour' <= b.hi
       and u.generation_seconds > 0
       and ((p_project is null and u.user_id = (select auth.uid())) or u.project_id = p_project)
       and (p_device is null or u.device_id = p_device)
       and (p_model is null or u.model = p_model)
    union all
    select e.model, e.device_id, e.timed::float8 / e.seconds::float8
      from (
        select coalesce(m.model, 'unknown') as model, m.device_id,
               coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0) as timed,
               sum(private.message_generation_seconds(m.output_tokens, m.tokens_per_second))
                 as seconds
          from public.cloud_messages m, bounds b, edges g
         where m.deleted_at is null
           and m.created_at >= b.lo
           and m.created_at < b.hi
           and ((g.first_cut and m.created_at < g.first_hour + interval '1 hour')
                or (g.last_cut and m.created_at >= g.last_hour))
           and ((p_project is null and m.user_id = (select auth.uid())) or m.project_id = p_project)
           and (p_device is null or m.device_id = p_device)
           and (p_model is null or coalesce(m.model, 'unknown') = p_model)
         -- One edge hour's rate per rollup key, as usage_hourly keys its rows.
         group by m.user_id, pg_catalog.date_trunc('hour', m.created_at, 'UTC'), 1, 2, m.project_id
      ) e
     where e.seconds > 0
  )
  select r.model, r.device_id, count(*),
         percentile_cont(0.1) within group (order by r.rate),
         percentile_cont(0.5) within group (order by r.rate),
         percentile_cont(0.9) within group (order by r.rate)
    from rates r
   group by r.model, r.device_id
   order by r.model, r.device_id
$$;
