-- usage_dashboard plans well without statistics, reads its rows by index, sorts the "other"
-- days once, and is split into pieces (docs/usage.md "Reading the page"). Redefines
-- public.usage_dashboard (from …20261206090000; same arguments, same grants, same json, every
-- figure the same).
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
--
-- In pieces: three migrations redefined the whole function to change one part
-- (20261205070100, 20261206090000, this one's first form); the parts that change on their own
-- are now private functions, so the next change replaces only its part:
--   private.usage_dashboard_previous_from  the argument checks; the first day of the range before
--   private.usage_dashboard_range          the local-day rows of a range in the reader's scope and
--                                          filters, keyed by the stacking (this range and the one
--                                          before both read it)
--   private.usage_series_picked            which keys the chart gets on their own (the palette's rule)
--   private.usage_figures_json             the totals object (this range and the one before)
-- What stays in usage_dashboard is the one statement that reads the range once and derives the
-- series, the breakdowns and the day lists from it: a CTE cannot be handed to a function, and
-- reading the range once per piece would read ~9,300 rows a year again for each. The range and
-- figures pieces are inlined by the planner, so the plan reads the range as the whole function did.
--
-- Compared whole, as json text: the by-index form against 20261206090000's over 4 zones x 4
-- ranges x 3 stacks x 5 filters with and without statistics, and the pieces against the by-index
-- form over 4 zones (Chatham included) x 5 ranges (one empty) x 3 stacks x 6 filters, with
-- statistics, after analyze and with them deleted: identical in every case. (This migration had
-- not landed when it was split, so the split was folded in here rather than redefining the
-- function whole a second time.)

-- The checks of every usage read, with their messages and codes; returns the first day of the
-- range of the same length just before.
create function private.usage_dashboard_previous_from(p_from date, p_to date, p_tz text, p_stack text)
returns date
language plpgsql
stable
set search_path = ''
as $$
declare
  previous_from date;
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

  return previous_from;
end;
$$;

-- The local-day rows of [p_from, p_to] in p_tz that the reader sees: their own, or one project's
-- (p_project), narrowed to a device and a model, each with its key for the stacking. Security
-- invoker (the row policy applies) and without settings, so the planner inlines it; a
-- SQL-standard body, so inlining it reads the stored parse tree instead of parsing the text on
-- every call (usage_dashboard plans its statement on every call). Called with
-- the values of an EXECUTE ... USING, which the planner takes as constants: the case keeps only
-- the scope's own condition, so each scope keeps its own index (usage_local_days_key for a user,
-- usage_local_days_project_id_tz_day_idx for a project; an "or" of the two would use neither).
create function private.usage_dashboard_range(
  p_from date, p_to date, p_tz text, p_project uuid, p_device uuid, p_model text, p_stack text
)
returns table (
  day date, model text, device_id uuid, project_id uuid, message_count bigint,
  input_tokens bigint, output_tokens bigint, cached_tokens bigint, cost_usd numeric,
  local_cost_usd numeric, cloud_equivalent_usd numeric, timed_output_tokens bigint,
  generation_seconds numeric, key text
)
language sql
stable
begin atomic
  select d.day, d.model, d.device_id, d.project_id, d.message_count, d.input_tokens,
         d.output_tokens, d.cached_tokens, d.cost_usd, d.local_cost_usd, d.cloud_equivalent_usd,
         d.timed_output_tokens, d.generation_seconds,
         case p_stack when 'device' then d.device_id::text when 'project' then d.project_id::text
                      else d.model end
    from public.usage_local_days d
   where case when p_project is null then d.user_id = (select auth.uid())
              else d.project_id = p_project end
     and d.tz = p_tz and d.day between p_from and p_to
     and (p_device is null or d.device_id = p_device)
     and (p_model is null or d.model = p_model);
end;

-- The chart gives the 6 largest series of the shown metric a colour each and folds the rest
-- into "Other" when there are more than 7 (components/usage/palette.ts MAX_SERIES). Only a key
-- that can be among the 6 largest by cost or by tokens is sent on its own; the others come
-- summed per day. A key tied with the 6th (to a float's rounding) is sent too, so the chart's
-- own ranking of what it gets picks the same 6 it would have picked from every key. Takes each
-- key's totals (one element per key); returns the keys sent on their own (a null key, no device
-- or no project, apart: "= any" misses it) and how many keys there are.
create function private.usage_series_picked(p_keys text[], p_costs float8[], p_tokens float8[])
returns table (keys text[], null_key boolean, key_count bigint)
language plpgsql
immutable
-- Always one row; the default estimate (1,000) made the planner scan the series outside and
-- "picked" once per series row.
rows 1
set search_path = ''
as $$
begin
  -- PL/pgSQL, so the statement's plan is kept for the session (a SQL function's is made again
  -- on every call, and usage_dashboard calls this once per read).
  return query
  with t as (
    select u.key, u.cost, u.tokens
      from rows from (pg_catalog.unnest(p_keys), pg_catalog.unnest(p_costs), pg_catalog.unnest(p_tokens))
           as u(key, cost, tokens)
  ),
  sixth as (
    select (select pg_catalog.count(*) from t) as keys,
           (select t.cost from t order by t.cost desc offset 5 limit 1) as cost,
           (select t.tokens from t order by t.tokens desc offset 5 limit 1) as tokens
  )
  select coalesce(pg_catalog.array_agg(t.key) filter (where t.key is not null), '{}'),
         coalesce(pg_catalog.bool_or(t.key is null), false),
         (select x.keys from sixth x)
    from t cross join sixth x
   where x.keys <= 7 or t.cost >= x.cost * (1 - 1e-9) or t.tokens >= x.tokens * (1 - 1e-9);
