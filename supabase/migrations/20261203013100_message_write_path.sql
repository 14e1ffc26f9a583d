-- The message write path does each thing once (issue #19 "sync_push"; the stop-21 review's
-- first item):
-- 1. usage_daily is no longer maintained. usage_hourly (20261203000520_usage_hourly.sql) holds
--    the same sums by UTC hour, so usage_daily becomes a view that adds up each UTC day's
--    hours, with the same columns (less its surrogate id) and the same visibility (both
--    tables had the same policy; the view is security_invoker). The views that read
--    usage_daily are recreated unchanged on top of it.
-- 2. Local and cloud-equivalent pricing: sync_push prices its whole batch in its one
--    set-based insert, as it already did for cost_usd, and the per-row pricing trigger
--    stands aside for its rows, as cloud_messages_track_changes does (the trusted-write
--    flag only sync_push, running as the platform role, can set). Every other write keeps
--    the per-row trigger, whose two lookups are now inlined in plpgsql (plans cached per
--    connection) instead of three nested SQL function calls planned again for every row.
--    The prices are the same expressions as private.message_local_cost and
--    private.message_cloud_equivalent, so a message is priced alike whichever path wrote it
--    (supabase/tests/usage-pricing.int.test.ts compares them).

drop trigger usage_daily_add_insert on public.cloud_messages;
drop trigger usage_daily_add_update on public.cloud_messages;
drop trigger usage_daily_add_delete on public.cloud_messages;
drop function private.usage_daily_add_insert();
drop function private.usage_daily_add_update();
drop function private.usage_daily_add_delete();

drop view public.usage_by_day, public.usage_by_model, public.usage_by_device,
  public.usage_by_project, public.user_analytics;
drop table public.usage_daily;

create view public.usage_daily
  with (security_invoker = true)
as
select u.user_id, (u.hour at time zone 'UTC')::date as day, u.model, u.device_id, u.project_id,
       sum(u.message_count)::bigint as message_count, sum(u.input_tokens)::bigint as input_tokens,
       sum(u.output_tokens)::bigint as output_tokens, sum(u.cached_tokens)::bigint as cached_tokens,
       sum(u.cost_usd)::numeric(20, 8) as cost_usd
  from public.usage_hourly u
 group by u.user_id, (u.hour at time zone 'UTC')::date, u.model, u.device_id, u.project_id;

-- As in 20261122001100_usage.sql.
create view public.usage_by_day
  with (security_invoker = true)
as
select u.user_id, u.day,
       sum(u.message_count)::bigint as message_count, sum(u.input_tokens)::bigint as input_tokens,
       sum(u.output_tokens)::bigint as output_tokens, sum(u.cached_tokens)::bigint as cached_tokens,
       sum(u.cost_usd) as cost_usd
  from public.usage_daily u
 where u.user_id = (select auth.uid())
 group by u.user_id, u.day;

create view public.usage_by_model
  with (security_invoker = true)
as
select u.user_id, u.day, u.model,
       sum(u.message_count)::bigint as message_count, sum(u.input_tokens)::bigint as input_tokens,
       sum(u.output_tokens)::bigint as output_tokens, sum(u.cached_tokens)::bigint as cached_tokens,
       sum(u.cost_usd) as cost_usd
  from public.usage_daily u
 where u.user_id = (select auth.uid())
 group by u.user_id, u.day, u.model;

create view public.usage_by_device
  with (security_invoker = true)
as
select u.user_id, u.day, u.device_id, d.name as device_name, d.role as device_role,
       sum(u.message_count)::bigint as message_count, sum(u.input_tokens)::bigint as input_tokens,
       sum(u.output_tokens)::bigint as output_tokens, sum(u.cached_tokens)::bigint as cached_tokens,
       sum(u.cost_usd) as cost_usd
  from public.usage_daily u
  left join public.devices d on d.id = u.device_id
 where u.user_id = (select auth.uid())
 group by u.user_id, u.day, u.device_id, d.name, d.role;

-- Per project, everyone's usage in the projects the caller belongs to (the rollup's policy
-- shows members all rows of their projects).
create view public.usage_by_project
  with (security_invoker = true)
as
select u.project_id, p.name as project_name, u.day,
       sum(u.message_count)::bigint as message_count, sum(u.input_tokens)::bigint as input_tokens,
       sum(u.output_tokens)::bigint as output_tokens, sum(u.cached_tokens)::bigint as cached_tokens,
       sum(u.cost_usd) as cost_usd
  from public.usage_daily u
  join ops.projects p on p.id = u.project_id
 group by u.project_id, p.name, u.day;

