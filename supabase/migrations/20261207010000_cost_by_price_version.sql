-- Cost by price version: a message's cost is computed from its tokens and the model price
-- version in force when it was written (`public.cost_usd(m)`, a computed field), no longer
-- stored per message. The rollups keep a stored cost (readers unchanged), and two private
-- tables keep token sums per price version: per 15-minute slot (every UTC hour and every
-- local day of every zone in use is a whole number of slots) and per session. Editing a
-- version's rates then writes model_prices, the rollup rows of that version and the session
-- totals (tokens x rate difference, exact in numeric) instead of every message. Adding,
-- removing or moving a version rebuilds that model's version sums from its messages (read,
-- not written). See docs/usage.md "Re-pricing".

-- The price version in force for a message: the owner's own version first, else the global
-- one (the rule of private.message_cost). A plain SQL set-returning function, so a lateral
-- join to it is inlined.
create or replace function private.price_in_force(p_user uuid, p_model text, p_at timestamptz)
returns table (id uuid, input_per_mtok numeric, cached_per_mtok numeric, output_per_mtok numeric)
language sql stable
as $$
  select p.id, p.input_per_mtok, p.cached_per_mtok, p.output_per_mtok
    from public.model_prices p
   where p.model = p_model
     and (p.user_id = p_user or p.user_id is null)
     and p.effective_from <= p_at
   order by p.user_id is null, p.effective_from desc
   limit 1
$$;
revoke execute on function private.price_in_force(uuid, text, timestamptz) from public, anon, authenticated;

-- Unrounded: a rollup of tokens x rates equals the sum of its messages only if no message's
-- cost is rounded (tokens x a 6-place rate / 10^6 is exact at 12 places).
create or replace function private.message_cost(owner uuid, model text, at timestamptz,
  input_tokens integer, output_tokens integer, cached_tokens integer)
returns numeric language sql stable security definer set search_path = ''
as $$
  select coalesce((
    select private.token_cost(input_tokens, output_tokens, cached_tokens,
             v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok)
      from private.price_in_force(owner, model, at) v
  ), 0)
$$;

-- The version sums.
create table private.usage_price_slots (
  id bigint generated always as identity primary key,
  price_id uuid not null,
  user_id uuid not null,
  slot timestamptz not null,
  model text not null,
  device_id uuid,
  project_id uuid,
  messages bigint not null default 0,
  input_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  constraint usage_price_slots_key unique nulls not distinct (price_id, user_id, slot, model, device_id, project_id)
);
create index usage_price_slots_model on private.usage_price_slots (model, user_id);
create table private.session_price_tokens (
  id bigint generated always as identity primary key,
  price_id uuid not null,
  session_id uuid not null,
  user_id uuid not null,
  model text not null,
  messages bigint not null default 0,
  input_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  constraint session_price_tokens_key unique (price_id, session_id)
);
create index session_price_tokens_model on private.session_price_tokens (model, user_id);
revoke all on private.usage_price_slots, private.session_price_tokens from public, anon, authenticated;

-- The slot of a moment: 15 minutes, so a UTC hour and a local midnight in any zone of today's
-- tz database (offsets are whole quarter hours) fall on slot boundaries.
create or replace function private.price_slot(at timestamptz)
returns timestamptz language sql immutable parallel safe
return pg_catalog.date_bin('15 minutes', at, '2000-01-01 00:00:00+00'::timestamptz);


-- The rollups' stored costs and the cloud equivalents become unrounded too (they were
-- numeric(20, 8) and (16, 8)): a rollup equals its messages only if neither rounds, and a
-- cloud equivalent is private.message_cost at the reference model. The views over them are
-- dropped and recreated as they were (definition, options, grants, comment): Postgres cannot
-- change the type of a column a view reads.
create temp table lmx_cost_views as
with recursive deps (oid, depth) as (
  select c.oid, 0
    from pg_catalog.pg_class c
   where c.oid in ('public.usage_hourly'::regclass, 'public.usage_local_days'::regclass,
                   'public.cloud_sessions'::regclass)
  union all
  select r.ev_class, deps.depth + 1
    from deps
    join pg_catalog.pg_depend d on d.refobjid = deps.oid and d.classid = 'pg_catalog.pg_rewrite'::regclass
    join pg_catalog.pg_rewrite r on r.oid = d.objid
   where r.ev_class <> deps.oid
)
select c.oid::regclass::text as name, max(deps.depth) as depth, pg_catalog.pg_get_viewdef(c.oid) as def,
       c.reloptions, c.relacl, pg_catalog.obj_description(c.oid, 'pg_class') as note
  from deps
  join pg_catalog.pg_class c on c.oid = deps.oid
 where c.relkind = 'v'
 group by c.oid;

