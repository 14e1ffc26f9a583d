-- Hourly usage rollups, so usage reports can draw day boundaries in any timezone and still
-- equal the messages exactly (docs/usage.md "Day boundaries"): a local day is a set of whole
-- UTC hours read from this rollup, plus, in zones whose offset is not a whole number of hours,
-- the one hour per day that a local midnight splits, read from the messages themselves.

create table public.usage_hourly (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  -- The UTC hour the messages were written in (its start).
  hour timestamptz not null,
  model text not null,
  -- No foreign keys, as in usage_daily: the message triggers move the rollup with them.
  device_id uuid,
  project_id uuid,
  message_count bigint not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  cost_usd numeric(20, 8) not null default 0,
  local_cost_usd numeric(20, 8) not null default 0,
  cloud_equivalent_usd numeric(20, 8) not null default 0,
  -- Output tokens of the messages that report a speed, and their generation time, for the
  -- average tokens per second.
  timed_output_tokens bigint not null default 0,
  generation_seconds numeric(24, 6) not null default 0,
  constraint usage_hourly_key unique nulls not distinct (user_id, hour, model, device_id, project_id)
);

create index usage_hourly_user_id_hour_idx on public.usage_hourly (user_id, hour);
create index usage_hourly_project_id_hour_idx on public.usage_hourly (project_id, hour) where project_id is not null;

alter table public.usage_hourly enable row level security;

revoke all on public.usage_hourly from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_hourly from authenticated;

create policy "Users and project members can view hourly usage" on public.usage_hourly
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

-- The split hours are read from the messages by time.
create index cloud_messages_user_id_created_at_idx on public.cloud_messages (user_id, created_at)
  where deleted_at is null;
create index cloud_messages_project_id_created_at_idx on public.cloud_messages (project_id, created_at)
  where deleted_at is null and project_id is not null;

-- One message's contribution to its hour: the same expressions in every trigger, so what
-- is added is exactly what is later taken away.
create or replace function private.message_generation_seconds(output_tokens integer, tokens_per_second real)
returns numeric
language sql
immutable
set search_path = ''
as $$
  select case when tokens_per_second > 0
              then pg_catalog.round(output_tokens / tokens_per_second::numeric, 6) else 0 end
$$;