create view public.user_analytics
  with (security_invoker = true)
as
with mine as (
  select u.* from public.usage_daily u where u.user_id = (select auth.uid())
)
select
  (select auth.uid()) as user_id,
  (select count(*) from public.cloud_sessions s
    where s.user_id = (select auth.uid()) and s.deleted_at is null)::bigint as session_count,
  coalesce((select sum(m.message_count) from mine m), 0)::bigint as message_count,
  coalesce((select sum(m.input_tokens) from mine m), 0)::bigint as input_tokens,
  coalesce((select sum(m.output_tokens) from mine m), 0)::bigint as output_tokens,
  coalesce((select sum(m.cached_tokens) from mine m), 0)::bigint as cached_tokens,
  coalesce((select sum(m.cost_usd) from mine m), 0) as cost_usd,
  (select count(*) from public.devices d
    where d.user_id = (select auth.uid()) and d.revoked_at is null)::bigint as device_count,
  (select count(distinct m.day) from mine m where m.day > (now() at time zone 'UTC')::date - 30)::bigint
    as active_days_30d,
  (select min(m.day) from mine m) as first_day,
  (select max(m.day) from mine m) as last_day,
  (select m.model from mine m group by m.model order by sum(m.message_count) desc, m.model limit 1)
    as top_model
where (select auth.uid()) is not null;

revoke all on public.usage_daily, public.usage_by_day, public.usage_by_model,
  public.usage_by_device, public.usage_by_project, public.user_analytics
  from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_daily,
  public.usage_by_day, public.usage_by_model, public.usage_by_device, public.usage_by_project,
  public.user_analytics
  from authenticated;

-- The per-row pricing for writes other than sync_push's: the same expressions as
-- private.message_local_cost and private.message_cloud_equivalent (which stay, for the
-- re-pricing functions), inlined.
create or replace function private.cloud_messages_price_local()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT'
     or (new.device_id, new.output_tokens, new.tokens_per_second, new.time_to_first_token_ms)
        is distinct from (old.device_id, old.output_tokens, old.tokens_per_second, old.time_to_first_token_ms) then
    new.local_cost_usd := coalesce((
      select case p.mode
               when 'hourly' then (new.output_tokens / new.tokens_per_second::numeric
                 + coalesce(new.time_to_first_token_ms, 0) / 1000.0) / 3600 * p.usd_per_hour
               else (new.output_tokens / new.tokens_per_second::numeric
                 + coalesce(new.time_to_first_token_ms, 0) / 1000.0) / 3600 * p.busy_watts / 1000 * p.usd_per_kwh
             end
        from public.device_prices p
       where p.device_id = new.device_id
         and new.tokens_per_second > 0
    ), 0)::numeric(16, 8);
  end if;
  if tg_op = 'INSERT'
     or (new.user_id, new.model, new.created_at, new.input_tokens, new.output_tokens, new.cached_tokens)
        is distinct from (old.user_id, old.model, old.created_at, old.input_tokens, old.output_tokens, old.cached_tokens) then
    new.cloud_equivalent_usd := coalesce((
      select coalesce((
               select ((new.input_tokens - new.cached_tokens) * p.input_per_mtok
                       + new.cached_tokens * p.cached_per_mtok
                       + new.output_tokens * p.output_per_mtok) / 1000000
                 from public.model_prices p
                where p.model = r.reference_model
                  and (p.user_id = new.user_id or p.user_id is null)
                  and p.effective_from <= new.created_at
                order by p.user_id is null, p.effective_from desc
                limit 1
             ), 0)::numeric(16, 8)
        from public.model_references r
       where r.model = new.model
         and (r.user_id = new.user_id or r.user_id is null)
       order by r.user_id is null
       limit 1
    ), 0)::numeric(16, 8);
  end if;
  return new;
end;
$$;

drop trigger cloud_messages_price_local on public.cloud_messages;
create trigger cloud_messages_price_local
  before insert or update on public.cloud_messages
  for each row
  when (not (
    current_user <> all (array['authenticated', 'anon', 'service_role']::name[])
    and coalesce(pg_catalog.current_setting('lmx.trusted_message_write', true), '') = 'on'
  ))
  execute function private.cloud_messages_price_local();