do $$
declare
  v record;
begin
  for v in select * from lmx_cost_views order by depth desc loop
    execute pg_catalog.format('drop view %s', v.name);
  end loop;
end;
$$;

alter table public.usage_hourly alter column cost_usd type numeric;
alter table public.usage_local_days alter column cost_usd type numeric;
alter table public.cloud_sessions alter column cost_usd type numeric;
alter table public.usage_hourly alter column cloud_equivalent_usd type numeric;
alter table public.usage_local_days alter column cloud_equivalent_usd type numeric;
alter table public.cloud_messages alter column cloud_equivalent_usd type numeric;

do $$
declare
  v record;
  g record;
begin
  for v in select * from lmx_cost_views order by depth loop
    -- usage_daily rounded its day's cost to 8 places; it sums exactly now.
    if v.name = 'usage_daily' then
      -- (Postgres 15 prints the column as u.cost_usd, PGlite's Postgres 17 as cost_usd.)
      if v.def !~ '\(sum\((u\.)?cost_usd\)\)::numeric\(20,8\)' then
        raise exception 'usage_daily: its cost rounding is not where it was: %', v.def;
      end if;
      v.def := pg_catalog.regexp_replace(v.def, '\(sum\((u\.)?cost_usd\)\)::numeric\(20,8\)', 'sum(u.cost_usd)');
    end if;
    execute pg_catalog.format('create view %s%s as %s', v.name,
      case when v.reloptions is null then ''
           else ' with (' || pg_catalog.array_to_string(v.reloptions, ', ') || ')' end,
      v.def);
    -- Default privileges granted more on creation; back to exactly the saved grants.
    for g in
      select distinct a.grantee
        from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
       where c.oid = v.name::regclass and a.grantee <> c.relowner
    loop
      execute pg_catalog.format('revoke all on %s from %s', v.name,
        case when g.grantee = 0 then 'public' else pg_catalog.quote_ident(g.grantee::regrole::text) end);
    end loop;
    for g in
      select a.privilege_type, a.grantee
        from pg_catalog.aclexplode(v.relacl) a
        join pg_catalog.pg_class c on c.oid = v.name::regclass
       where a.grantee <> c.relowner
    loop
      execute pg_catalog.format('grant %s on %s to %s', g.privilege_type, v.name,
        case when g.grantee = 0 then 'public' else pg_catalog.quote_ident(g.grantee::regrole::text) end);
    end loop;
    if v.note is not null then
      execute pg_catalog.format('comment on view %s is %L', v.name, v.note);
    end if;
  end loop;
end;
$$;
drop table lmx_cost_views;

-- The stored per-message cost goes; `m.cost_usd` now reads the computed field below.
alter table public.cloud_messages drop column cost_usd;

-- A message's cost, computed when read (PostgREST's computed field: `m.cost_usd` reads
-- `public.cost_usd(m)` now that the column is gone, and the REST API serves it by name).
-- Only for a row that is a stored message as given, so a made-up row cannot read another
-- owner's prices.
create or replace function public.cost_usd(m public.cloud_messages)
returns numeric language sql stable security definer set search_path = ''
as $$
  select coalesce((
    select private.token_cost(m.input_tokens, m.output_tokens, m.cached_tokens,
             v.input_per_mtok, v.cached_per_mtok, v.output_per_mtok)
      from private.price_in_force(m.user_id, m.model, m.created_at) v
     where exists (
       select 1 from public.cloud_messages c
        where c.id = m.id and c.user_id = m.user_id and c.model is not distinct from m.model
          and c.created_at = m.created_at and c.input_tokens = m.input_tokens
          and c.output_tokens = m.output_tokens and c.cached_tokens = m.cached_tokens)
  ), 0)