create or replace function private.usage_hourly_add_insert()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.usage_hourly as u
    (user_id, hour, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select n.user_id, pg_catalog.date_trunc('hour', n.created_at, 'UTC'), coalesce(n.model, 'unknown'),
         n.device_id, n.project_id, count(*), sum(n.input_tokens), sum(n.output_tokens),
         sum(n.cached_tokens), sum(n.cost_usd), sum(n.local_cost_usd), sum(n.cloud_equivalent_usd),
         coalesce(sum(n.output_tokens) filter (where n.tokens_per_second > 0), 0),
         sum(private.message_generation_seconds(n.output_tokens, n.tokens_per_second))
    from new_rows n
   where n.deleted_at is null
   group by 1, 2, 3, 4, 5
  on conflict on constraint usage_hourly_key do update
    set message_count = u.message_count + excluded.message_count,
        input_tokens = u.input_tokens + excluded.input_tokens,
        output_tokens = u.output_tokens + excluded.output_tokens,
        cached_tokens = u.cached_tokens + excluded.cached_tokens,
        cost_usd = u.cost_usd + excluded.cost_usd,
        local_cost_usd = u.local_cost_usd + excluded.local_cost_usd,
        cloud_equivalent_usd = u.cloud_equivalent_usd + excluded.cloud_equivalent_usd,
        timed_output_tokens = u.timed_output_tokens + excluded.timed_output_tokens,
        generation_seconds = u.generation_seconds + excluded.generation_seconds;
  return null;
end;
$$;

create or replace function private.usage_hourly_add_update()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with deltas as (
    select n.user_id, pg_catalog.date_trunc('hour', n.created_at, 'UTC') as hour,
           coalesce(n.model, 'unknown') as model, n.device_id, n.project_id, 1 as messages,
           n.input_tokens as input, n.output_tokens as output, n.cached_tokens as cached,
           n.cost_usd as cost, n.local_cost_usd as local_cost, n.cloud_equivalent_usd as cloud,
           case when n.tokens_per_second > 0 then n.output_tokens else 0 end as timed,
           private.message_generation_seconds(n.output_tokens, n.tokens_per_second) as gen
      from new_rows n where n.deleted_at is null
    union all
    select o.user_id, pg_catalog.date_trunc('hour', o.created_at, 'UTC'), coalesce(o.model, 'unknown'),
           o.device_id, o.project_id, -1, -o.input_tokens, -o.output_tokens, -o.cached_tokens,
           -o.cost_usd, -o.local_cost_usd, -o.cloud_equivalent_usd,
           case when o.tokens_per_second > 0 then -o.output_tokens else 0 end,
           -private.message_generation_seconds(o.output_tokens, o.tokens_per_second)
      from old_rows o where o.deleted_at is null
  ),
  summed as (
    select d.user_id, d.hour, d.model, d.device_id, d.project_id, sum(d.messages) as messages,
           sum(d.input) as input, sum(d.output) as output, sum(d.cached) as cached, sum(d.cost) as cost,
           sum(d.local_cost) as local_cost, sum(d.cloud) as cloud, sum(d.timed) as timed, sum(d.gen) as gen
      from deltas d
     group by 1, 2, 3, 4, 5
    having sum(d.messages) <> 0 or sum(d.input) <> 0 or sum(d.output) <> 0 or sum(d.cached) <> 0
        or sum(d.cost) <> 0 or sum(d.local_cost) <> 0 or sum(d.cloud) <> 0 or sum(d.timed) <> 0
        or sum(d.gen) <> 0
  ),
  applied as (
    insert into public.usage_hourly as u
      (user_id, hour, model, device_id, project_id, message_count, input_tokens, output_tokens,
       cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
    select s.user_id, s.hour, s.model, s.device_id, s.project_id, s.messages, s.input, s.output,
           s.cached, s.cost, s.local_cost, s.cloud, s.timed, s.gen
      from summed s
    on conflict on constraint usage_hourly_key do update
      set message_count = u.message_count + excluded.message_count,
          input_tokens = u.input_tokens + excluded.input_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          cost_usd = u.cost_usd + excluded.cost_usd,
          local_cost_usd = u.local_cost_usd + excluded.local_cost_usd,
          cloud_equivalent_usd = u.cloud_equivalent_usd + excluded.cloud_equivalent_usd,
          timed_output_tokens = u.timed_output_tokens + excluded.timed_output_tokens,
          generation_seconds = u.generation_seconds + excluded.generation_seconds
    returning u.id, u.message_count
  )
  select pg_catalog.array_agg(a.id) into emptied from applied a where a.message_count = 0;
  -- A second statement: rows changed by a data-modifying CTE are invisible to its outer query.
  delete from public.usage_hourly u where u.id = any (emptied);
  return null;
end;
$$;

create or replace function private.usage_hourly_add_delete()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with summed as (
    select o.user_id, pg_catalog.date_trunc('hour', o.created_at, 'UTC') as hour,
           coalesce(o.model, 'unknown') as model, o.device_id, o.project_id, count(*) as messages,
           sum(o.input_tokens) as input, sum(o.output_tokens) as output, sum(o.cached_tokens) as cached,
           sum(o.cost_usd) as cost, sum(o.local_cost_usd) as local_cost, sum(o.cloud_equivalent_usd) as cloud,
           coalesce(sum(o.output_tokens) filter (where o.tokens_per_second > 0), 0) as timed,
           sum(private.message_generation_seconds(o.output_tokens, o.tokens_per_second)) as gen
      from old_rows o
     where o.deleted_at is null
     group by 1, 2, 3, 4, 5
  ),
  applied as (
    update public.usage_hourly u
       set message_count = u.message_count - s.messages,
           input_tokens = u.input_tokens - s.input,
           output_tokens = u.output_tokens - s.output,
           cached_tokens = u.cached_tokens - s.cached,
           cost_usd = u.cost_usd - s.cost,
           local_cost_usd = u.local_cost_usd - s.local_cost,
           cloud_equivalent_usd = u.cloud_equivalent_usd - s.cloud,
           timed_output_tokens = u.timed_output_tokens - s.timed,
           generation_seconds = u.generation_seconds - s.gen
      from summed s
     where u.user_id = s.user_id and u.hour = s.hour and u.model = s.model
       and u.device_id is not distinct from s.device_id
       and u.project_id is not distinct from s.project_id
    returning u.id, u.message_count
  )
  select pg_catalog.array_agg(a.id) into emptied from applied a where a.message_count = 0;
  delete from public.usage_hourly u where u.id = any (emptied);
  return null;
end;
$$;

create trigger usage_hourly_add_insert
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.usage_hourly_add_insert();
create trigger usage_hourly_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.usage_hourly_add_update();
create trigger usage_hourly_add_delete
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.usage_hourly_add_delete();

revoke execute on function
  private.usage_hourly_add_insert(),
  private.usage_hourly_add_update(),
  private.usage_hourly_add_delete()
  from public, anon, authenticated;

-- Messages already synced before this migration.
insert into public.usage_hourly
  (user_id, hour, model, device_id, project_id, message_count, input_tokens, output_tokens,
   cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
select m.user_id, pg_catalog.date_trunc('hour', m.created_at, 'UTC'), coalesce(m.model, 'unknown'),
       m.device_id, m.project_id, count(*), sum(m.input_tokens), sum(m.output_tokens),
       sum(m.cached_tokens), sum(m.cost_usd), sum(m.local_cost_usd), sum(m.cloud_equivalent_usd),
       coalesce(sum(m.output_tokens) filter (where m.tokens_per_second > 0), 0),
       sum(private.message_generation_seconds(m.output_tokens, m.tokens_per_second))
  from public.cloud_messages m
 where m.deleted_at is null
 group by 1, 2, 3, 4, 5;

-- Usage per local day, model, device and project for a range of local days in a timezone:
-- the rows the CSV export writes and every dashboard figure sums. Scope: the caller's own
-- usage, or with p_project everyone's usage in that project (the rollup's policy decides
-- what is visible). Security invoker: RLS applies to both the rollup and the messages.
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
stable
security invoker
set search_path = ''
as $$
declare
  lo timestamptz;
  hi timestamptz;
  splits timestamptz[];
  split_ends timestamptz[];
  scope_rollup text;
  scope_messages text;
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
  -- A day is never longer than 26 hours nor offset more than 14: an hour either side
  -- of the nominal bounds covers every split hour.
  lo := (p_from::timestamp at time zone p_tz) - interval '1 hour';
  hi := ((p_to + 1)::timestamp at time zone p_tz) + interval '1 hour';
  -- The UTC hours inside which a local day begins part-way through (none in zones whose
  -- offset is a whole number of hours): only local midnights off the hour are looked at,
  -- then the hours around each are tested exactly.
  select coalesce(pg_catalog.array_agg(distinct c.hour), '{}')
    into splits
    from (select d.midnight at time zone p_tz as instant
            from pg_catalog.generate_series(p_from::timestamp, (p_to + 1)::timestamp, interval '1 day') as d(midnight)) x
   cross join lateral (
     select pg_catalog.date_trunc('hour', x.instant, 'UTC') + k * interval '1 hour' as hour
       from pg_catalog.generate_series(-1, 1) as k) c
   where x.instant <> pg_catalog.date_trunc('hour', x.instant, 'UTC')
     and (c.hour at time zone p_tz)::date <> ((c.hour + interval '1 hour' - interval '1 microsecond') at time zone p_tz)::date;
  -- Each split hour's end, computed here and written into the query as constants: a bound
  -- computed inside the query, or a parameter of a generic plan, is kept by RLS's security
  -- barrier from the index, which then scans every message once per split hour.
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

  return query execute pg_catalog.format($q$
    with parts as (
      select (u.hour at time zone $3)::date as day, u.model, u.device_id, u.project_id, u.message_count,
             u.input_tokens, u.output_tokens, u.cached_tokens, u.cost_usd, u.local_cost_usd,
             u.cloud_equivalent_usd, u.timed_output_tokens, u.generation_seconds
        from public.usage_hourly u
       where %1$s
         and u.hour >= $7 and u.hour < $8
         and ($5 is null or u.device_id = $5)
         and ($6 is null or u.model = $6)
         and u.hour <> all (%3$L::timestamptz[])
      union all
      -- Each split hour read from the messages by time (an index range scan per hour).
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
          -- A fence: the outer day filter pushed in here makes the planner trade the index
          -- range scan for a scan of every message.
          offset 0
        ) r
    )
    select p.day, p.model, p.device_id, p.project_id, sum(p.message_count)::bigint,
           sum(p.input_tokens)::bigint, sum(p.output_tokens)::bigint, sum(p.cached_tokens)::bigint,
           sum(p.cost_usd), sum(p.local_cost_usd), sum(p.cloud_equivalent_usd),
           sum(p.timed_output_tokens)::bigint, sum(p.generation_seconds)
      from parts p
     where p.day between $1 and $2
     group by p.day, p.model, p.device_id, p.project_id
     order by p.day, p.model, p.device_id nulls first, p.project_id nulls first
  $q$, scope_rollup, scope_messages, splits, split_ends)
  using p_from, p_to, p_tz, p_project, p_device, p_model, lo, hi;
end;
$$;

revoke execute on function public.usage_report(date, date, text, uuid, uuid, text) from public, anon;
grant execute on function public.usage_report(date, date, text, uuid, uuid, text) to authenticated;

-- Pure arithmetic, called by usage_report as the invoker.
revoke execute on function private.message_generation_seconds(integer, real) from public, anon;
grant execute on function private.message_generation_seconds(integer, real) to authenticated;
