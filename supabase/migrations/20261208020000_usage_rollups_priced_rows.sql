-- The rollup triggers price a message in one place. 20261207010000 redefined the six rollup
-- trigger functions (usage_hourly_add_*, usage_local_days_add_*) and usage_local_days_build
-- whole to price each row with the same lateral join, copied nine times. That join is now
-- private.message_priced(m), the money figures of one message row, and the update and delete
-- rollups and the local-day build read their rows through it, so the next pricing change (a
-- cost by reference version, a computed local cost) replaces that one function and none of
-- these. Same statements, same plans (the function is inlined), same rollups: numeric sums do
-- not depend on order.
--
-- The two insert rollups are not redefined here: 20261208010000 already joins their new rows
-- to the statement's private.price_periods (the version chosen once per owner, model and
-- period, not looked up per row, for sync_push's 10,000-row batches), by the same rule.

-- A message row's money figures: its cost at the model price version in force when it was
-- written (0 without one), its stored local cost and its stored cloud equivalent. A plain SQL
-- set-returning function without settings, so `cross join lateral private.message_priced(n)`
-- is inlined: a transition table's row (a record) is expanded into its columns, each field read
-- becomes a column read, and the plan is the lateral join to private.price_in_force it replaces.
create function private.message_priced(m public.cloud_messages)
returns table (cost_usd numeric, local_cost_usd numeric, cloud_equivalent_usd numeric)
language sql
stable
as $$
  select coalesce(private.token_cost(m.input_tokens, m.output_tokens, m.cached_tokens,
           v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0),
         m.local_cost_usd, m.cloud_equivalent_usd
    from (select) one
    left join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
$$;
revoke execute on function private.message_priced(public.cloud_messages) from public, anon, authenticated;

-- usage_hourly_add_update
create or replace function private.usage_hourly_add_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
  emptied bigint[];
begin
  with deltas as (
    select n.user_id, pg_catalog.date_trunc('hour', n.created_at, 'UTC') as hour,
           coalesce(n.model, 'unknown') as model, n.device_id, n.project_id, 1 as messages,
           n.input_tokens as input, n.output_tokens as output, n.cached_tokens as cached,
           p.cost_usd as cost, p.local_cost_usd as local_cost, p.cloud_equivalent_usd as cloud,
           case when n.tokens_per_second > 0 then n.output_tokens else 0 end as timed,
           private.message_generation_seconds(n.output_tokens, n.tokens_per_second) as gen
      from new_rows n cross join lateral private.message_priced(n) p where n.deleted_at is null
    union all
    select o.user_id, pg_catalog.date_trunc('hour', o.created_at, 'UTC'), coalesce(o.model, 'unknown'),
           o.device_id, o.project_id, -1, -o.input_tokens, -o.output_tokens, -o.cached_tokens,
           -p.cost_usd, -p.local_cost_usd, -p.cloud_equivalent_usd,
           case when o.tokens_per_second > 0 then -o.output_tokens else 0 end,
           -private.message_generation_seconds(o.output_tokens, o.tokens_per_second)
      from old_rows o cross join lateral private.message_priced(o) p where o.deleted_at is null
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
$function$;

-- usage_hourly_add_delete
create or replace function private.usage_hourly_add_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
  emptied bigint[];
begin
  with summed as (
    select o.user_id, pg_catalog.date_trunc('hour', o.created_at, 'UTC') as hour,
           coalesce(o.model, 'unknown') as model, o.device_id, o.project_id, count(*) as messages,
           sum(o.input_tokens) as input, sum(o.output_tokens) as output, sum(o.cached_tokens) as cached,
           sum(p.cost_usd) as cost, sum(p.local_cost_usd) as local_cost, sum(p.cloud_equivalent_usd) as cloud,
           coalesce(sum(o.output_tokens) filter (where o.tokens_per_second > 0), 0) as timed,
           sum(private.message_generation_seconds(o.output_tokens, o.tokens_per_second)) as gen
      from old_rows o cross join lateral private.message_priced(o) p
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
$function$;

-- usage_local_days_add_update
create or replace function private.usage_local_days_add_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
  emptied bigint[];
begin
  with deltas as (
    select n.user_id, n.created_at, coalesce(n.model, 'unknown') as model, n.device_id, n.project_id,
           1 as messages, n.input_tokens as input, n.output_tokens as output, n.cached_tokens as cached,
           p.cost_usd as cost, p.local_cost_usd as local_cost, p.cloud_equivalent_usd as cloud,
           case when n.tokens_per_second > 0 then n.output_tokens else 0 end as timed,
           private.message_generation_seconds(n.output_tokens, n.tokens_per_second) as gen
      from new_rows n cross join lateral private.message_priced(n) p where n.deleted_at is null
    union all
    select o.user_id, o.created_at, coalesce(o.model, 'unknown'), o.device_id, o.project_id, -1,
           -o.input_tokens, -o.output_tokens, -o.cached_tokens, -p.cost_usd, -p.local_cost_usd,
           -p.cloud_equivalent_usd, case when o.tokens_per_second > 0 then -o.output_tokens else 0 end,
           -private.message_generation_seconds(o.output_tokens, o.tokens_per_second)
      from old_rows o cross join lateral private.message_priced(o) p where o.deleted_at is null
  ),
  summed as (
    select d.user_id, z.tz, (d.created_at at time zone z.tz)::date as day, d.model, d.device_id,
           d.project_id, sum(d.messages) as messages, sum(d.input) as input, sum(d.output) as output,
           sum(d.cached) as cached, sum(d.cost) as cost, sum(d.local_cost) as local_cost,
           sum(d.cloud) as cloud, sum(d.timed) as timed, sum(d.gen) as gen
      from deltas d
      join private.usage_local_zones z on z.user_id = d.user_id
     group by 1, 2, 3, 4, 5, 6
    having sum(d.messages) <> 0 or sum(d.input) <> 0 or sum(d.output) <> 0 or sum(d.cached) <> 0
        or sum(d.cost) <> 0 or sum(d.local_cost) <> 0 or sum(d.cloud) <> 0 or sum(d.timed) <> 0
        or sum(d.gen) <> 0
  ),
  applied as (
    insert into public.usage_local_days as u
      (user_id, tz, day, model, device_id, project_id, message_count, input_tokens, output_tokens,
       cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
    select s.user_id, s.tz, s.day, s.model, s.device_id, s.project_id, s.messages, s.input, s.output,
           s.cached, s.cost, s.local_cost, s.cloud, s.timed, s.gen
      from summed s
    on conflict on constraint usage_local_days_key do update
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
  delete from public.usage_local_days u where u.id = any (emptied);
  return null;
end;
$function$;

-- usage_local_days_add_delete
create or replace function private.usage_local_days_add_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
  emptied bigint[];
begin
  with summed as (
    select o.user_id, z.tz, (o.created_at at time zone z.tz)::date as day,
           coalesce(o.model, 'unknown') as model, o.device_id, o.project_id, count(*) as messages,
           sum(o.input_tokens) as input, sum(o.output_tokens) as output, sum(o.cached_tokens) as cached,
           sum(p.cost_usd) as cost, sum(p.local_cost_usd) as local_cost, sum(p.cloud_equivalent_usd) as cloud,
           coalesce(sum(o.output_tokens) filter (where o.tokens_per_second > 0), 0) as timed,
           sum(private.message_generation_seconds(o.output_tokens, o.tokens_per_second)) as gen
      from old_rows o cross join lateral private.message_priced(o) p
      join private.usage_local_zones z on z.user_id = o.user_id
     where o.deleted_at is null
     group by 1, 2, 3, 4, 5, 6
  ),
  applied as (
    update public.usage_local_days u
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
     where u.user_id = s.user_id and u.tz = s.tz and u.day = s.day and u.model = s.model
       and u.device_id is not distinct from s.device_id
       and u.project_id is not distinct from s.project_id
    returning u.id, u.message_count
  )
  select pg_catalog.array_agg(a.id) into emptied from applied a where a.message_count = 0;
  delete from public.usage_local_days u where u.id = any (emptied);
  return null;
end;
$function$;


-- usage_local_days_build
create or replace function private.usage_local_days_build(p_user uuid, p_tz text)
returns void
language plpgsql
security definer
set search_path = ''
set jit = off
as $function$
begin
  delete from public.usage_local_days d where d.user_id = p_user and d.tz = p_tz;
  insert into public.usage_local_days
    (user_id, tz, day, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select p_user, p_tz, p.day, p.model, p.device_id, p.project_id, sum(p.messages), sum(p.input),
         sum(p.output), sum(p.cached), sum(p.cost), sum(p.local_cost), sum(p.cloud), sum(p.timed), sum(p.gen)
    from (
      select (h.hour at time zone p_tz)::date as day, h.model, h.device_id, h.project_id,
             h.message_count as messages, h.input_tokens as input, h.output_tokens as output,
             h.cached_tokens as cached, h.cost_usd as cost, h.local_cost_usd as local_cost,
             h.cloud_equivalent_usd as cloud, h.timed_output_tokens as timed, h.generation_seconds as gen
        from public.usage_hourly h
       where h.user_id = p_user
         and (h.hour at time zone p_tz)::date
             = ((h.hour + interval '1 hour' - interval '1 microsecond') at time zone p_tz)::date
      union all
      select (m.created_at at time zone p_tz)::date, coalesce(m.model, 'unknown'), m.device_id, m.project_id,
             1, m.input_tokens, m.output_tokens, m.cached_tokens, f.cost_usd, f.local_cost_usd,
             f.cloud_equivalent_usd, case when m.tokens_per_second > 0 then m.output_tokens else 0 end,
             private.message_generation_seconds(m.output_tokens, m.tokens_per_second)
        from (select distinct h.hour
                from public.usage_hourly h
               where h.user_id = p_user
                 and (h.hour at time zone p_tz)::date
                     <> ((h.hour + interval '1 hour' - interval '1 microsecond') at time zone p_tz)::date) s
        cross join lateral (
          select m.*
            from public.cloud_messages m
           where m.user_id = p_user and m.deleted_at is null
             and m.created_at >= s.hour and m.created_at < s.hour + interval '1 hour'
          offset 0) m
        cross join lateral private.message_priced(m) f
    ) p
   group by p.day, p.model, p.device_id, p.project_id;
end;
$function$;