$$;
-- Not for anon (a security definer function in an API schema; anon reads no message).
revoke execute on function public.cost_usd(public.cloud_messages) from public, anon;
grant execute on function public.cost_usd(public.cloud_messages) to authenticated, service_role;

-- Which version prices a row, in two shapes, both by price_in_force's rule and token_cost's
-- arithmetic, so a pricing change edits these two and none of the rollup writers below:
-- insert triggers join a batch to its periods (once per statement, not a lookup per row of a
-- 10,000-row sync_push batch); update and delete triggers and the local-day build read their
-- rows through message_priced.

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

-- A message row's money figures: its cost at the model price version in force when it was
-- written (0 without one), its stored local cost and its stored cloud equivalent. A plain SQL
-- set-returning function without settings, so `cross join lateral private.message_priced(n)`
-- is inlined: a transition table's row (a record) is expanded into its columns, each field read
-- becomes a column read, and the plan is a lateral join to private.price_in_force.
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

-- The writers and rollup triggers that read the stored cost now price each row as they read it,
-- through those two pieces; the cloud equivalent is stored unrounded (private.message_cost is).

-- usage_hourly_add_insert
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

-- usage_local_days_add_insert
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

-- cloud_messages_count_insert
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
-- The counters' insert trigger also moves the last activity (one update of the batch's
-- sessions, one pass of their row triggers and one Realtime change instead of two).
drop trigger cloud_messages_touch_activity on public.cloud_messages;
drop function private.cloud_messages_touch_activity();

-- cloud_messages_count_update
create or replace function private.cloud_messages_count_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  with deltas as (
    select n.session_id, 1 as messages, n.input_tokens::bigint + n.output_tokens as tokens, p.cost_usd as cost
      from new_rows n cross join lateral private.message_priced(n) p
     where n.deleted_at is null
    union all
    select o.session_id, -1, -(o.input_tokens::bigint + o.output_tokens), -p.cost_usd
      from old_rows o cross join lateral private.message_priced(o) p
     where o.deleted_at is null
  ),
  per_session as (
    select d.session_id, sum(d.messages) as messages, sum(d.tokens) as tokens, sum(d.cost) as cost
      from deltas d
     group by d.session_id
    having sum(d.messages) <> 0 or sum(d.tokens) <> 0 or sum(d.cost) <> 0
  )
  update public.cloud_sessions s
     set message_count = s.message_count + p.messages,
         token_count = s.token_count + p.tokens,
         cost_usd = s.cost_usd + p.cost
    from per_session p
   where s.id = p.session_id;
  return null;
end;
$function$;

-- cloud_messages_count_delete
create or replace function private.cloud_messages_count_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
begin
  with deltas as (
    select o.session_id, count(*) as messages, sum(o.input_tokens::bigint + o.output_tokens) as tokens,
           sum(p.cost_usd) as cost
      from old_rows o cross join lateral private.message_priced(o) p
     where o.deleted_at is null
     group by o.session_id
  )
  update public.cloud_sessions s
     set message_count = s.message_count - d.messages,
         token_count = s.token_count - d.tokens,
         cost_usd = s.cost_usd - d.cost
    from deltas d
   where s.id = d.session_id;
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

