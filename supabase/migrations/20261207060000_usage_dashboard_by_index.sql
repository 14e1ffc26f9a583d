-- usage_dashboard plans well without statistics, reads its rows by index and sorts the "other"
-- days once (docs/usage.md "Reading the page"). Redefines public.usage_dashboard (from
-- …20261206090000; same arguments, same json, every figure the same); it is one statement, so it
-- is given again whole.
--
-- Why, profiled on a year at 1,000,000 messages (~9,300 local-day rows per zone, 1 user):
--   - Right after a zone's rows are built (its first read) usage_local_days has no statistics
--     until autovacuum analyzes it, so the planner expects one series row. The "picked" CTE is
--     read once, so it was inlined into "sent" and its aggregate over the key totals ran again
--     for every series row (9,300 times, 280,000 inner rows): ~80 ms a call for a year instead
--     of ~40. It is now materialized: one row, computed once, whatever the estimates.
--   - With statistics, the planner read the range by a sequential scan of every zone's rows (the
--     bench user owns the whole table), testing the row policy on each: ~28,000 rows for ~9,300.
--     Reading by the index is ~3 ms instead of ~14 ms in EXPLAIN ANALYZE, ~10% of the call in
--     same-run A/B. enable_seqscan = off for this one statement fixes the choice: each scope has
--     its index (usage_local_days_key for a user, usage_local_days_project_id_tz_day_idx for a
--     project), so there is always an index path and no reason to read the table whole. A big
--     range is then read by a bitmap heap scan, which returns rows in the table's order, as the
--     sequential scan did, so each (day, key)'s float cost sum adds the same rows in the same order.
--   - other_days added each day's costs with sum(... order by key), which sorts every day's rows
--     again after the sort by day; one sort by (day, key) feeds them in the same order (~3%).
-- Compared whole, old vs new json text, over 4 zones x 4 ranges x 3 stacks x 5 filters, with and
-- without statistics: identical.

create or replace function public.usage_dashboard(
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
-- Read the range by index (usage_local_days_key or the project index): see the header.
set enable_seqscan = off
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
      select c.day, c.key, sum(c.cost_usd::float8) as cost, sum((c.input_tokens + c.output_tokens)::float8) as tokens
        from cur c group by c.day, c.key
    ),
    -- The chart gives the 6 largest series of the shown metric a colour each and folds the
    -- rest into "Other" when there are more than 7 (components/usage/palette.ts MAX_SERIES).
    -- Only a key that can be among the 6 largest by cost or by tokens is sent on its own;
    -- the others come summed per day. A key tied with the 6th (to a float's rounding) is
    -- sent too, so the chart's own ranking of what it gets picks the same 6 it would have
    -- picked from every key.
    -- Each key's totals from its day series (one hash of ~9,000 rows into one row per key, not
    -- a sort of the whole series by key for a window); they only rank the keys.
    key_totals as (
      select s.key, sum(s.cost) as key_cost, sum(s.tokens) as key_tokens from series s group by s.key
    ),
    sixth as (
      select (select count(*) from key_totals) as keys,
             (select t.key_cost from key_totals t order by t.key_cost desc offset 5 limit 1) as cost,
             (select t.key_tokens from key_totals t order by t.key_tokens desc offset 5 limit 1) as tokens
    ),
    -- The keys sent on their own (a null key, no device or no project, apart: "= any" misses it).
    -- Materialized: one row, computed once. Inlined (it is read once), a plan that expects
    -- one series row (a zone's rows just built, no statistics yet) ran it again for every row.
    picked as materialized (
      select coalesce(pg_catalog.array_agg(t.key) filter (where t.key is not null), '{}') as keys,
             coalesce(pg_catalog.bool_or(t.key is null), false) as null_key
        from key_totals t cross join sixth x
       where x.keys <= 7 or t.key_cost >= x.cost * (1 - 1e-9) or t.key_tokens >= x.tokens * (1 - 1e-9)
    ),
    sent as (
      select s.day, s.key, s.cost, s.tokens,
             case when s.key is null then p.null_key else s.key = any (p.keys) end as alone
        from series s cross join picked p
    ),
    -- One pass of the exact sums per model x device x project; the pairs and the projects add
    -- up these few rows (numeric and bigint sums regroup exactly) instead of each summing the
    -- whole range again.
    combos as (
      select c.model, c.device_id, c.project_id, sum(c.message_count) as messages, sum(c.input_tokens) as input,
             sum(c.output_tokens) as output, sum(c.cached_tokens) as cached, sum(c.cost_usd) as cost,
             sum(c.local_cost_usd) as local, sum(c.cloud_equivalent_usd) as cloud,
             sum(c.timed_output_tokens) as timed, sum(c.generation_seconds) as seconds
        from cur c group by c.model, c.device_id, c.project_id
    ),
    pairs as (
      select c.model, c.device_id, sum(c.messages) as messages, sum(c.input) as input, sum(c.output) as output,
             sum(c.cached) as cached, sum(c.cost) as cost, sum(c.local) as local, sum(c.cloud) as cloud,
             sum(c.timed) as timed, sum(c.seconds) as seconds
        from combos c group by c.model, c.device_id
    ),
    projects as (
      select c.project_id, sum(c.messages) as messages, sum(c.input) as input, sum(c.output) as output,
             sum(c.cached) as cached, sum(c.cost) as cost, sum(c.local) as local, sum(c.cloud) as cloud,
             sum(c.timed) as timed, sum(c.seconds) as seconds
        from combos c group by c.project_id
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
      -- [day, cost, tokens] of the other keys, summed per day; keys: how many there are in all.
      -- Each day's costs are added in key order, as before, but fed sorted by (day, key) in one
      -- sort, so the aggregate no longer sorts each day's rows again (it adds rows in the order
      -- it reads them, whether it groups by sort or by hash).
      'other_days', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(o.day, o.cost, o.tokens)
          order by o.day)
        from (select s.day, sum(s.cost) as cost, sum(s.tokens) as tokens
                from (select s.day, s.key, s.cost, s.tokens from sent s where not s.alone order by s.day, s.key) s
               group by s.day) o), '[]'::json),
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
