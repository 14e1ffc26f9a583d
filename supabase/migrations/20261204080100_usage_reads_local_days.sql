-- The usage reads from the local-day rollup (…080000). Redefines public.usage_report (from
-- …000520), public.usage_report_days (…000530, its rows now json) and public.usage_dashboard
-- (…016200, its "days" entries now [day, key, cost, tokens]) and public.usage_speeds
-- (…029000): same signatures. The first three are now volatile, because the first read of a
-- zone builds its rows (private.usage_local_days_ensure) and the later statements must see them.
--
-- Scope as before: the caller's own usage, or with p_project everyone's usage in the project,
-- filtered by the rollup's policy (security invoker).

create or replace function public.usage_report(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null
)
returns table (
  day date, model text, device_id uuid, project_id uuid, message_count bigint,
  input_tokens bigint, output_tokens bigint, cached_tokens bigint, cost_usd numeric,
  local_cost_usd numeric, cloud_equivalent_usd numeric, timed_output_tokens bigint,
  generation_seconds numeric
)
language plpgsql
volatile
security invoker
set search_path = ''
set jit = off
as $$
begin
  if p_from is null or p_to is null or p_to < p_from then
    raise exception 'usage_report: the range must end on or after its start' using errcode = '22023';
  end if;
  if p_to - p_from > 800 then
    raise exception 'usage_report: the range is longer than 800 days' using errcode = '22023';
  end if;
  if p_tz is null or not private.is_timezone(p_tz) then
    raise exception 'usage_report: unknown timezone %', p_tz using errcode = '22023';
  end if;
  perform private.usage_local_days_ensure(p_tz, p_project);

  -- Two statements rather than one with "or": each keeps its own index.
  if p_project is null then
    return query
    select d.day, d.model, d.device_id, d.project_id, d.message_count, d.input_tokens, d.output_tokens,
           d.cached_tokens, d.cost_usd, d.local_cost_usd, d.cloud_equivalent_usd, d.timed_output_tokens,
           d.generation_seconds
      from public.usage_local_days d
     where d.user_id = (select auth.uid()) and d.tz = p_tz and d.day between p_from and p_to
       and (p_device is null or d.device_id = p_device)
       and (p_model is null or d.model = p_model)
     order by d.day, d.model, d.device_id nulls first, d.project_id nulls first;
  else
    -- Several members' rows share a key: summed.
    return query
    select d.day, d.model, d.device_id, d.project_id, sum(d.message_count)::bigint,
           sum(d.input_tokens)::bigint, sum(d.output_tokens)::bigint, sum(d.cached_tokens)::bigint,
           sum(d.cost_usd), sum(d.local_cost_usd), sum(d.cloud_equivalent_usd),
           sum(d.timed_output_tokens)::bigint, sum(d.generation_seconds)
      from public.usage_local_days d
     where d.project_id = p_project and d.tz = p_tz and d.day between p_from and p_to
       and (p_device is null or d.device_id = p_device)
       and (p_model is null or d.model = p_model)
     group by d.day, d.model, d.device_id, d.project_id
     order by d.day, d.model, d.device_id nulls first, d.project_id nulls first;
  end if;
end;
$$;

revoke execute on function public.usage_report(date, date, text, uuid, uuid, text) from public, anon;
grant execute on function public.usage_report(date, date, text, uuid, uuid, text) to authenticated;