-- sync_push_write_messages
create or replace function private.sync_push_write_messages(items jsonb, caller uuid, caller_device uuid, written_device uuid)
returns TABLE(kind text, id uuid, status text, server_version bigint, reason text)
language plpgsql
set search_path = ''
as $function$
begin
  return query
  with classified as materialized (
    select * from private.sync_push_classify_messages(items, caller, caller_device)
  ),
  applied as (
    -- The device the row has once written: a new row gets written_device, an existing row
    -- keeps its own (the update below never changes device_id).
    select c.*, case when c.current_id is null then written_device else c.current_device end
             as priced_device
      from classified c
     where c.verdict = 'apply:'
  ),
  versions as materialized (
    select *
      from private.model_price_versions(caller, array(select distinct a.model from applied a))
  ),
  device_rates as materialized (
    select dp.device_id, dp.mode, dp.usd_per_hour, dp.usd_per_kwh, dp.busy_watts
      from public.device_prices dp
     where dp.device_id = any (array(select distinct a.priced_device from applied a))
  ),
  priced as (
    select a.*,
      -- private.message_local_cost, inlined.
      coalesce(case when a.tokens_per_second > 0 then
        case dp.mode
          when 'hourly' then (a.output_tokens / a.tokens_per_second::numeric
            + coalesce(a.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
          else (a.output_tokens / a.tokens_per_second::numeric
            + coalesce(a.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
        end
      end, 0)::numeric(16, 8) as local_cost,
      coalesce(private.token_cost(a.input_tokens, a.output_tokens, a.cached_tokens,
        v.reference_input_per_mtok, v.reference_cached_per_mtok, v.reference_output_per_mtok),
        0) as cloud_equivalent
      from applied a
      left join versions v
        on v.model = a.model and a.written_at >= v.valid_from
       and (v.valid_until is null or a.written_at < v.valid_until)
      left join device_rates dp on dp.device_id = a.priced_device
  ),
  written as (
    insert into public.cloud_messages as m (
      id, client_id, session_id, user_id, project_id, device_id, parent_id, message_index, role,
      content, reasoning, tool_calls, token_usage, model, input_tokens, output_tokens,
      cached_tokens, tokens_per_second, time_to_first_token_ms, local_cost_usd,
      cloud_equivalent_usd, created_at, last_modified_at, sync_version, deleted_at)
    select c.id, c.client_id, c.session_id, caller, c.session_project_id, written_device,
           c.parent_id, c.message_index, c.role, c.content, c.reasoning, c.tool_calls,
           c.token_usage, c.model, c.input_tokens, c.output_tokens, c.cached_tokens,
           c.tokens_per_second, c.time_to_first_token_ms, c.local_cost,
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
          local_cost_usd = excluded.local_cost_usd,
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
end;
$function$;

-- cloud_messages_track_changes
create or replace function private.cloud_messages_track_changes()
returns trigger
language plpgsql
set search_path = ''
as $function$
declare
  session_user_id uuid;
  session_project_id uuid;
begin
  if tg_op = 'INSERT' then
    select s.user_id, s.project_id into session_user_id, session_project_id
      from public.cloud_sessions s where s.id = new.session_id;
    if session_user_id is null or session_user_id <> new.user_id then
      raise exception 'cloud_messages: session % not found for this user', new.session_id
        using errcode = '23503';
    end if;
    new.project_id := session_project_id;
  else
    if new.user_id <> old.user_id or new.session_id <> old.session_id or new.id <> old.id then
      raise exception 'cloud_messages: a message cannot move to another session or owner' using errcode = '42501';
    end if;
    -- The project follows the session; only the session's own trigger (or a foreign key
    -- action) moves it, both one trigger level down.
    if pg_catalog.pg_trigger_depth() <= 1 then
      new.project_id := old.project_id;
    end if;
    new.updated_at := pg_catalog.now();
  end if;

  if new.deleted_at is not null then
    new.content := '';
    new.reasoning := null;
    new.tool_calls := null;
  end if;


  if tg_op = 'UPDATE' then
    if (new.parent_id, new.message_index, new.role, new.content, new.reasoning, new.tool_calls,
        new.token_usage, new.model, new.input_tokens, new.output_tokens, new.cached_tokens,
        new.tokens_per_second, new.time_to_first_token_ms, new.created_at, new.deleted_at,
        new.device_id, new.sync_version, new.last_modified_at)
       is not distinct from
       (old.parent_id, old.message_index, old.role, old.content, old.reasoning, old.tool_calls,
        old.token_usage, old.model, old.input_tokens, old.output_tokens, old.cached_tokens,
        old.tokens_per_second, old.time_to_first_token_ms, old.created_at, old.deleted_at,
        old.device_id, old.sync_version, old.last_modified_at) then
      return new;
    end if;
    if new.sync_version <= old.sync_version then
      new.sync_version := old.sync_version + 1;
    end if;
    if new.last_modified_at is not distinct from old.last_modified_at then
      new.last_modified_at := pg_catalog.now();
    end if;
  end if;
  new.change_seq := (pg_catalog.pg_current_xact_id()::text)::bigint;
  return new;
end;
$function$;

-- cloud_messages_price_local
create or replace function private.cloud_messages_price_local()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
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
             ), 0)
        from public.model_references r
       where r.model = new.model
         and (r.user_id = new.user_id or r.user_id is null)
       order by r.user_id is null
       limit 1
    ), 0);
  end if;
  return new;
