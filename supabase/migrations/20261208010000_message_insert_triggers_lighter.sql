-- The statement triggers a message insert fires do less per row (issue #19: sync_push of
-- 10,000 messages; docs/sessions.md "Where sync_push's time goes"). Results are unchanged.
--
-- 1. Each row's price version is chosen once per owner, model and period, not once per row.
--    Since 20261207010000 (cost by price version) the session counters, the hourly and
--    local-day rollups and the version sums each joined every new row to
--    private.price_in_force: an index scan and a sort per row, three or four times per row
--    of a batch. The version in force only changes at an effective_from of the model's
--    prices, so private.price_periods chooses it per period and each row joins its period: the
--    same rule and the same version (the owner's own first, else the global one, latest
--    effective_from first). A row before every effective_from has no period, as it has no
--    price in force.
-- 2. The session counters and the last activity are one update of the batch's sessions, not
--    two (cloud_messages_touch_activity goes): the same sessions (those with live new rows),
--    the same values (last_activity_at never moves back, as the old trigger's
--    `last_activity_at < newest` kept it), one new row version and one pass of
--    cloud_sessions' row triggers instead of two.
-- 3. A batch's search-pending rows are inserted without `on conflict do nothing`. A pending
--    row only exists for a stored message (message_search_remove deletes it with the message,
--    message_search_clear on truncate), and an insert trigger's rows are messages that were
--    not stored, so no conflict can arise; the speculative insertion cost about as much again
--    as the insert.
--
-- Measured in one server process, the old and new functions swapped in before each of 12
-- rolled-back pushes (server CPU time, medians): sync_push of 10,000 messages 5.90x -> 5.20x a
-- plain batched upsert; each change alone took 2-4% off. A trigger body is one statement, so
-- each function is replaced whole, otherwise as 20261207010000 left it.

-- The version in force for each of `users` x `models`, per period [valid_from, valid_until)
-- (valid_until null: open-ended). A period starts at every effective_from of the model's
-- prices the owner sees (own or global), so within one period the version does not change.
-- A trigger's statement calls it once, with the statement's distinct owners and models.
create function private.price_periods(users uuid[], models text[])
returns table (
  user_id uuid, model text, valid_from timestamptz, valid_until timestamptz, id uuid,
  input_per_mtok numeric, cached_per_mtok numeric, output_per_mtok numeric
)
language sql
stable
as $$
  with starts as (
    select distinct u.user_id, p.model, p.effective_from as at
      from (select distinct x from pg_catalog.unnest(users) as x) as u (user_id)
      join public.model_prices p
        on p.model = any (models) and (p.user_id = u.user_id or p.user_id is null)
  ),
  periods as (
    select s.user_id, s.model, s.at as valid_from,
           pg_catalog.lead(s.at) over (partition by s.user_id, s.model order by s.at) as valid_until
      from starts s
  )
  select pe.user_id, pe.model, pe.valid_from, pe.valid_until,
         v.id, v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok
    from periods pe
    cross join lateral private.price_in_force(pe.user_id, pe.model, pe.valid_from) v
$$;
revoke execute on function private.price_periods(uuid[], text[]) from public, anon, authenticated;