-- One row per day with that day's report rows as a JSON array (the CSV export's read). Now
-- json, not jsonb: the export only passes the rows on, and building them as jsonb (each
-- number converted to jsonb's numeric) took twice as long for the same text.
drop function public.usage_report_days(date, date, text, uuid, uuid, text);
create function public.usage_report_days(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null
)
returns table (day date, rows json)
language sql
volatile
security invoker
set search_path = ''
set jit = off
as $$
  select r.day,
         pg_catalog.json_agg(pg_catalog.json_build_array(r.model, r.device_id, r.project_id, r.message_count,
           r.input_tokens, r.output_tokens, r.cached_tokens, r.cost_usd::text, r.local_cost_usd::text,
           r.cloud_equivalent_usd::text)
           order by r.model, r.device_id nulls first, r.project_id nulls first)
    from public.usage_report(p_from, p_to, p_tz, p_project, p_device, p_model) r
   group by r.day
   order by r.day
$$;

revoke execute on function public.usage_report_days(date, date, text, uuid, uuid, text) from public, anon;
grant execute on function public.usage_report_days(date, date, text, uuid, uuid, text) to authenticated;

-- The /usage page's figures from the local-day rollup (redefines …016200): the range's rows
-- read once, then the series, the model x device pairs and the projects each summed from
-- them, and the previous range's total in one more index range scan. The JSON is that of
-- …016200 except "days", now [day, key, cost, tokens] with cost and tokens as double
-- precision: the chart draws them and needs nothing more (building and sending 9,000
-- eight-field entries of exact decimals for a year took longer than the sums).
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
volatile
security invoker
set search_path = ''
set jit = off
as $$
declare
  previous_from date;
  scope text;
  result jsonb;
begin
  if p_stack is null or p_stack not in ('model', 'device', 'project') then
    raise exception 'usage_dashboard: stack by model, device or project' using errcode = '22023';
  end if;
  if p_from is null or p_to is null or p_to < p_from then
    raise exception 'usage_report: the range must end on or after its start' using errcode = '22023';
  end if;
  previous_from := p_from - (p_to - p_from + 1);
  if p_to - previous_from > 800 then
    raise exception 'usage_report: the range is longer than 800 days' using errcode = '22023';
  end if;
  if p_tz is null or not private.is_timezone(p_tz) then
    raise exception 'usage_report: unknown timezone %', p_tz using errcode = '22023';
  end if;
  perform private.usage_local_days_ensure(p_tz, p_project);
  -- The scope written into the query, so each keeps its own index (an "or" of the two does not).
  scope := case when p_project is null then 'd.user_id = (select auth.uid())' else 'd.project_id = $4' end;

  execute pg_catalog.format($q$
    with cur as materialized (
      select d.day, d.model collate "C" as model, d.device_id, d.project_id, d.message_count,
             d.input_tokens, d.output_tokens, d.cached_tokens, d.cost_usd, d.local_cost_usd,
             d.cloud_equivalent_usd, d.timed_output_tokens, d.generation_seconds,
             (case $7 when 'device' then d.device_id::text when 'project' then d.project_id::text
                      else d.model end) collate "C" as key
        from public.usage_local_days d
       where %1$s and d.tz = $3 and d.day between $1 and $2
         and ($5 is null or d.device_id = $5)
         and ($6 is null or d.model = $6)
    ),
    series as (
      select c.day, c.key, sum(c.cost_usd::float8) as cost, sum(c.input_tokens + c.output_tokens)::float8 as tokens
        from cur c group by c.day, c.key
    ),
    pairs as (
      select c.model, c.device_id, sum(c.message_count) as messages, sum(c.input_tokens) as input,
             sum(c.output_tokens) as output, sum(c.cached_tokens) as cached, sum(c.cost_usd) as cost,
             sum(c.local_cost_usd) as local, sum(c.cloud_equivalent_usd) as cloud,
             sum(c.timed_output_tokens) as timed, sum(c.generation_seconds) as seconds
        from cur c group by c.model, c.device_id
    ),
    projects as (
      select c.project_id, sum(c.message_count) as messages, sum(c.input_tokens) as input,
             sum(c.output_tokens) as output, sum(c.cached_tokens) as cached, sum(c.cost_usd) as cost,
             sum(c.local_cost_usd) as local, sum(c.cloud_equivalent_usd) as cloud,
             sum(c.timed_output_tokens) as timed, sum(c.generation_seconds) as seconds
        from cur c group by c.project_id
    ),
    previous as (
      select sum(d.message_count) as messages, sum(d.input_tokens) as input, sum(d.output_tokens) as output,
             sum(d.cached_tokens) as cached, sum(d.cost_usd) as cost, sum(d.local_cost_usd) as local,
             sum(d.cloud_equivalent_usd) as cloud, sum(d.timed_output_tokens) as timed,
             sum(d.generation_seconds) as seconds
        from public.usage_local_days d
       where %1$s and d.tz = $3 and d.day between $8 and $1 - 1
         and ($5 is null or d.device_id = $5)
         and ($6 is null or d.model = $6)
    ),
    groups as (
      select 'model_device' as dimension, a.model, a.device_id, null::uuid as project_id, a.messages, a.input,
             a.output, a.cached, a.cost, a.local, a.cloud, a.timed, a.seconds
        from pairs a
      union all
      select 'model', a.model, null, null, sum(a.messages), sum(a.input), sum(a.output), sum(a.cached),
             sum(a.cost), sum(a.local), sum(a.cloud), sum(a.timed), sum(a.seconds)
        from pairs a group by a.model
      union all
      select 'device', null, a.device_id, null, sum(a.messages), sum(a.input), sum(a.output), sum(a.cached),
             sum(a.cost), sum(a.local), sum(a.cloud), sum(a.timed), sum(a.seconds)
        from pairs a group by a.device_id
      union all
      select 'project', null, null, a.project_id, a.messages, a.input, a.output, a.cached, a.cost, a.local,
             a.cloud, a.timed, a.seconds
        from projects a
    )
    select pg_catalog.jsonb_build_object(
      'totals', (select pg_catalog.jsonb_build_object(
          'messages', coalesce(sum(a.messages), 0), 'input', coalesce(sum(a.input), 0),
          'output', coalesce(sum(a.output), 0), 'cached', coalesce(sum(a.cached), 0),
          'cost', coalesce(sum(a.cost), 0), 'local', coalesce(sum(a.local), 0),
          'cloud', coalesce(sum(a.cloud), 0),
          'timed', coalesce(sum(a.timed), 0), 'seconds', coalesce(sum(a.seconds), 0))
        from pairs a),
      'previous', (select pg_catalog.jsonb_build_object(
          'messages', coalesce(p.messages, 0), 'input', coalesce(p.input, 0),
          'output', coalesce(p.output, 0), 'cached', coalesce(p.cached, 0),
          'cost', coalesce(p.cost, 0), 'local', coalesce(p.local, 0),
          'cloud', coalesce(p.cloud, 0),
          'timed', coalesce(p.timed, 0), 'seconds', coalesce(p.seconds, 0))
        from previous p),
      -- [day, key, cost, tokens]
      'days', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s.day, s.key, s.cost, s.tokens)
          order by s.day, s.key)
        from series s), '[]'::jsonb),
      -- [dimension, model, device, project, messages, input, output, cached, cost, local, cloud, timed, seconds]
      'groups', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x.dimension, x.model,
          x.device_id, x.project_id, x.messages, x.input, x.output, x.cached, x.cost, x.local, x.cloud,
          x.timed, x.seconds))
        from groups x), '[]'::jsonb)
    )
  $q$, scope)
  into result
  using p_from, p_to, p_tz, p_project, p_device, p_model, p_stack, previous_from;

  return result;
