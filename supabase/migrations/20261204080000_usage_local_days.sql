-- Local-day rollups per (user, timezone), built on first use and kept exact by the message
-- triggers (docs/usage.md "Day boundaries"). Redefines public.usage_report, usage_report_days
-- and usage_dashboard (same signatures and results; now volatile, because a read may build
-- the rollup for a zone it has not seen), and adds three statement triggers on cloud_messages.
--
-- Why: a year of the /usage page read ~60,000 hourly rows under RLS, shifted each into its
-- local day and read every split hour of a half-hour zone from the messages (1.5 s in UTC,
-- 4 s in Asia/Kolkata at 1,000,000 messages). A UTC-day rollup cannot answer local days, and
-- a rollup per timezone for every zone would multiply every message write by ~600. So a user
-- gets rows for the zones they actually look at (at most ZONES_PER_USER, the least recently
-- used one is dropped), built from the hourly rollup for whole hours and from the messages
-- for the hours a local midnight splits, then moved by every message insert, update and
-- delete like usage_hourly. A read is one index range scan of at most one row per local day x
-- model x device x project.

create table public.usage_local_days (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  tz text not null,
  day date not null,
  model text not null,
  -- No foreign keys, as in usage_hourly: the message triggers move the rollup with them.
  device_id uuid,
  project_id uuid,
  message_count bigint not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  cost_usd numeric(20, 8) not null default 0,
  local_cost_usd numeric(20, 8) not null default 0,
  cloud_equivalent_usd numeric(20, 8) not null default 0,
  timed_output_tokens bigint not null default 0,
  generation_seconds numeric(24, 6) not null default 0,
  constraint usage_local_days_key unique nulls not distinct (user_id, tz, day, model, device_id, project_id)
);

create index usage_local_days_project_id_tz_day_idx on public.usage_local_days (project_id, tz, day)
  where project_id is not null;

alter table public.usage_local_days enable row level security;

revoke all on public.usage_local_days from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_local_days from authenticated;

create policy "Users and project members can view local-day usage" on public.usage_local_days
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and (select private.requester_is_active()))
    or project_id in (select private.my_project_ids('viewer'))
  );

-- The zones whose rows exist for a user; the triggers keep exactly these up to date.
create table private.usage_local_zones (
  user_id uuid not null references auth.users (id) on delete cascade,
  tz text not null,
  used_on date not null default current_date,
  primary key (user_id, tz)
);
alter table private.usage_local_zones enable row level security;
revoke all on private.usage_local_zones from public, anon, authenticated;

-- One user's rows for one zone, from scratch: whole UTC hours from usage_hourly, the hours a
-- local midnight splits (none in whole-hour zones) from the messages. The caller holds the
-- lock that keeps message writes out (usage_local_days_ensure).
create or replace function private.usage_local_days_build(p_user uuid, p_tz text)
returns void
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
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
             1, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd, m.local_cost_usd,
             m.cloud_equivalent_usd, case when m.tokens_per_second > 0 then m.output_tokens else 0 end,
             private.message_generation_seconds(m.output_tokens, m.tokens_per_second)
        from (select distinct h.hour
                from public.usage_hourly h
               where h.user_id = p_user
                 and (h.hour at time zone p_tz)::date
                     <> ((h.hour + interval '1 hour' - interval '1 microsecond') at time zone p_tz)::date) s
        cross join lateral (
          select * from public.cloud_messages m
           where m.user_id = p_user and m.deleted_at is null
             and m.created_at >= s.hour and m.created_at < s.hour + interval '1 hour'
          offset 0) m
    ) p
   group by p.day, p.model, p.device_id, p.project_id;
end;
$$;