end;
$function$;

-- reprice_cloud_equivalents
create or replace function private.reprice_cloud_equivalents(models text[], owner uuid)
returns void
language sql
security definer
set search_path = ''
as $function$
  select private.reprice_write('cloud_equivalent_usd', $q$
    with refs as (
      select r.model, r.user_id, r.reference_model from public.model_references r where r.model = any ($1)
    ),
    versions as (
      select p.model, p.user_id, p.input_per_mtok, p.output_per_mtok, p.cached_per_mtok,
             p.effective_from as valid_from,
             coalesce(pg_catalog.lead(p.effective_from) over (partition by p.model, p.user_id order by p.effective_from),
                      'infinity'::timestamptz) as valid_until
        from public.model_prices p
       where p.model in (select refs.reference_model from refs)
    )
    select x.id, x.version, x.old, x.value
      from (
        select c.id, c.xmin as version, c.cloud_equivalent_usd as old, coalesce(
                 ((c.input_tokens - c.cached_tokens) * u.input_per_mtok + c.cached_tokens * u.cached_per_mtok
                  + c.output_tokens * u.output_per_mtok) / 1000000,
                 ((c.input_tokens - c.cached_tokens) * g.input_per_mtok + c.cached_tokens * g.cached_per_mtok
                  + c.output_tokens * g.output_per_mtok) / 1000000,
                 0) as value
          from public.cloud_messages c
          left join refs own_ref on own_ref.model = c.model and own_ref.user_id = c.user_id
          left join refs shared_ref on shared_ref.model = c.model and shared_ref.user_id is null
          cross join lateral (select coalesce(own_ref.reference_model, shared_ref.reference_model) as model) ref
          left join versions u
            on u.model = ref.model and u.user_id = c.user_id
           and c.created_at >= u.valid_from and c.created_at < u.valid_until
          left join versions g
            on g.model = ref.model and g.user_id is null
           and c.created_at >= g.valid_from and c.created_at < g.valid_until
         where c.model = any ($1)
           and ($2::uuid is null or c.user_id = $2)
      ) x
     where x.old is distinct from x.value
  $q$, models, owner, null);
$function$;

-- message_cloud_equivalent
create or replace function private.message_cloud_equivalent(owner uuid, model text, at timestamp with time zone, input_tokens integer, output_tokens integer, cached_tokens integer)
returns numeric
language sql
stable security definer
set search_path = ''
as $function$
  select coalesce((
    select private.message_cost(owner, r.reference_model, at, input_tokens, output_tokens, cached_tokens)
      from public.model_references r
     where r.model = message_cloud_equivalent.model
       and (r.user_id = owner or r.user_id is null)
     order by r.user_id is null
     limit 1
  ), 0)
$function$;

-- One trigger function for insert, update and delete: only the signed rows differ (the new
-- rows count +1, the old ones -1). A statement names only the transition tables its trigger
-- has, so the one shared statement is run with its source chosen by TG_OP.
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
revoke execute on function private.price_versions_add() from public, anon, authenticated;
create trigger price_versions_add_insert
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.price_versions_add();
create trigger price_versions_add_update
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement
  when (not (current_user not in ('authenticated', 'anon', 'service_role')
             and coalesce(current_setting('lmx.rollups_applied', true), '') = 'on'))
  execute function private.price_versions_add();
create trigger price_versions_add_delete
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.price_versions_add();

-- TRUNCATE fires no delete triggers; only when they still hold rows (see
-- private.usage_speed_months_truncate).
create or replace function private.price_versions_truncate()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select 1 from private.usage_price_slots) then
    truncate private.usage_price_slots;
  end if;
  if exists (select 1 from private.session_price_tokens) then
    truncate private.session_price_tokens;
  end if;
  return null;
