-- Usage: a new or changed price re-prices its messages, daily rollups per user, model, device
-- and project are kept exact by triggers on messages, and the dashboard views read those
-- rollups, so a dashboard reads thousands of rollup rows instead of millions of messages.

-- A price added, changed or removed re-prices the messages it may apply to; their update
-- carries the difference into session totals and rollups.
create or replace function private.model_prices_reprice()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  models text[];
  owner uuid;
begin
  if tg_op = 'DELETE' then
    models := array[old.model];
    owner := old.user_id;
  elsif tg_op = 'INSERT' then
    models := array[new.model];
    owner := new.user_id;
  else
    models := array[old.model, new.model];
    -- A price that moves between global and a user's touches both sets of messages.
    owner := case when old.user_id is not distinct from new.user_id then new.user_id end;
  end if;

  update public.cloud_messages m
     set cost_usd = private.message_cost(m.user_id, m.model, m.created_at,
                                         m.input_tokens, m.output_tokens, m.cached_tokens)
   where m.model = any (models)
     and (owner is null or m.user_id = owner)
     and m.cost_usd is distinct from private.message_cost(m.user_id, m.model, m.created_at,
                                         m.input_tokens, m.output_tokens, m.cached_tokens);
  return null;
end;
$$;

create trigger model_prices_reprice
  after insert or update or delete on public.model_prices
  for each row execute function private.model_prices_reprice();

-- Daily usage per user, model, device and project (UTC days). Rows with no live messages
-- left are removed, so the table always equals the aggregate over live messages.
create table public.usage_daily (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  day date not null,
  model text not null,
  -- No foreign keys: when a device or project goes away its messages move to null, and the
  -- message triggers move the rollup with them.
  device_id uuid,
  project_id uuid,
  -- No check (message_count >= 0): a negative delta is proposed as an insert before
  -- on conflict adds it to the existing row, and checks run on the proposed row.
  message_count bigint not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  cost_usd numeric(20, 8) not null default 0,
  constraint usage_daily_key unique nulls not distinct (user_id, day, model, device_id, project_id)
);

create index usage_daily_user_id_day_idx on public.usage_daily (user_id, day);
create index usage_daily_project_id_day_idx on public.usage_daily (project_id, day) where project_id is not null;
create index usage_daily_device_id_day_idx on public.usage_daily (device_id, day) where device_id is not null;

alter table public.usage_daily enable row level security;

revoke all on public.usage_daily from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_daily from authenticated;

create policy "Users and project members can view usage" on public.usage_daily
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

-- One trigger per statement kind, reading its transition tables, adds the signed
-- contributions (+ each new live message, - each old one) into the rollup.
create or replace function private.usage_daily_add_insert()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.usage_daily as u
    (user_id, day, model, device_id, project_id, message_count, input_tokens, output_tokens, cached_tokens, cost_usd)
  select n.user_id, (n.created_at at time zone 'UTC')::date, coalesce(n.model, 'unknown'), n.device_id, n.project_id,
         count(*), sum(n.input_tokens), sum(n.output_tokens), sum(n.cached_tokens), sum(n.cost_usd)
    from new_rows n
   where n.deleted_at is null
   group by 1, 2, 3, 4, 5
  on conflict on constraint usage_daily_key do update
    set message_count = u.message_count + excluded.message_count,
        input_tokens = u.input_tokens + excluded.input_tokens,
        output_tokens = u.output_tokens + excluded.output_tokens,
        cached_tokens = u.cached_tokens + excluded.cached_tokens,
        cost_usd = u.cost_usd + excluded.cost_usd;
  return null;
end;
$$;