end;
$$;

-- The page's figures for a range, as the json object the page reads (null sums are 0).
create function private.usage_figures_json(
  messages numeric, input numeric, output numeric, cached numeric, cost numeric, local numeric,
  cloud numeric, timed numeric, seconds numeric
)
returns json
language sql
immutable
return pg_catalog.json_build_object(
  'messages', coalesce(messages, 0), 'input', coalesce(input, 0),
  'output', coalesce(output, 0), 'cached', coalesce(cached, 0),
  'cost', coalesce(cost, 0), 'local', coalesce(local, 0),
  'cloud', coalesce(cloud, 0),
  'timed', coalesce(timed, 0), 'seconds', coalesce(seconds, 0));

revoke execute on function
  private.usage_dashboard_previous_from(date, date, text, text),
  private.usage_dashboard_range(date, date, text, uuid, uuid, text, text),
  private.usage_series_picked(text[], float8[], float8[]),
  private.usage_figures_json(numeric, numeric, numeric, numeric, numeric, numeric, numeric, numeric, numeric)
  from public, anon;
-- usage_dashboard is security invoker: its caller runs the pieces (and the planner inlines a
-- function only for a role that may execute it).
grant execute on function
  private.usage_dashboard_previous_from(date, date, text, text),
  private.usage_dashboard_range(date, date, text, uuid, uuid, text, text),
  private.usage_series_picked(text[], float8[], float8[]),
  private.usage_figures_json(numeric, numeric, numeric, numeric, numeric, numeric, numeric, numeric, numeric)
  to authenticated;

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
-- Read the range by index (see 20261207060000): with statistics the planner read every zone's
-- rows of a user who owns most of the table and tested the row policy on each. A big range is
-- read by a bitmap heap scan, in the table's order, so every float sum adds in the same order.
set enable_seqscan = off
as $$
declare
  previous_from date := private.usage_dashboard_previous_from(p_from, p_to, p_tz, p_stack);
  result json;
begin
  perform private.usage_local_days_ensure(p_tz, p_project);

  -- EXECUTE: planned for these values each call, so the range piece keeps only its scope's
  -- condition (a cached generic plan would keep both).
  execute $q$
    with cur as materialized (
      select r.day, r.model collate "C" as model, r.device_id, r.project_id, r.message_count,
             r.input_tokens, r.output_tokens, r.cached_tokens, r.cost_usd, r.local_cost_usd,
             r.cloud_equivalent_usd, r.timed_output_tokens, r.generation_seconds, r.key collate "C" as key
        from private.usage_dashboard_range($1, $2, $3, $4, $5, $6, $7) r
    ),
    series as (
      select c.day, c.key, sum(c.cost_usd::float8) as cost, sum((c.input_tokens + c.output_tokens)::float8) as tokens
        from cur c group by c.day, c.key
    ),
    -- Each key's totals from its day series (one hash of ~9,000 rows into one row per key, not
    -- a sort of the whole series by key for a window); they only rank the keys.
    key_totals as (
      select s.key, sum(s.cost) as key_cost, sum(s.tokens) as key_tokens from series s group by s.key
    ),
    -- Materialized: one row, computed once. Inlined (it is read once), a plan that expects
    -- one series row (a zone's rows just built, no statistics yet) ran it again for every row.
    picked as materialized (
      select f.keys collate "C" as keys, f.null_key, f.key_count
        from (select pg_catalog.array_agg(t.key) as keys, pg_catalog.array_agg(t.key_cost) as costs,
                     pg_catalog.array_agg(t.key_tokens) as tokens
                from key_totals t) k
        cross join private.usage_series_picked(k.keys, k.costs, k.tokens) f
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
        from private.usage_dashboard_range($8, $1 - 1, $3, $4, $5, $6, $7) d
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
      'totals', (select private.usage_figures_json(sum(a.messages), sum(a.input), sum(a.output),
          sum(a.cached), sum(a.cost), sum(a.local), sum(a.cloud), sum(a.timed), sum(a.seconds))
        from pairs a),
      'previous', (select private.usage_figures_json(p.messages, p.input, p.output, p.cached, p.cost,
          p.local, p.cloud, p.timed, p.seconds)
        from previous p),
      -- [day, key, cost, tokens] of the keys sent on their own
      'days', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(s.day, s.key, s.cost, s.tokens)
          order by s.day, s.key)
        from sent s where s.alone), '[]'::json),
      -- [day, cost, tokens] of the other keys, summed per day, each day's costs added in key
      -- order from one sort by (day, key); keys: how many there are in all.
      'other_days', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(o.day, o.cost, o.tokens)
          order by o.day)
        from (select s.day, sum(s.cost) as cost, sum(s.tokens) as tokens
                from (select s.day, s.key, s.cost, s.tokens from sent s where not s.alone order by s.day, s.key) s
               group by s.day) o), '[]'::json),
      'keys', (select p.key_count from picked p),
      -- [dimension, model, device, project, messages, input, output, cached, cost, local, cloud, timed, seconds]
      'groups', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array(x.dimension, x.model,
          x.device_id, x.project_id, x.messages, x.input, x.output, x.cached, x.cost, x.local, x.cloud,
          x.timed, x.seconds))
        from groups x), '[]'::json)
    )
  $q$
  into result
  using p_from, p_to, p_tz, p_project, p_device, p_model, p_stack, previous_from;

  return result;
end;
$$;