end;
$$;
revoke execute on function private.price_versions_truncate() from public, anon, authenticated;
create trigger price_versions_truncate
  after truncate on public.cloud_messages
  for each statement execute function private.price_versions_truncate();

-- Adds the cost of the version sums at the given (signed) rates to the rollups that store a
-- cost: usage_hourly, every registered zone's usage_local_days and the session totals. Each
-- slot lies inside one UTC hour and one local day of every zone. The rows exist: every slot
-- and session sum comes from live messages those rows already count.
create or replace function private.price_rollups_apply(rates jsonb, owner uuid)
returns void language plpgsql security definer set search_path = '' set jit = off
as $$
begin
  with r as materialized (
    select * from pg_catalog.jsonb_to_recordset(rates)
      as r (id uuid, input_per_mtok numeric, cached_per_mtok numeric, output_per_mtok numeric)
  ),
  per_slot as materialized (
    select s.user_id, s.slot, s.model, s.device_id, s.project_id,
           ((s.input_tokens - s.cached_tokens) * r.input_per_mtok + s.cached_tokens * r.cached_per_mtok
            + s.output_tokens * r.output_per_mtok) / 1000000 as delta
      from r
      join private.usage_price_slots s on s.price_id = r.id
     where owner is null or s.user_id = owner
  ),
  hourly as (
    update public.usage_hourly u
       set cost_usd = u.cost_usd + d.delta
      from (select p.user_id, pg_catalog.date_trunc('hour', p.slot, 'UTC') as hour, p.model,
                   p.device_id, p.project_id, sum(p.delta) as delta
              from per_slot p
             group by 1, 2, 3, 4, 5) d
     where d.delta <> 0 and u.user_id = d.user_id and u.hour = d.hour and u.model = d.model
       and u.device_id is not distinct from d.device_id and u.project_id is not distinct from d.project_id
  ),
  local_days as (
    update public.usage_local_days u
       set cost_usd = u.cost_usd + d.delta
      from (select p.user_id, z.tz, (p.slot at time zone z.tz)::date as day, p.model, p.device_id,
                   p.project_id, sum(p.delta) as delta
              from per_slot p
              join private.usage_local_zones z on z.user_id = p.user_id
             group by 1, 2, 3, 4, 5, 6) d
     where d.delta <> 0 and u.user_id = d.user_id and u.tz = d.tz and u.day = d.day
       and u.model = d.model and u.device_id is not distinct from d.device_id
       and u.project_id is not distinct from d.project_id
  )
  update public.cloud_sessions s
     set cost_usd = s.cost_usd + d.delta
    from (select t.session_id,
                 sum(((t.input_tokens - t.cached_tokens) * r.input_per_mtok + t.cached_tokens * r.cached_per_mtok
                      + t.output_tokens * r.output_per_mtok) / 1000000) as delta
            from r
            join private.session_price_tokens t on t.price_id = r.id
           where owner is null or t.user_id = owner
           group by t.session_id) d
   where d.delta <> 0 and s.id = d.session_id;
end;
$$;
revoke execute on function private.price_rollups_apply(jsonb, uuid) from public, anon, authenticated;

-- The version sums of some models' messages (one owner's, or everyone's), from the messages.
create or replace function private.price_versions_rebuild(models text[], owner uuid)
returns void language plpgsql security definer set search_path = '' set jit = off
as $$
begin
  delete from private.usage_price_slots s
   where s.model = any (models) and (owner is null or s.user_id = owner);
  delete from private.session_price_tokens s
   where s.model = any (models) and (owner is null or s.user_id = owner);
  with priced as materialized (
    select v.id as price_id, m.user_id, m.session_id, m.created_at, m.model, m.device_id,
           m.project_id, m.input_tokens, m.cached_tokens, m.output_tokens
      from public.cloud_messages m
      join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
     where m.model = any (models) and m.deleted_at is null and (owner is null or m.user_id = owner)
  ),
  slots as (
    insert into private.usage_price_slots (price_id, user_id, slot, model, device_id, project_id,
      messages, input_tokens, cached_tokens, output_tokens)
    select p.price_id, p.user_id, private.price_slot(p.created_at), p.model, p.device_id, p.project_id,
           count(*), sum(p.input_tokens), sum(p.cached_tokens), sum(p.output_tokens)
      from priced p
     group by 1, 2, 3, 4, 5, 6
  )
  insert into private.session_price_tokens (price_id, session_id, user_id, model, messages,
    input_tokens, cached_tokens, output_tokens)
  select p.price_id, p.session_id, p.user_id, p.model, count(*), sum(p.input_tokens),
         sum(p.cached_tokens), sum(p.output_tokens)
    from priced p
   group by 1, 2, 3, 4;