-- The hourly rollup's triggers (20261203000520_usage_hourly.sql) with
-- private.message_generation_seconds written out: a SQL function with a SET clause is never
-- inlined, and PostgreSQL plans its body again on every call, so summing it over a
-- 10,000-message statement cost more than the rest of the trigger. Same expression, same
-- numbers; the function stays for usage_report.
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
         sum(case when n.tokens_per_second > 0
              then pg_catalog.round(n.output_tokens / n.tokens_per_second::numeric, 6) else 0 end)
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
           case when n.tokens_per_second > 0
              then pg_catalog.round(n.output_tokens / n.tokens_per_second::numeric, 6) else 0 end as gen
      from new_rows n where n.deleted_at is null
    union all
    select o.user_id, pg_catalog.date_trunc('hour', o.created_at, 'UTC'), coalesce(o.model, 'unknown'),
           o.device_id, o.project_id, -1, -o.input_tokens, -o.output_tokens, -o.cached_tokens,
           -o.cost_usd, -o.local_cost_usd, -o.cloud_equivalent_usd,
           case when o.tokens_per_second > 0 then -o.output_tokens else 0 end,
           -case when o.tokens_per_second > 0
              then pg_catalog.round(o.output_tokens / o.tokens_per_second::numeric, 6) else 0 end
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
           sum(case when o.tokens_per_second > 0
              then pg_catalog.round(o.output_tokens / o.tokens_per_second::numeric, 6) else 0 end) as gen
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