-- Makes sure the rows a read of p_tz needs exist: the caller's own, or with p_project those of
-- everyone with usage in the project (only when the caller may see it; RLS still decides what
-- the read returns). Builds missing zones under a share lock on usage_hourly, which waits for
-- message writes in flight and holds new ones until the build commits: a write either lands
-- in the build or, seeing the zone, in the triggers, never both or neither.
create or replace function private.usage_local_days_ensure(p_tz text, p_project uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  zones_per_user constant int := 4;
  owners uuid[];
  missing uuid[];
  owner uuid;
begin
  if p_project is null then
    owners := array[auth.uid()];
  elsif p_project in (select private.my_project_ids('viewer')) then
    select coalesce(pg_catalog.array_agg(distinct h.user_id), '{}') into owners
      from public.usage_hourly h where h.project_id = p_project;
  else
    return;
  end if;
  if owners is null or owners = '{null}' then
    return;
  end if;
  select coalesce(pg_catalog.array_agg(o.id), '{}') into missing
    from pg_catalog.unnest(owners) as o(id)
   where not exists (select 1 from private.usage_local_zones z where z.user_id = o.id and z.tz = p_tz);
  -- Marks the zone as used at most once a day, so reads do not write on every call.
  update private.usage_local_zones z set used_on = current_date
   where z.tz = p_tz and z.user_id = any (owners) and z.used_on < current_date;
  if pg_catalog.cardinality(missing) = 0 then
    return;
  end if;
  lock table public.usage_hourly in share mode;
  foreach owner in array missing loop
    insert into private.usage_local_zones (user_id, tz) values (owner, p_tz) on conflict do nothing;
    if found then
      -- The least recently used zones beyond the limit go, with their rows.
      with dropped as (
        delete from private.usage_local_zones z
         where z.user_id = owner
           and z.tz in (select y.tz from private.usage_local_zones y where y.user_id = owner
                         order by y.tz = p_tz desc, y.used_on desc, y.tz offset zones_per_user)
        returning z.tz)
      delete from public.usage_local_days d where d.user_id = owner and d.tz in (select dropped.tz from dropped);
      perform private.usage_local_days_build(owner, p_tz);
    end if;
  end loop;
end;
$$;

-- The message triggers, as usage_hourly's (…000520, …013100, …025000): one message's
-- contribution is the same expression wherever it is added or taken away.
create or replace function private.usage_local_days_add_insert()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.usage_local_days as u
    (user_id, tz, day, model, device_id, project_id, message_count, input_tokens, output_tokens,
     cached_tokens, cost_usd, local_cost_usd, cloud_equivalent_usd, timed_output_tokens, generation_seconds)
  select n.user_id, z.tz, (n.created_at at time zone z.tz)::date, coalesce(n.model, 'unknown'),
         n.device_id, n.project_id, count(*), sum(n.input_tokens), sum(n.output_tokens),
         sum(n.cached_tokens), sum(n.cost_usd), sum(n.local_cost_usd), sum(n.cloud_equivalent_usd),
         coalesce(sum(n.output_tokens) filter (where n.tokens_per_second > 0), 0),
         sum(private.message_generation_seconds(n.output_tokens, n.tokens_per_second))
    from new_rows n
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
$$;

create or replace function private.usage_local_days_add_update()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with deltas as (
    select n.user_id, n.created_at, coalesce(n.model, 'unknown') as model, n.device_id, n.project_id,
           1 as messages, n.input_tokens as input, n.output_tokens as output, n.cached_tokens as cached,
           n.cost_usd as cost, n.local_cost_usd as local_cost, n.cloud_equivalent_usd as cloud,
           case when n.tokens_per_second > 0 then n.output_tokens else 0 end as timed,
           private.message_generation_seconds(n.output_tokens, n.tokens_per_second) as gen
      from new_rows n where n.deleted_at is null
    union all
    select o.user_id, o.created_at, coalesce(o.model, 'unknown'), o.device_id, o.project_id, -1,
           -o.input_tokens, -o.output_tokens, -o.cached_tokens, -o.cost_usd, -o.local_cost_usd,
           -o.cloud_equivalent_usd, case when o.tokens_per_second > 0 then -o.output_tokens else 0 end,
           -private.message_generation_seconds(o.output_tokens, o.tokens_per_second)
      from old_rows o where o.deleted_at is null
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
$$;

create or replace function private.usage_local_days_add_delete()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  emptied bigint[];
begin
  with summed as (
    select o.user_id, z.tz, (o.created_at at time zone z.tz)::date as day,
           coalesce(o.model, 'unknown') as model, o.device_id, o.project_id, count(*) as messages,
           sum(o.input_tokens) as input, sum(o.output_tokens) as output, sum(o.cached_tokens) as cached,
           sum(o.cost_usd) as cost, sum(o.local_cost_usd) as local_cost, sum(o.cloud_equivalent_usd) as cloud,
           coalesce(sum(o.output_tokens) filter (where o.tokens_per_second > 0), 0) as timed,
           sum(private.message_generation_seconds(o.output_tokens, o.tokens_per_second)) as gen
      from old_rows o
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
$$;

-- Named after usage_hourly's triggers so they fire after them (triggers of an event fire in
-- name order): a write held by a zone build's lock takes a fresh snapshot here and sees the zone.
create trigger usage_local_days_add_insert
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.usage_local_days_add_insert();
create trigger usage_local_days_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.usage_local_days_add_update();
create trigger usage_local_days_add_delete
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.usage_local_days_add_delete();

revoke execute on function
  private.usage_local_days_add_insert(),
  private.usage_local_days_add_update(),
  private.usage_local_days_add_delete(),
  private.usage_local_days_build(uuid, text)
  from public, anon, authenticated;
revoke execute on function private.usage_local_days_ensure(text, uuid) from public, anon;
grant execute on function private.usage_local_days_ensure(text, uuid) to authenticated;