end;
$$;
revoke execute on function private.price_versions_rebuild(text[], uuid) from public, anon, authenticated;

-- A price statement: rates edited in place move the rollups by tokens x (new - old rate) of
-- the versions edited, reading only their version sums; a version added, removed or moved
-- (model, owner or effective_from) takes its models' old costs out at the old rates, rebuilds
-- their version sums from the messages and adds the new costs. Cloud equivalents stay stored
-- per message and are re-priced as before.
create or replace function private.model_prices_reprice_statement()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  models text[];
  owners uuid[];
  owner uuid;
  mapped text[];
  structural boolean;
  rates jsonb;
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct n.model), pg_catalog.array_agg(distinct n.user_id)
      into models, owners from new_rows n;
    structural := true;
  elsif tg_op = 'DELETE' then
    select pg_catalog.array_agg(distinct o.model), pg_catalog.array_agg(distinct o.user_id)
      into models, owners from old_rows o;
    structural := true;
  else
    select pg_catalog.array_agg(distinct c.model), pg_catalog.array_agg(distinct c.user_id)
      into models, owners
      from (select n.model, n.user_id from new_rows n union all select o.model, o.user_id from old_rows o) c;
    select exists (
      select 1 from old_rows o left join new_rows n on n.id = o.id
       where n.id is null
          or (n.model, n.user_id, n.effective_from) is distinct from (o.model, o.user_id, o.effective_from))
      into structural;
  end if;
  if models is null then
    return null;
  end if;
  owner := case when pg_catalog.cardinality(owners) = 1 then owners[1] end;

  -- Message writes in flight priced their rollups at the rates they saw: wait for them to
  -- commit so their version sums are read here, and hold new ones (not readers) until this
  -- commits, so they price at the new rates. Their statement triggers each take a fresh
  -- snapshot once the write has its lock. Self-exclusive: one price statement at a time.
  lock table public.cloud_messages in share row exclusive mode;

  if not structural then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', n.id,
             'input_per_mtok', n.input_per_mtok - o.input_per_mtok,
             'cached_per_mtok', n.cached_per_mtok - o.cached_per_mtok,
             'output_per_mtok', n.output_per_mtok - o.output_per_mtok))
      into rates
      from new_rows n join old_rows o on o.id = n.id
     where (n.input_per_mtok, n.cached_per_mtok, n.output_per_mtok)
           is distinct from (o.input_per_mtok, o.cached_per_mtok, o.output_per_mtok);
    if rates is not null then
      perform private.price_rollups_apply(rates, null);
    end if;
  else
    -- The rates every version of these models had before the statement, negated.
    if tg_op = 'INSERT' then
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', p.id,
               'input_per_mtok', -p.input_per_mtok, 'cached_per_mtok', -p.cached_per_mtok,
               'output_per_mtok', -p.output_per_mtok))
        into rates
        from public.model_prices p
       where p.model = any (models) and p.id not in (select n.id from new_rows n);
    else
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', b.id,
               'input_per_mtok', -b.input_per_mtok, 'cached_per_mtok', -b.cached_per_mtok,
               'output_per_mtok', -b.output_per_mtok))
        into rates
        from (select o.id, o.input_per_mtok, o.cached_per_mtok, o.output_per_mtok from old_rows o
              union all
              select p.id, p.input_per_mtok, p.cached_per_mtok, p.output_per_mtok
                from public.model_prices p
               where p.model = any (models) and p.id not in (select o.id from old_rows o)) b;
    end if;
    if rates is not null then
      perform private.price_rollups_apply(rates, owner);
    end if;
    perform private.price_versions_rebuild(models, owner);
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', p.id,
             'input_per_mtok', p.input_per_mtok, 'cached_per_mtok', p.cached_per_mtok,
             'output_per_mtok', p.output_per_mtok))
      into rates
      from public.model_prices p
     where p.model = any (models);
    if rates is not null then
      perform private.price_rollups_apply(rates, owner);
    end if;
  end if;

  -- A reference model's price changed: the local models mapped to it are re-priced too.
  select pg_catalog.array_agg(distinct r.model) into mapped
    from public.model_references r
   where r.reference_model = any (models);
  if mapped is not null then
    perform private.reprice_cloud_equivalents(mapped, owner);
  end if;
  return null;