-- Redefines public.sync_push (20261203000110_sync_push_reasons.sql): its batch insert also
-- writes local_cost_usd and cloud_equivalent_usd. Nothing else changes.
create or replace function public.sync_push(batch jsonb)
returns table (kind text, id uuid, status text, server_version bigint, reason text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_device uuid := private.current_device_id();
  item_count integer;
begin
  if caller is null then
    raise exception 'sign in to sync' using errcode = '42501';
  end if;
  if private.is_device_request() and caller_device is null then
    raise exception 'this device is revoked or unknown' using errcode = '42501';
  end if;
  if batch is null or pg_catalog.jsonb_typeof(batch) <> 'object'
    or pg_catalog.jsonb_typeof(coalesce(batch -> 'sessions', '[]'::jsonb)) <> 'array'
    or pg_catalog.jsonb_typeof(coalesce(batch -> 'messages', '[]'::jsonb)) <> 'array' then
    raise exception 'sync_push expects {"sessions": [...], "messages": [...]}' using errcode = '22023';
  end if;
  item_count := pg_catalog.jsonb_array_length(coalesce(batch -> 'sessions', '[]'::jsonb))
    + pg_catalog.jsonb_array_length(coalesce(batch -> 'messages', '[]'::jsonb));
  if item_count > 20000 then
    raise exception 'sync_push takes at most 20000 items per call, got %', item_count using errcode = '54000';
  end if;

  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(coalesce(batch -> 'sessions', '[]'::jsonb)) as x(
        id uuid, client_id text, sync_version bigint, title text, model text, project_id uuid,
        parent_id uuid, branch_point integer, metadata jsonb, created_at timestamptz,
        last_modified_at timestamptz, deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select s.id, s.user_id, s.device_id, s.sync_version, s.title, s.model, s.project_id,
           s.parent_id, s.branch_point, s.metadata, s.deleted_at, s.created_at, s.last_modified_at
      from public.cloud_sessions s
     where s.id in (select i.id from incoming i)
       for update
  ),
  compared as (
    select i.*, c.id as current_id, c.user_id as current_user_id, c.device_id as current_device,
           c.sync_version as current_version, c.created_at as current_created_at,
           c.last_modified_at as current_modified_at,
           (coalesce(i.title, ''), i.model, i.project_id, i.parent_id, i.branch_point,
            coalesce(i.metadata, '{}'::jsonb), i.deleted_at)
             is not distinct from
           (c.title, c.model, c.project_id, c.parent_id, c.branch_point, c.metadata, c.deleted_at)
             as same_content
      from incoming i
      left join current_rows c on c.id = i.id
  ),
  classified as (
    select c.*,
      case
        when c.id is null or c.sync_version is null or c.sync_version < 1 then 'rejected:invalid_item'
        when c.current_id is not null and c.current_user_id <> caller then 'rejected:other_account'
        when c.current_id is not null and c.sync_version = c.current_version and c.same_content
          then 'duplicate:'
        when c.current_id is not null and caller_device is not null
          and c.current_device is distinct from caller_device then 'rejected:other_device'
        when c.project_id is not null
          and c.project_id not in (select private.my_project_ids('developer')) then 'rejected:project_forbidden'
        when c.current_id is null or c.sync_version > c.current_version then 'apply:'
        when c.sync_version = c.current_version
          and c.last_modified_at > c.current_modified_at then 'apply:'
        when c.sync_version = c.current_version then 'conflict:same_version_differs'
        else 'conflict:server_newer'
      end as verdict
      from compared c
  ),
  written as (
    insert into public.cloud_sessions as s (
      id, client_id, user_id, device_id, project_id, title, model, parent_id, branch_point,
      metadata, created_at, last_modified_at, sync_version, deleted_at)
    select c.id, c.client_id, caller, caller_device, c.project_id, coalesce(c.title, ''), c.model,
           c.parent_id, c.branch_point, coalesce(c.metadata, '{}'::jsonb),
           coalesce(c.created_at, c.current_created_at, pg_catalog.now()),
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from classified c
     where c.verdict = 'apply:'
    on conflict on constraint cloud_sessions_pkey do update
      set client_id = coalesce(excluded.client_id, s.client_id),
          project_id = excluded.project_id, title = excluded.title, model = excluded.model,
          parent_id = excluded.parent_id, branch_point = excluded.branch_point,
          metadata = excluded.metadata, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at, sync_version = excluded.sync_version,
          deleted_at = excluded.deleted_at
      where (s.sync_version, s.last_modified_at) < (excluded.sync_version, excluded.last_modified_at)
        and s.user_id = excluded.user_id
    returning s.id, s.sync_version
  )
  select 'session'::text, c.id,
         case when c.verdict <> 'apply:' then pg_catalog.split_part(c.verdict, ':', 1)
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version),
         case when c.verdict <> 'apply:' then nullif(pg_catalog.split_part(c.verdict, ':', 2), '')
              when w.id is null then 'server_newer' end
    from classified c
    left join written w on w.id = c.id;

  perform pg_catalog.set_config('lmx.trusted_message_write', 'on', true);
  return query
  with incoming as (
    select distinct on (x.id) x.*
      from pg_catalog.jsonb_to_recordset(coalesce(batch -> 'messages', '[]'::jsonb)) as x(
        id uuid, client_id text, session_id uuid, sync_version bigint, parent_id uuid,
        message_index integer, role text, content text, reasoning text, tool_calls jsonb,
        token_usage jsonb, model text, input_tokens integer, output_tokens integer,
        cached_tokens integer, tokens_per_second real, time_to_first_token_ms integer,
        created_at timestamptz, last_modified_at timestamptz, deleted_at timestamptz)
     order by x.id, x.sync_version desc
  ),
  current_rows as (
    select m.id, m.user_id, m.session_id, m.device_id, m.sync_version, m.parent_id, m.message_index,
           m.role, m.content, m.model, m.input_tokens, m.output_tokens, m.cached_tokens,
           m.tool_calls, m.deleted_at, m.created_at, m.last_modified_at
      from public.cloud_messages m
     where m.id in (select i.id from incoming i)
       for update
  ),
  sessions as (
    select s.id, s.project_id
      from public.cloud_sessions s
     where s.id in (select i.session_id from incoming i)
       and s.user_id = caller
  ),
  normalized as (
    select i.id, i.client_id, i.session_id, i.sync_version, i.parent_id, i.message_index, i.role,
           case when i.deleted_at is null then coalesce(i.content, '') else '' end as content,
           case when i.deleted_at is null then i.reasoning end as reasoning,
           case when i.deleted_at is null then i.tool_calls end as tool_calls,
           i.token_usage, i.model,
           coalesce(i.input_tokens, (i.token_usage ->> 'input_tokens')::integer,
                    (i.token_usage ->> 'prompt_tokens')::integer, 0) as input_tokens,
           coalesce(i.output_tokens, (i.token_usage ->> 'output_tokens')::integer,
                    (i.token_usage ->> 'completion_tokens')::integer, 0) as output_tokens,
           coalesce(i.cached_tokens, (i.token_usage ->> 'cached_tokens')::integer, 0) as cached_tokens,
           i.tokens_per_second, i.time_to_first_token_ms, i.created_at, i.last_modified_at, i.deleted_at
      from incoming i
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
      from normalized n
      left join current_rows c on c.id = n.id
      left join sessions ss on ss.id = n.session_id
  ),
  classified as (
    select c.*,
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
      end as verdict
      from compared c
  ),
  -- Each model's reference cloud model (the caller's own mapping first), once per batch.
  references_used as (
    select distinct on (r.model) r.model, r.reference_model
      from public.model_references r
     where r.model in (select c.model from classified c)
       and (r.user_id = caller or r.user_id is null)
     order by r.model, r.user_id is null
  ),
  -- Owner, project and price for the whole batch at once (the message trigger does not run
  -- while lmx.trusted_message_write is on). Same pricing rule as private.message_cost.
  priced as (
    select c.*,
      coalesce((
        select ((c.input_tokens - c.cached_tokens) * p.input_per_mtok
                + c.cached_tokens * p.cached_per_mtok
                + c.output_tokens * p.output_per_mtok) / 1000000
          from public.model_prices p
         where p.model = c.model
           and (p.user_id = caller or p.user_id is null)
           and p.effective_from <= c.written_at
         order by p.user_id is null, p.effective_from desc
         limit 1
      ), 0)::numeric(16, 8) as cost,
      -- private.message_local_cost and private.message_cloud_equivalent, inlined, with the
      -- device's price and each model's reference looked up once for the batch.
      coalesce(case when c.tokens_per_second > 0 then
        case dp.mode
          when 'hourly' then (c.output_tokens / c.tokens_per_second::numeric
            + coalesce(c.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
          else (c.output_tokens / c.tokens_per_second::numeric
            + coalesce(c.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
        end
      end, 0)::numeric(16, 8) as local_cost,
      coalesce(case when rf.reference_model is not null then
        coalesce((
          select ((c.input_tokens - c.cached_tokens) * p.input_per_mtok
                  + c.cached_tokens * p.cached_per_mtok
                  + c.output_tokens * p.output_per_mtok) / 1000000
            from public.model_prices p
           where p.model = rf.reference_model
             and (p.user_id = caller or p.user_id is null)
             and p.effective_from <= c.written_at
           order by p.user_id is null, p.effective_from desc
           limit 1
        ), 0)::numeric(16, 8)
      end, 0)::numeric(16, 8) as cloud_equivalent
      from classified c
      left join public.device_prices dp on dp.device_id = caller_device
      left join references_used rf on rf.model = c.model
     where c.verdict = 'apply:'
  ),
  written as (
    insert into public.cloud_messages as m (
      id, client_id, session_id, user_id, project_id, device_id, parent_id, message_index, role,
      content, reasoning, tool_calls, token_usage, model, input_tokens, output_tokens,
      cached_tokens, tokens_per_second, time_to_first_token_ms, cost_usd, local_cost_usd,
      cloud_equivalent_usd, created_at, last_modified_at, sync_version, deleted_at)
    select c.id, c.client_id, c.session_id, caller, c.session_project_id, caller_device,
           c.parent_id, c.message_index, c.role, c.content, c.reasoning, c.tool_calls,
           c.token_usage, c.model, c.input_tokens, c.output_tokens, c.cached_tokens,
           c.tokens_per_second, c.time_to_first_token_ms, c.cost, c.local_cost,
           c.cloud_equivalent, c.written_at,
           coalesce(c.last_modified_at, pg_catalog.now()), c.sync_version, c.deleted_at
      from priced c
    on conflict on constraint cloud_messages_pkey do update
      set client_id = coalesce(excluded.client_id, m.client_id),
          parent_id = excluded.parent_id, message_index = excluded.message_index,
          role = excluded.role, content = excluded.content, reasoning = excluded.reasoning,
          tool_calls = excluded.tool_calls, token_usage = excluded.token_usage,
          model = excluded.model, input_tokens = excluded.input_tokens,
          output_tokens = excluded.output_tokens, cached_tokens = excluded.cached_tokens,
          tokens_per_second = excluded.tokens_per_second,
          time_to_first_token_ms = excluded.time_to_first_token_ms,
          cost_usd = excluded.cost_usd, local_cost_usd = excluded.local_cost_usd,
          cloud_equivalent_usd = excluded.cloud_equivalent_usd, created_at = excluded.created_at,
          last_modified_at = excluded.last_modified_at,
          sync_version = excluded.sync_version, deleted_at = excluded.deleted_at,
          updated_at = pg_catalog.now(),
          change_seq = (pg_catalog.pg_current_xact_id()::text)::bigint
      where (m.sync_version, m.last_modified_at) < (excluded.sync_version, excluded.last_modified_at)
        and m.user_id = excluded.user_id
        and m.session_id = excluded.session_id
    returning m.id, m.sync_version
  )
  select 'message'::text, c.id,
         case when c.verdict <> 'apply:' then pg_catalog.split_part(c.verdict, ':', 1)
              when w.id is not null then 'applied'
              else 'conflict' end,
         coalesce(w.sync_version, c.current_version),
         case when c.verdict <> 'apply:' then nullif(pg_catalog.split_part(c.verdict, ':', 2), '')
              when w.id is null then 'server_newer' end
    from classified c
    left join written w on w.id = c.id;
  perform pg_catalog.set_config('lmx.trusted_message_write', '', true);
end;
$$;


