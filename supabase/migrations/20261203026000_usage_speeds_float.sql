-- usage_speeds (redefined from …000530, jit off as …016200 set it; same result, same order):
-- each hour's tokens per second is divided in double precision, the type the percentiles
-- take anyway, instead of as numeric first. A numeric division per rollup row was a third of
-- the call at 12 months (npm run bench:usage); the percentiles agree to the last bit or one
-- unit in the last place, far below the one decimal the page shows.
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
  select u.model, u.device_id, count(*),
         percentile_cont(0.1) within group (order by u.timed_output_tokens::float8 / u.generation_seconds::float8),
         percentile_cont(0.5) within group (order by u.timed_output_tokens::float8 / u.generation_seconds::float8),
         percentile_cont(0.9) within group (order by u.timed_output_tokens::float8 / u.generation_seconds::float8)
    from public.usage_hourly u
   where u.hour >= (p_from::timestamp at time zone p_tz)
     and u.hour < ((p_to + 1)::timestamp at time zone p_tz)
     and u.generation_seconds > 0
     and ((p_project is null and u.user_id = (select auth.uid())) or u.project_id = p_project)
     and (p_device is null or u.device_id = p_device)
     and (p_model is null or u.model = p_model)
   group by u.model, u.device_id
   order by u.model, u.device_id
$$;
