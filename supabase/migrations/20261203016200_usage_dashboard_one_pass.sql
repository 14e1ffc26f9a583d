-- The /usage page's data in one pass over the rollup (redefines public.usage_dashboard from
-- …000530; the result's shape is unchanged), and no JIT for the usage read functions.
--
-- What was slow (npm run bench:usage): usage_dashboard called usage_report over the range and
-- the range before it, so every day of both ranges had its split hour read from the messages
-- in half-hour zones, each report row was sorted by its text keys, and the report was read
-- four times. And at 1,000,000 messages the planner's estimate for the split-hour reads
-- crossed jit_above_cost, so a call spent seconds compiling (3.8 s of a 4.3 s call measured).
--
-- Now: the range before only needs its total, and a total over a span of days is exact when
-- its two ends are: inside it, an hour split by a local midnight can count towards either of
-- its days. So only the split hours at the previous range's start and at each day of the
-- current range are read from the messages. Every figure comes out of one grouping-sets
-- aggregate over those rows (the series, model x device, project); the totals of both ranges
-- and the model and device breakdowns are summed from its few model x device rows.

alter function public.usage_report(date, date, text, uuid, uuid, text) set jit = off;
alter function public.usage_report_days(date, date, text, uuid, uuid, text) set jit = off;
alter function public.usage_speeds(date, date, text, uuid, uuid, text) set jit = off;

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
set jit = off
as $$
declare
  previous_from date;
  lo timestamptz;
  hi timestamptz;
  splits timestamptz[];
  split_ends timestamptz[];
  scope_rollup text;
  scope_messages text;
  result jsonb;
