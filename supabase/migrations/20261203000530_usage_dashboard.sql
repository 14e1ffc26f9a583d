-- The /usage page in one round trip: totals for the range and the range before it, the
-- per-day series stacked by one dimension, the breakdowns by model, device, project and
-- model x device, and the tokens-per-second distribution. Every figure is a sum over
-- usage_report's rows, so the page, the CSV export and the messages agree exactly.

create or replace function public.usage_dashboard(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null,
  p_stack text default 'model'
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  previous_from date := p_from - (p_to - p_from + 1);
  result jsonb;
begin
  if p_stack is null or p_stack not in ('model', 'device', 'project') then
    raise exception 'usage_dashboard: stack by model, device or project' using errcode = '22023';
  end if;

  with report as (
    select * from public.usage_report(previous_from, p_to, p_tz, p_project, p_device, p_model)
  ),
  cur as (select * from report r where r.day >= p_from),
  prev as (select * from report r where r.day < p_from)
  select pg_catalog.jsonb_build_object(
    'totals', (select pg_catalog.jsonb_build_object(
        'messages', coalesce(sum(c.message_count), 0), 'input', coalesce(sum(c.input_tokens), 0),
        'output', coalesce(sum(c.output_tokens), 0), 'cached', coalesce(sum(c.cached_tokens), 0),
        'cost', coalesce(sum(c.cost_usd), 0), 'local', coalesce(sum(c.local_cost_usd), 0),
        'cloud', coalesce(sum(c.cloud_equivalent_usd), 0),
        'timed', coalesce(sum(c.timed_output_tokens), 0), 'seconds', coalesce(sum(c.generation_seconds), 0))
      from cur c),
    'previous', (select pg_catalog.jsonb_build_object(
        'messages', coalesce(sum(c.message_count), 0), 'input', coalesce(sum(c.input_tokens), 0),
        'output', coalesce(sum(c.output_tokens), 0), 'cached', coalesce(sum(c.cached_tokens), 0),
        'cost', coalesce(sum(c.cost_usd), 0), 'local', coalesce(sum(c.local_cost_usd), 0),
        'cloud', coalesce(sum(c.cloud_equivalent_usd), 0),
        'timed', coalesce(sum(c.timed_output_tokens), 0), 'seconds', coalesce(sum(c.generation_seconds), 0))
      from prev c),
    -- [day, key, cost, input, output, cached, messages, local]
    'days', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x.day, x.key, x.cost,
        x.input, x.output, x.cached, x.messages, x.local) order by x.day, x.key)
      from (select c.day,
                   case p_stack when 'device' then c.device_id::text when 'project' then c.project_id::text
                   else c.model end as key,
                   sum(c.cost_usd) as cost, sum(c.input_tokens) as input, sum(c.output_tokens) as output,
                   sum(c.cached_tokens) as cached, sum(c.message_count) as messages,
                   sum(c.local_cost_usd) as local
              from cur c group by 1, 2) x), '[]'::jsonb),
    -- [model, device, project, messages, input, output, cached, cost, local, cloud, timed, seconds]
    -- grouped by one of model, device, project or model x device (the others null).
    'groups', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(g.dimension, g.model,
        g.device_id, g.project_id, g.messages, g.input, g.output, g.cached, g.cost, g.local, g.cloud,
        g.timed, g.seconds))
      from (select case when grouping(c.model) = 0 and grouping(c.device_id) = 0 then 'model_device'
                        when grouping(c.model) = 0 then 'model'
                        when grouping(c.device_id) = 0 then 'device' else 'project' end as dimension,
                   c.model, c.device_id, c.project_id, sum(c.message_count) as messages,
                   sum(c.input_tokens) as input, sum(c.output_tokens) as output,
                   sum(c.cached_tokens) as cached, sum(c.cost_usd) as cost, sum(c.local_cost_usd) as local,
                   sum(c.cloud_equivalent_usd) as cloud, sum(c.timed_output_tokens) as timed,
                   sum(c.generation_seconds) as seconds
              from cur c
             group by grouping sets ((c.model), (c.device_id), (c.project_id), (c.model, c.device_id))) g),
      '[]'::jsonb)
  ) into result;

  return result;
end;
$$;

revoke execute on function public.usage_dashboard(date, date, text, uuid, uuid, text, text) from public, anon;
grant execute on function public.usage_dashboard(date, date, text, uuid, uuid, text, text) to authenticated;

-- Tokens per second per model and device, as the spread of hourly averages in the range
-- (the UTC hours from the range's first local midnight to its last): one row per model and device.
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
as $$
  select u.model, u.device_id, count(*),
         percentile_cont(0.1) within group (order by (u.timed_output_tokens / u.generation_seconds)::float8),
         percentile_cont(0.5) within group (order by (u.timed_output_tokens / u.generation_seconds)::float8),
         percentile_cont(0.9) within group (order by (u.timed_output_tokens / u.generation_seconds)::float8)
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

revoke execute on function public.usage_speeds(date, date, text, uuid, uuid, text) from public, anon;
grant execute on function public.usage_speeds(date, date, text, uuid, uuid, text) to authenticated;

-- usage_report folded to one row per day (its rows as arrays, costs as exact decimal text),
-- so a CSV export reads a month per request whatever the API's max_rows:
-- [model, device_id, project_id, messages, input, output, cached, cost, local cost, cloud equivalent].
create or replace function public.usage_report_days(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null
)
returns table (day date, rows jsonb)
language sql
stable
security invoker
set search_path = ''
as $$
  select r.day,
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(r.model, r.device_id, r.project_id, r.message_count,
           r.input_tokens, r.output_tokens, r.cached_tokens, r.cost_usd::text, r.local_cost_usd::text,
           r.cloud_equivalent_usd::text)
           order by r.model, r.device_id nulls first, r.project_id nulls first)
    from public.usage_report(p_from, p_to, p_tz, p_project, p_device, p_model) r
   group by r.day
   order by r.day
$$;

revoke execute on function public.usage_report_days(date, date, text, uuid, uuid, text) from public, anon;
grant execute on function public.usage_report_days(date, date, text, uuid, uuid, text) to authenticated;
