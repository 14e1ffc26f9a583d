-- Lighter /usage reads (docs/usage.md "Reading the page"). Redefines public.usage_dashboard
-- (from …20261204080100; same arguments; returned as json rather than jsonb, and the day
-- series split into the chart's own keys and the rest)
-- and public.usage_speeds (from …20261204080100; same signature, rows and order).
--
-- Why, measured at 1,000,000 messages (npm run bench:usage, a year in UTC): the dashboard took
-- three times as long with its day series as without it, and most of that was building the
-- ~9,000 [day, key, cost, tokens] entries as jsonb (each float converted to jsonb's numeric,
-- then the array sorted and copied); json writes the same text directly, and only the keys
-- the chart can colour are sent one by one (the rest summed per day as "other_days"), which
-- for 30 models is about a third of the entries. usage_speeds computed three ordered-set aggregates per model x
-- device, each sorting the group's hourly rates again; one percentile_cont over an array of
-- fractions sorts once and gives the same three values.

drop function public.usage_dashboard(date, date, text, uuid, uuid, text, text);
create function public.usage_dashboard(
  p_from date,
  p_to date,
  p_tz text,
  p_project uuid default null,
  p_device uuid default null,
  p_model text default null,
  p_stack text default 'model'
)
returns json
language plpgsql
volatile
security invoker
set search_path = ''
set jit = off
as $$
declare
  previous_from date;
  scope text;
  result json;
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
    -- The chart gives the 6 largest series of the shown metric a colour each and folds the
    -- rest into "Other" when there are more than 7 (components/usage/palette.ts MAX_SERIES).
    -- Only a key that can be among the 6 largest by cost or by tokens is sent on its own;
    -- the others come summed per day. A key tied with the 6th (to a float's rounding) is
    -- sent too, so the chart's own ranking of what it gets picks the same 6 it would have
    -- picked from every key.
    keyed as (
      select s.day, s.key, s.cost, s.tokens,
             sum(s.cost) over (partition by s.key) as key_cost,
             sum(s.tokens) over (partition by s.key) as key_tokens
        from series s
    ),
    key_totals as (
      select distinct k.key, k.key_cost, k.key_tokens from keyed k
    ),
    sixth as (
      select (select count(*) from key_totals) as keys,
             (select t.key_cost from key_totals t order by t.key_cost desc offset 5 limit 1) as cost,
             (select t.key_tokens from key_totals t order by t.key_tokens desc offset 5 limit 1) as tokens
    ),
    sent as (
      select k.day, k.key, k.cost, k.tokens,
             x.keys <= 7 or k.key_cost >= x.cost * (1 - 1e-9) or k.key_tokens >= x.tokens * (1 - 1e-9) as alone
        from keyed k cross join sixth x
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
    select pg_catalog.json_build_object(
      'totals', (select pg_catalog.json_build_object(
          'messages', coalesce(sum(a.messages), 0), 'input', coalesce(sum(a.input), 0),
          'output', coalesce(sum(a.output), 0), 'cached', coalesce(sum(a.cached), 0),
          'cost', coalesce(sum(a.cost), 0), 'local', coalesce(sum(a.local), 0),
          'cloud', coalesce(sum(a.cloud), 0),
          'timed', coalesce(sum(a.timed), 0), 'seconds', coalesce(sum(a.seconds), 0))
        from pairs a),
      'previous', (select pg_catalog.json_build_object(
          'messages', coalesce(p.messages, 0), 'input', coalesce(p.input, 0),
          'output', coalesce(p.output, 0), 'cached', coalesce(p.cached, 0),
          'cost', coalesce(p.cost, 0), 'local', coalesce(p.local, 0),
          'cloud', coalesce(p.cloud, 0),
          'timed', coalesce(p.timed, 0), 'seconds', coalesce(p.seconds, 0))
        from previous p),
      -- [day, key, cost, tokens] of the keys sent on their own
      'days', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(s.day, s.key, s.cost, s.tokens)
          order by s.day, s.key)
        from sent s where s.alone), '[]'::json),
      -- [day, cost, tokens] of the other keys, summed per day; keys: how many there are in all
      'other_days', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(o.day, o.cost, o.tokens)
          order by o.day)
        from (select s.day, sum(s.cost) as cost, sum(s.tokens) as tokens
                from sent s where not s.alone group by s.day) o), '[]'::json),
      'keys', (select x.keys from sixth x),
      -- [dimension, model, device, project, messages, input, output, cached, cost, local, cloud, timed, seconds]
      'groups', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(x.dimension, x.model,
          x.device_id, x.project_id, x.messages, x.input, x.output, x.cached, x.cost, x.local, x.cloud,
          x.timed, x.seconds))
        from groups x), '[]'::json)
    )
  $q$, scope)
  into result
  using p_from, p_to, p_tz, p_project, p_device, p_model, p_stack, previous_from;

  return result;
end;
$$;

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
      select q.model, q.device_id, q.hours, q.p[1] as p10, q.p[2] as p50, q.p[3] as p90
        from (
          -- One sort of each group's rates for the three percentiles (three calls sorted it
          -- three times: a third of the call for a year).
          select r.model collate "C" as model, r.device_id, count(*) as hours,
                 percentile_cont(array[0.1, 0.5, 0.9]) within group (order by r.rate) as p
            from rates r
           group by 1, 2
        ) q
    ) g
   order by g.model collate "default", g.device_id
$$;

revoke execute on function public.usage_dashboard(date, date, text, uuid, uuid, text, text) from public, anon;
grant execute on function public.usage_dashboard(date, date, text, uuid, uuid, text, text) to authenticated;