begin
  if p_stack is null or p_stack not in ('model', 'device', 'project') then
    raise exception 'usage_dashboard: stack by model, device or project' using errcode = '22023';
  end if;
  -- The same checks, in the same words, as usage_report (which this used to call over both ranges).
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
  lo := (previous_from::timestamp at time zone p_tz) - interval '1 hour';
  hi := ((p_to + 1)::timestamp at time zone p_tz) + interval '1 hour';
  -- As in usage_report, but only for the midnights whose split matters (see above).
  select coalesce(pg_catalog.array_agg(distinct c.hour), '{}')
    into splits
    from (select d.midnight at time zone p_tz as instant
            from (select previous_from::timestamp as midnight
                  union all
                  select g from pg_catalog.generate_series(p_from::timestamp, (p_to + 1)::timestamp, interval '1 day') as g) d) x
   cross join lateral (
     select pg_catalog.date_trunc('hour', x.instant, 'UTC') + k * interval '1 hour' as hour
       from pg_catalog.generate_series(-1, 1) as k) c
   where x.instant <> pg_catalog.date_trunc('hour', x.instant, 'UTC')
     and (c.hour at time zone p_tz)::date <> ((c.hour + interval '1 hour' - interval '1 microsecond') at time zone p_tz)::date;
  select coalesce(pg_catalog.array_agg(h + interval '1 hour' order by h), '{}'), coalesce(pg_catalog.array_agg(h order by h), '{}')
    into split_ends, splits
    from pg_catalog.unnest(splits) as h;
  if p_project is null then
    scope_rollup := 'u.user_id = (select auth.uid())';
    scope_messages := 'm.user_id = (select auth.uid())';
  else
    scope_rollup := 'u.project_id = $4';
    scope_messages := 'm.project_id = $4';
  end if;

  execute pg_catalog.format($q$
    with parts as (
      select (u.hour at time zone $3)::date as day, u.model, u.device_id, u.project_id, u.message_count,
             u.input_tokens, u.output_tokens, u.cached_tokens, u.cost_usd, u.local_cost_usd,
             u.cloud_equivalent_usd, u.timed_output_tokens, u.generation_seconds
        from public.usage_hourly u
       where %1$s
         and u.hour >= $7 and u.hour < $8
         and ($5 is null or u.device_id = $5)
         and ($6 is null or u.model = $6)
         -- A hashed anti-join: a 700-element "<> all" is compared with every rollup row.
         and u.hour not in (select pg_catalog.unnest(%3$L::timestamptz[]))
      union all
      select r.*
        from rows from (pg_catalog.unnest(%3$L::timestamptz[]), pg_catalog.unnest(%4$L::timestamptz[])) as s(hour, hour_end)
        cross join lateral (
          select (m.created_at at time zone $3)::date, coalesce(m.model, 'unknown'), m.device_id, m.project_id, 1,
                 m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.local_cost_usd,
                 m.cloud_equivalent_usd, case when m.tokens_per_second > 0 then m.output_tokens else 0 end,
                 private.message_generation_seconds(m.output_tokens, m.tokens_per_second)
            from public.cloud_messages m
           where %2$s
             and m.created_at >= s.hour and m.created_at < s.hour_end
             and m.deleted_at is null
             and ($5 is null or m.device_id = $5)
             and ($6 is null or coalesce(m.model, 'unknown') = $6)
          offset 0
        ) r
    ),
    -- Text keys in the C collation: grouping means the same (equality is bytewise either way)
    -- and sorting them no longer goes through the locale's rules.
    tagged as (
      select p.day, p.device_id, p.project_id, p.message_count, p.input_tokens, p.output_tokens,
             p.cached_tokens, p.cost_usd, p.local_cost_usd, p.cloud_equivalent_usd,
             p.timed_output_tokens, p.generation_seconds, p.day >= $1 as cur,
             p.model collate "C" as model,
             (case $10 when 'device' then p.device_id::text when 'project' then p.project_id::text
                       else p.model end) collate "C" as key
        from parts p
       where p.day between $9 and $2
    ),
    -- Three sets; everything else is summed from the model x device rows, a few dozen:
    -- grouping(day, key, model, device_id, project_id) is 7 for a day of the series, 25 for a
    -- model on a device, 30 for a project.
    agg as (
      select t.cur, grouping(t.day, t.key, t.model, t.device_id, t.project_id) as g,
             t.day, t.key, t.model, t.device_id, t.project_id,
             sum(t.message_count) as messages, sum(t.input_tokens) as input,
             sum(t.output_tokens) as output, sum(t.cached_tokens) as cached, sum(t.cost_usd) as cost,
             sum(t.local_cost_usd) as local, sum(t.cloud_equivalent_usd) as cloud,
             sum(t.timed_output_tokens) as timed, sum(t.generation_seconds) as seconds
        from tagged t
       group by grouping sets ((t.cur, t.day, t.key), (t.cur, t.model, t.device_id), (t.cur, t.project_id))
    ),
    pairs as (select * from agg a where a.g = 25),
    groups as (
      select 'model_device' as dimension, a.model, a.device_id, null::uuid as project_id, a.messages, a.input,
             a.output, a.cached, a.cost, a.local, a.cloud, a.timed, a.seconds
        from pairs a where a.cur
      union all
      select 'model', a.model, null, null, sum(a.messages), sum(a.input), sum(a.output), sum(a.cached),
             sum(a.cost), sum(a.local), sum(a.cloud), sum(a.timed), sum(a.seconds)
        from pairs a where a.cur group by a.model
      union all
      select 'device', null, a.device_id, null, sum(a.messages), sum(a.input), sum(a.output), sum(a.cached),
             sum(a.cost), sum(a.local), sum(a.cloud), sum(a.timed), sum(a.seconds)
        from pairs a where a.cur group by a.device_id
      union all
      select 'project', null, null, a.project_id, a.messages, a.input, a.output, a.cached, a.cost, a.local,
             a.cloud, a.timed, a.seconds
        from agg a where a.g = 30 and a.cur
    )
    select pg_catalog.jsonb_build_object(
      'totals', (select pg_catalog.jsonb_build_object(
          'messages', coalesce(sum(a.messages), 0), 'input', coalesce(sum(a.input), 0),
          'output', coalesce(sum(a.output), 0), 'cached', coalesce(sum(a.cached), 0),
          'cost', coalesce(sum(a.cost), 0), 'local', coalesce(sum(a.local), 0),
          'cloud', coalesce(sum(a.cloud), 0),
          'timed', coalesce(sum(a.timed), 0), 'seconds', coalesce(sum(a.seconds), 0))
        from pairs a where a.cur),
      'previous', (select pg_catalog.jsonb_build_object(
          'messages', coalesce(sum(a.messages), 0), 'input', coalesce(sum(a.input), 0),
          'output', coalesce(sum(a.output), 0), 'cached', coalesce(sum(a.cached), 0),
          'cost', coalesce(sum(a.cost), 0), 'local', coalesce(sum(a.local), 0),
          'cloud', coalesce(sum(a.cloud), 0),
          'timed', coalesce(sum(a.timed), 0), 'seconds', coalesce(sum(a.seconds), 0))
        from pairs a where not a.cur),
      -- [day, key, cost, input, output, cached, messages, local]
      'days', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(a.day, a.key, a.cost,
          a.input, a.output, a.cached, a.messages, a.local) order by a.day, a.key)
        from agg a where a.g = 7 and a.cur), '[]'::jsonb),
      -- [dimension, model, device, project, messages, input, output, cached, cost, local, cloud, timed, seconds]
      'groups', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(x.dimension, x.model,
          x.device_id, x.project_id, x.messages, x.input, x.output, x.cached, x.cost, x.local, x.cloud,
          x.timed, x.seconds))
        from groups x), '[]'::jsonb)
    )
  $q$, scope_rollup, scope_messages, splits, split_ends)
  into result
  using p_from, p_to, p_tz, p_project, p_device, p_model, lo, hi, previous_from, p_stack;

  return result;
end;
$$;