end;
$$;

-- usage_speeds (from …029000; same signature, rows and order): the same rates, read with
-- narrow index ranges. The caller's scope is one of two branches, not an "or" (which kept the
-- planner from the (user_id, created_at) index), and the two hours a range edge cuts are read
-- as two one-hour ranges, not as a filter over every message of the range (4-6 s for a year
-- at 1,000,000 messages).
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
  whole as (
    select u.model, u.device_id, u.timed_output_tokens, u.generation_seconds
      from public.usage_hourly u, bounds b
     where p_project is null and u.user_id = (select auth.uid())
       and u.hour >= b.lo and u.hour + interval '1 hour' <= b.hi
    union all
    select u.model, u.device_id, u.timed_output_tokens, u.generation_seconds
      from public.usage_hourly u, bounds b
     where p_project is not null and u.project_id = p_project
       and u.hour >= b.lo and u.hour + interval '1 hour' <= b.hi
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
  rates as (
    select w.model, w.device_id,
           w.timed_output_tokens::float8 / w.generation_seconds::float8 as rate
      from whole w
     where w.generation_seconds > 0
       and (p_device is null or w.device_id = p_device)
       and (p_model is null or w.model = p_model)
    union all
    select e.model, e.device_id, e.timed::float8 / e.seconds::float8
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
  )
  -- Grouped in the C collation (grouping means the same: equality is bytewise either way, and
  -- sorting 30,000 hourly rows by the locale's rules was a fifth of the call), ordered as before.
  select g.model, g.device_id, g.hours, g.p10, g.p50, g.p90
    from (
      select r.model collate "C" as model, r.device_id, count(*) as hours,
             percentile_cont(0.1) within group (order by r.rate) as p10,
             percentile_cont(0.5) within group (order by r.rate) as p50,
             percentile_cont(0.9) within group (order by r.rate) as p90
        from rates r
       group by 1, 2
    ) g
   order by g.model collate "default", g.device_id
$$;