end;
$$;

-- Wrote the stored per-message cost; the statement above replaces it.
drop function private.reprice_message_costs(text[], uuid);

-- What is there: version sums from the messages, then every stored rollup cost unrounded
-- (the sum of the messages' exact costs; before, of costs rounded to 8 places).
insert into private.usage_price_slots (price_id, user_id, slot, model, device_id, project_id,
  messages, input_tokens, cached_tokens, output_tokens)
select v.id, m.user_id, private.price_slot(m.created_at), m.model, m.device_id, m.project_id,
       count(*), sum(m.input_tokens), sum(m.cached_tokens), sum(m.output_tokens)
  from public.cloud_messages m
  join lateral private.price_in_force(m.user_id, m.model, m.created_at) v on true
 where m.deleted_at is null
 group by 1, 2, 3, 4, 5, 6;
insert into private.session_price_tokens (price_id, session_id, user_id, model, messages,
  input_tokens, cached_tokens, output_tokens)
select s.price_id, m.session_id, m.user_id, m.model, count(*), sum(m.input_tokens),
       sum(m.cached_tokens), sum(m.output_tokens)
  from public.cloud_messages m
  join lateral (select v.id as price_id from private.price_in_force(m.user_id, m.model, m.created_at) v) s on true
 where m.deleted_at is null
 group by 1, 2, 3, 4;

with per_slot as materialized (
  select s.user_id, s.slot, s.model, s.device_id, s.project_id,
         ((s.input_tokens - s.cached_tokens) * p.input_per_mtok + s.cached_tokens * p.cached_per_mtok
          + s.output_tokens * p.output_per_mtok) / 1000000 as cost
    from private.usage_price_slots s
    join public.model_prices p on p.id = s.price_id
),
hourly as (
  update public.usage_hourly u
     set cost_usd = d.cost
    from (select p.user_id, pg_catalog.date_trunc('hour', p.slot, 'UTC') as hour, p.model,
                 p.device_id, p.project_id, sum(p.cost) as cost
            from per_slot p
           group by 1, 2, 3, 4, 5) d
   where u.user_id = d.user_id and u.hour = d.hour and u.model = d.model
     and u.device_id is not distinct from d.device_id and u.project_id is not distinct from d.project_id
     and u.cost_usd <> d.cost
)
update public.usage_local_days u
   set cost_usd = d.cost
  from (select p.user_id, z.tz, (p.slot at time zone z.tz)::date as day, p.model, p.device_id,
               p.project_id, sum(p.cost) as cost
          from per_slot p
          join private.usage_local_zones z on z.user_id = p.user_id
         group by 1, 2, 3, 4, 5, 6) d
 where u.user_id = d.user_id and u.tz = d.tz and u.day = d.day and u.model = d.model
   and u.device_id is not distinct from d.device_id and u.project_id is not distinct from d.project_id
   and u.cost_usd <> d.cost;
update public.cloud_sessions s
   set cost_usd = d.cost
  from (select t.session_id,
               sum(((t.input_tokens - t.cached_tokens) * p.input_per_mtok + t.cached_tokens * p.cached_per_mtok
                    + t.output_tokens * p.output_per_mtok) / 1000000) as cost
          from private.session_price_tokens t
          join public.model_prices p on p.id = t.price_id
         group by t.session_id) d
 where s.id = d.session_id and s.cost_usd <> d.cost;
