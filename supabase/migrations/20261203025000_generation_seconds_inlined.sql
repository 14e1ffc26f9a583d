-- One formula for a message's generation time (the stop-22 review's first item).
-- 20261203013100_message_write_path.sql wrote private.message_generation_seconds's expression
-- out in the three rollup triggers, because a SQL function with a SET clause is never inlined
-- and PostgreSQL planned its body again for every row. The fix belongs in the function: it
-- loses its SET clause and gets a SQL-standard body (`return …`), which is parsed when it is
-- created, so its operators and functions are bound then and no caller's search_path can
-- change them, and the planner inlines it into the calling query like a written-out
-- expression. The triggers below are those of 20261203013100 with the call put back; nothing
-- else changes.

create or replace function private.message_generation_seconds(output_tokens integer, tokens_per_second real)
returns numeric
language sql
immutable
return case when tokens_per_second > 0
            then pg_catalog.round(output_tokens / tokens_per_second::numeric, 6) else 0 end;

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
