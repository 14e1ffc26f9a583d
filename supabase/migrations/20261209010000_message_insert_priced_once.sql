-- A message insert's rollups in one statement trigger that prices the batch once (issue #19:
-- sync_push of 10,000 messages; docs/sessions.md "Where sync_push's time goes"). Four insert
-- triggers (session counters and last activity, hourly rollup, local days, version sums) each
-- joined the statement's rows to private.price_periods and read the transition table again. A
-- transition table cannot be passed to a function, so the one join could not be shared between
-- them; one trigger whose single statement prices the rows once (a materialized CTE) and writes
-- the four targets from it with data-modifying CTEs does the same work with one pricing and one
-- pass over the rows. What each target receives is unchanged: the same groups, the same sums, the
-- same join (left for the rollups and counters, a message without a version costs 0; inner for
-- the version sums, which hold only priced tokens). The update and delete triggers stay as they
-- are. The targets' own triggers (usage_speed_months on usage_hourly, the sessions' row triggers)
-- read only their own table's rows, so they fire as before, once each, at the end of the
-- statement.

create function private.cloud_messages_insert_rollups()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  with priced as materialized (
    select n.user_id, n.session_id, n.created_at, n.model, n.device_id, n.project_id,
           n.input_tokens, n.output_tokens, n.cached_tokens, n.tokens_per_second,
           n.local_cost_usd, n.cloud_equivalent_usd, v.id as price_id,
           coalesce(private.token_cost(n.input_tokens, n.output_tokens, n.cached_tokens,
             v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0) as cost_usd
      from new_rows n
      left join private.price_periods(array(select distinct r.user_id from new_rows r),
                                      array(select distinct r.model from new_rows r)) v
        on v.user_id = n.user_id and v.model = n.model and n.created_at >= v.valid_from
       and (v.valid_until is null or n.created_at < v.valid_until)
     where n.deleted_at is null
  ),
  -- The session counters and the last activity, in one update of the batch's sessions.
  sessions_counted as (
    update public.cloud_sessions s
       set message_count = s.message_count + d.messages,
           token_count = s.token_count + d.tokens,
           cost_usd = s.cost_usd + d.cost,
           last_activity_at = greatest(s.last_activity_at, d.newest)
      from (select p.session_id, count(*) as messages,
                   sum(p.input_tokens::bigint + p.output_tokens) as tokens,
                   sum(p.cost_usd) as cost, max(p.created_at) as newest
              from priced p
             group by p.session_id) d
     where s.id = d.session_id
  ),
  -- The version sums: only rows a version prices. Every group adds at least one message, so
  -- no sum reaches zero and none is deleted (the update and delete paths do that).
  slots_added as (
    insert into private.usage_price_slots as u (price_id, user_id, slot, model, device_id,
      project_id, messages, input_tokens, cached_tokens, output_tokens)
    select p.price_id, p.user_id, private.price_slot(p.created_at), p.model, p.device_id,
           p.project_id, count(*), sum(p.input_tokens), sum(p.cached_tokens), sum(p.output_tokens)
      from priced p
     where p.price_id is not null
     group by 1, 2, 3, 4, 5, 6
    on conflict on constraint usage_price_slots_key do update
      set messages = u.messages + excluded.messages,
          input_tokens = u.input_tokens + excluded.input_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens
  ),
  session_versions_added as (
    insert into private.session_price_tokens as u (price_id, session_id, user_id, model, messages,
      input_tokens, cached_tokens, output_tokens)
    select p.price_id, p.session_id, p.user_id, p.model, count(*), sum(p.input_tokens),
           sum(p.cached_tokens), sum(p.output_tokens)
      from priced p
     where p.price_id is not null
     group by 1, 2, 3, 4
    on conflict on constraint session_price_tokens_key do update
      set messages = u.messages + excluded.messages,
          input_tokens = u.input_tokens + excluded.input_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens
  ),
  hours_added as (
    insert into public.usage_hourly as u
      (user_id, hour, model, device_id, project_id, message_count, input_tokens, output_tokens,
       cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
    select p.user_id, pg_catalog.date_trunc('hour', p.created_at, 'UTC'), coalesce(p.model, 'unknown'),
           p.device_id, p.project_id, count(*), sum(p.input_tokens), sum(p.output_tokens),
           sum(p.cached_tokens), sum(p.cost_usd), sum(p.local_cost_usd), sum(p.cloud_equivalent_usd),
           coalesce(sum(p.output_tokens) filter (where p.tokens_per_second > 0), 0),
           sum(private.message_generation_seconds(p.output_tokens, p.tokens_per_second))
      from priced p
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
          generation_seconds = u.generation_seconds + excluded.generation_seconds
  )
  -- The local days of every zone the owners use (none registered: nothing to add).
  insert into public.usage_local_days as u
    (user_id, tz, day, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select p.user_id, z.tz, (p.created_at at time zone z.tz)::date, coalesce(p.model, 'unknown'),
         p.device_id, p.project_id, count(*), sum(p.input_tokens), sum(p.output_tokens),
         sum(p.cached_tokens), sum(p.cost_usd), sum(p.local_cost_usd), sum(p.cloud_equivalent_usd),
         coalesce(sum(p.output_tokens) filter (where p.tokens_per_second > 0), 0),
         sum(private.message_generation_seconds(p.output_tokens, p.tokens_per_second))
    from priced p
    join private.usage_local_zones z on z.user_id = p.user_id
   group by 1, 2, 3, 4, 5, 6
  on conflict on constraint usage_local_days_key do update
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
$function$;
revoke execute on function private.cloud_messages_insert_rollups() from public, anon, authenticated;

drop trigger cloud_messages_count_insert on public.cloud_messages;
drop trigger usage_hourly_add_insert on public.cloud_messages;
drop trigger usage_local_days_add_insert on public.cloud_messages;
drop trigger price_versions_add_insert on public.cloud_messages;
drop function private.cloud_messages_count_insert();
drop function private.usage_hourly_add_insert();
drop function private.usage_local_days_add_insert();

create trigger cloud_messages_insert_rollups
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.cloud_messages_insert_rollups();

-- Classify: the rows a batch replaces are found by joining the batch's ids to the primary key.
-- `incoming` holds each id once (sync_push_incoming_messages keeps the latest version of each),
-- so the semi join `m.id in (select i.id from incoming i)` it replaces was the same rows at the
-- cost of de-duplicating 10,000 ids in a hash first (~2% of a 10,000-message push).

-- Each incoming message with the row it would replace (locked), its session's project and its
-- verdict: 'apply:', 'duplicate:', 'rejected:<reason>' or 'conflict:<reason>'.
create or replace function private.sync_push_classify_messages(items jsonb, caller uuid, caller_device uuid)
returns table (
  id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
  message_index integer, role text, content text, reasoning text, tool_calls jsonb,
  token_usage jsonb, model text, input_tokens integer, output_tokens integer,
  cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
  created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz,
  current_id uuid, current_device uuid, current_version bigint, session_project_id uuid,
  written_at timestamptz, verdict text
)
language plpgsql
volatile
rows 100
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with incoming as materialized (
    select * from private.sync_push_incoming_messages(items)
  ),
  current_rows as (
    select m.id, m.user_id, m.session_id, m.device_id, m.sync_version, m.parent_id, m.message_index,
           m.role, m.content, m.model, m.input_tokens, m.output_tokens, m.cached_tokens,
           m.tool_calls, m.deleted_at, m.created_at, m.last_modified_at
      from incoming i
      join public.cloud_messages m on m.id = i.id
       for update of m
  ),
  -- Looked up by primary key: as a semi join against `incoming` (which the planner takes for
  -- 100 rows) it scanned the batch once per session of the caller's.
  sessions as (
    select s.id, s.project_id
      from public.cloud_sessions s
     where s.id = any (array(select distinct i.session_id from incoming i))
       and s.user_id = caller
  ),
  compared as (
    select n.*, c.id as current_id, c.user_id as current_user_id, c.device_id as current_device,
           c.session_id as current_session_id, c.sync_version as current_version,
           c.last_modified_at as current_modified_at,
           ss.id as owned_session_id, ss.project_id as session_project_id,
           coalesce(n.created_at, c.created_at, pg_catalog.now()) as written_at,
           (n.parent_id, n.message_index, n.role, n.content, n.model, n.input_tokens,
            n.output_tokens, n.cached_tokens, n.tool_calls, n.deleted_at)
             is not distinct from
           (c.parent_id, c.message_index, c.role, c.content, c.model, c.input_tokens,
            c.output_tokens, c.cached_tokens, c.tool_calls, c.deleted_at) as same_content
      from incoming n
      left join current_rows c on c.id = n.id
      left join sessions ss on ss.id = n.session_id
  )
  select c.id, c.client_id, c.session_id, c.sync_version, c.parent_id, c.message_index, c.role,
         c.content, c.reasoning, c.tool_calls, c.token_usage, c.model, c.input_tokens,
         c.output_tokens, c.cached_tokens, c.tokens_per_second, c.time_to_first_token_ms,
         c.created_at, c.last_modified_at, c.deleted_at,
         c.current_id, c.current_device, c.current_version, c.session_project_id, c.written_at,
    case
      when c.id is null or c.sync_version is null or c.sync_version < 1 then 'rejected:invalid_item'
      when c.current_id is not null and c.current_user_id <> caller then 'rejected:other_account'
      when c.owned_session_id is null then 'rejected:session_not_found'
      when c.current_id is not null and c.current_session_id <> c.session_id then 'rejected:session_mismatch'
      when c.current_id is not null and c.sync_version = c.current_version and c.same_content
        then 'duplicate:'
      when c.current_id is not null and caller_device is not null
        and c.current_device is distinct from caller_device then 'rejected:other_device'
      when c.current_id is null or c.sync_version > c.current_version then 'apply:'
      when c.sync_version = c.current_version
        and c.last_modified_at > c.current_modified_at then 'apply:'
      when c.sync_version = c.current_version then 'conflict:same_version_differs'
      else 'conflict:server_newer'
    end
    from compared c;
end;
$$;