create or replace function private.cloud_messages_count_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  -- The counters and the last activity in one update (see 2. above).
  with deltas as (
    select n.session_id, count(*) as messages, sum(n.input_tokens::bigint + n.output_tokens) as tokens,
           sum(n.cost_usd) as cost, max(n.created_at) as newest
      from (select n.*, coalesce(private.token_cost(n.input_tokens, n.output_tokens,
                n.cached_tokens, v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0) as cost_usd
              from new_rows n
              left join private.price_periods(array(select distinct r.user_id from new_rows r),
                                              array(select distinct r.model from new_rows r)) v
                on v.user_id = n.user_id and v.model = n.model and n.created_at >= v.valid_from
               and (v.valid_until is null or n.created_at < v.valid_until)) n
     where n.deleted_at is null
     group by n.session_id
  )
  update public.cloud_sessions s
     set message_count = s.message_count + d.messages,
         token_count = s.token_count + d.tokens,
         cost_usd = s.cost_usd + d.cost,
         last_activity_at = greatest(s.last_activity_at, d.newest)
    from deltas d
   where s.id = d.session_id;
  return null;
end;
$function$;

drop trigger cloud_messages_touch_activity on public.cloud_messages;
drop function private.cloud_messages_touch_activity();

create or replace function private.usage_hourly_add_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  insert into public.usage_hourly as u
    (user_id, hour, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select n.user_id, pg_catalog.date_trunc('hour', n.created_at, 'UTC'), coalesce(n.model, 'unknown'),
         n.device_id, n.project_id, count(*), sum(n.input_tokens), sum(n.output_tokens),
         sum(n.cached_tokens), sum(n.cost_usd), sum(n.local_cost_usd), sum(n.cloud_equivalent_usd),
         coalesce(sum(n.output_tokens) filter (where n.tokens_per_second > 0), 0),
         sum(private.message_generation_seconds(n.output_tokens, n.tokens_per_second))
    from (select n.*, coalesce(private.token_cost(n.input_tokens, n.output_tokens,
                n.cached_tokens, v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0) as cost_usd
              from new_rows n
              left join private.price_periods(array(select distinct r.user_id from new_rows r),
                                              array(select distinct r.model from new_rows r)) v
                on v.user_id = n.user_id and v.model = n.model and n.created_at >= v.valid_from
               and (v.valid_until is null or n.created_at < v.valid_until)) n
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
$function$;

create or replace function private.usage_local_days_add_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  insert into public.usage_local_days as u
    (user_id, tz, day, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select n.user_id, z.tz, (n.created_at at time zone z.tz)::date, coalesce(n.model, 'unknown'),
         n.device_id, n.project_id, count(*), sum(n.input_tokens), sum(n.output_tokens),
         sum(n.cached_tokens), sum(n.cost_usd), sum(n.local_cost_usd), sum(n.cloud_equivalent_usd),
         coalesce(sum(n.output_tokens) filter (where n.tokens_per_second > 0), 0),
         sum(private.message_generation_seconds(n.output_tokens, n.tokens_per_second))
    from (select n.*, coalesce(private.token_cost(n.input_tokens, n.output_tokens,
                n.cached_tokens, v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok), 0) as cost_usd
              from new_rows n
              left join private.price_periods(array(select distinct r.user_id from new_rows r),
                                              array(select distinct r.model from new_rows r)) v
                on v.user_id = n.user_id and v.model = n.model and n.created_at >= v.valid_from
               and (v.valid_until is null or n.created_at < v.valid_until)) n
    join private.usage_local_zones z on z.user_id = n.user_id
   where n.deleted_at is null
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

-- The version sums (one function for insert, update and delete; see 20261207010000): each
-- changed row joins its price period.
create or replace function private.price_versions_add()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  source text := case tg_op
    when 'INSERT' then $s$select 1 as sign, n.* from new_rows n$s$
    when 'DELETE' then $s$select -1 as sign, o.* from old_rows o$s$
    else $s$select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o$s$
  end;
  emptied_slots bigint[];
  emptied_sessions bigint[];
begin
  execute format($q$
  with changed as materialized (
    select r.sign, r.user_id, r.session_id, r.created_at, r.model, r.device_id, r.project_id,
           r.input_tokens, r.cached_tokens, r.output_tokens, v.id as price_id
      from (%1$s) r
      join private.price_periods(array(select distinct s.user_id from (%1$s) s),
                                 array(select distinct s.model from (%1$s) s)) v
        on v.user_id = r.user_id and v.model = r.model and r.created_at >= v.valid_from
       and (v.valid_until is null or r.created_at < v.valid_until)
     where r.deleted_at is null
  ),
  slots as (
    select c.price_id, c.user_id, private.price_slot(c.created_at) as slot, c.model, c.device_id,
           c.project_id, sum(c.sign) as messages, sum(c.sign * c.input_tokens) as input,
           sum(c.sign * c.cached_tokens) as cached, sum(c.sign * c.output_tokens) as output
      from changed c
     group by 1, 2, 3, 4, 5, 6
    having sum(c.sign) <> 0 or sum(c.sign * c.input_tokens) <> 0
        or sum(c.sign * c.cached_tokens) <> 0 or sum(c.sign * c.output_tokens) <> 0
  ),
  slots_applied as (
    insert into private.usage_price_slots as u (price_id, user_id, slot, model, device_id, project_id,
      messages, input_tokens, cached_tokens, output_tokens)
    select * from slots
    on conflict on constraint usage_price_slots_key do update
      set messages = u.messages + excluded.messages,
          input_tokens = u.input_tokens + excluded.input_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens
    returning u.id, u.messages
  ),
  sessions as (
    select c.price_id, c.session_id, c.user_id, c.model, sum(c.sign) as messages,
           sum(c.sign * c.input_tokens) as input, sum(c.sign * c.cached_tokens) as cached,
           sum(c.sign * c.output_tokens) as output
      from changed c
     group by 1, 2, 3, 4
    having sum(c.sign) <> 0 or sum(c.sign * c.input_tokens) <> 0
        or sum(c.sign * c.cached_tokens) <> 0 or sum(c.sign * c.output_tokens) <> 0
  ),
  sessions_applied as (
    insert into private.session_price_tokens as u (price_id, session_id, user_id, model, messages,
      input_tokens, cached_tokens, output_tokens)
    select * from sessions
    on conflict on constraint session_price_tokens_key do update
      set messages = u.messages + excluded.messages,
          input_tokens = u.input_tokens + excluded.input_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens
    returning u.id, u.messages
  )
  select (select pg_catalog.array_agg(a.id) from slots_applied a where a.messages = 0),
         (select pg_catalog.array_agg(a.id) from sessions_applied a where a.messages = 0)
  $q$, source)
    into emptied_slots, emptied_sessions;
  -- Second statements: rows changed by a data-modifying CTE are invisible to its outer query.
  delete from private.usage_price_slots u where u.id = any (emptied_slots);
  delete from private.session_price_tokens u where u.id = any (emptied_sessions);
  return null;
end;
$$;

create or replace function private.message_search_add()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if (select count(*) from new_rows) <= private.message_search_inline_limit() then
    insert into private.message_search as x (message_id, search)
    select n.id, private.message_search_vector(n.content) from new_rows n
    on conflict (message_id) do update set search = excluded.search;
  else
    -- No conflict possible (see 3. above).
    insert into private.message_search_pending (message_id)
    select n.id from new_rows n;
  end if;
  return null;
end;
$$;