create or replace function private.usage_daily_add_update()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with deltas as (
    select n.user_id, (n.created_at at time zone 'UTC')::date as day, coalesce(n.model, 'unknown') as model,
           n.device_id, n.project_id, 1 as messages, n.input_tokens as input, n.output_tokens as output,
           n.cached_tokens as cached, n.cost_usd as cost
      from new_rows n where n.deleted_at is null
    union all
    select o.user_id, (o.created_at at time zone 'UTC')::date, coalesce(o.model, 'unknown'),
           o.device_id, o.project_id, -1, -o.input_tokens, -o.output_tokens, -o.cached_tokens, -o.cost_usd
      from old_rows o where o.deleted_at is null
  ),
  summed as (
    select d.user_id, d.day, d.model, d.device_id, d.project_id, sum(d.messages) as messages,
           sum(d.input) as input, sum(d.output) as output, sum(d.cached) as cached, sum(d.cost) as cost
      from deltas d
     group by 1, 2, 3, 4, 5
    having sum(d.messages) <> 0 or sum(d.input) <> 0 or sum(d.output) <> 0 or sum(d.cached) <> 0
        or sum(d.cost) <> 0
  ),
  applied as (
    insert into public.usage_daily as u
      (user_id, day, model, device_id, project_id, message_count, input_tokens, output_tokens, cached_tokens, cost_usd)
    select s.user_id, s.day, s.model, s.device_id, s.project_id, s.messages, s.input, s.output, s.cached, s.cost
      from summed s
    on conflict on constraint usage_daily_key do update
      set message_count = u.message_count + excluded.message_count,
          input_tokens = u.input_tokens + excluded.input_tokens,
          output_tokens = u.output_tokens + excluded.output_tokens,
          cached_tokens = u.cached_tokens + excluded.cached_tokens,
          cost_usd = u.cost_usd + excluded.cost_usd
    returning u.id, u.message_count
  )
  select pg_catalog.array_agg(a.id) into emptied from applied a where a.message_count = 0;
  -- A second statement: rows changed by a data-modifying CTE are invisible to its outer query.
  delete from public.usage_daily u where u.id = any (emptied);
  return null;
end;
$$;

create or replace function private.usage_daily_add_delete()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with summed as (
    select o.user_id, (o.created_at at time zone 'UTC')::date as day, coalesce(o.model, 'unknown') as model,
           o.device_id, o.project_id, count(*) as messages, sum(o.input_tokens) as input,
           sum(o.output_tokens) as output, sum(o.cached_tokens) as cached, sum(o.cost_usd) as cost
      from old_rows o
     where o.deleted_at is null
     group by 1, 2, 3, 4, 5
  ),
  applied as (
    update public.usage_daily u
       set message_count = u.message_count - s.messages,
           input_tokens = u.input_tokens - s.input,
           output_tokens = u.output_tokens - s.output,
           cached_tokens = u.cached_tokens - s.cached,
           cost_usd = u.cost_usd - s.cost
      from summed s
     where u.user_id = s.user_id and u.day = s.day and u.model = s.model
       and u.device_id is not distinct from s.device_id
       and u.project_id is not distinct from s.project_id
    returning u.id, u.message_count
  )
  select pg_catalog.array_agg(a.id) into emptied from applied a where a.message_count = 0;
  -- A second statement: rows changed by a data-modifying CTE are invisible to its outer query.
  delete from public.usage_daily u where u.id = any (emptied);
  return null;
end;
$$;

create trigger usage_daily_add_insert
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.usage_daily_add_insert();
create trigger usage_daily_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.usage_daily_add_update();
create trigger usage_daily_add_delete
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.usage_daily_add_delete();

revoke execute on function
  private.model_prices_reprice(),
  private.usage_daily_add_insert(),
  private.usage_daily_add_update(),
  private.usage_daily_add_delete()
  from public, anon, authenticated;

-- Dashboard views. All security_invoker: the rollup's policies decide what each caller sees.
-- Each is grouped by UTC day plus one dimension, so a date-range filter applies to the rollup.
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

create view public.session_summary
  with (security_invoker = true)
as
select s.id, s.user_id, s.title, s.model, s.device_id, d.name as device_name, s.project_id,
       s.parent_id, s.branch_point, s.message_count, s.token_count, s.cost_usd,
       s.created_at, s.updated_at, s.last_modified_at, s.sync_version
  from public.cloud_sessions s
  left join public.devices d on d.id = s.device_id
 where s.deleted_at is null;

-- The caller's latest happenings across sessions and the audit log, newest first.
create view public.recent_activity
  with (security_invoker = true)
as
select 'session'::text as kind, s.id, s.title as summary, s.device_id, s.project_id,
       pg_catalog.jsonb_build_object('message_count', s.message_count, 'model', s.model) as details,
       s.updated_at as at
  from public.cloud_sessions s
 where s.user_id = (select auth.uid()) and s.deleted_at is null
union all
select 'audit'::text, a.id, a.action, a.actor_device_id, a.project_id,
       a.details || pg_catalog.jsonb_build_object('target_type', a.target_type, 'target_id', a.target_id),
       a.created_at
  from public.audit_log a
 where a.actor_user_id = (select auth.uid());

-- One row for the caller: totals, devices, activity span and favourite model.
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

revoke all on public.usage_by_day, public.usage_by_model, public.usage_by_device,
  public.usage_by_project, public.session_summary, public.recent_activity, public.user_analytics
  from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_by_day,
  public.usage_by_model, public.usage_by_device, public.usage_by_project, public.session_summary,
  public.recent_activity, public.user_analytics
  from authenticated;
