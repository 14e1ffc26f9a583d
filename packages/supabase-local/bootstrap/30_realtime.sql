-- Platform bootstrap: the realtime schema as hosted Supabase Realtime keeps it (realtime.messages,
-- realtime.topic() for private channel policies, realtime.send()), plus the local stack's change
-- capture: row triggers on published tables write into _realtime.changes and NOTIFY the server.
create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

-- Hosted Supabase partitions this table by day; one plain table behaves the same for policies.
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
create index if not exists messages_inserted_at_topic_idx
  on realtime.messages (inserted_at desc, topic);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- The channel topic being authorized, set by the server while it checks a private channel.
create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

create schema if not exists _realtime;
revoke all on schema _realtime from public;

-- The Realtime servers attached to this database; capture is skipped while there are none,
-- so a database used without the stack does not fill its outbox.
create table if not exists _realtime.consumers (
  id text primary key,
  started_at timestamptz not null default now()
);

-- The outbox. Rows are deleted as the server delivers them; xid groups one transaction's
-- changes and NOTIFY (sent at commit, in commit order) carries only that xid, so rows of any
-- size fit.
create table if not exists _realtime.changes (
  id bigserial primary key,
  xid bigint not null,
  schema_name text not null,
  table_name text not null,
  op text not null,
  new_row jsonb,
  old_row jsonb,
  changed_at timestamptz not null default clock_timestamp()
);
create index if not exists changes_xid_idx on _realtime.changes (xid);
revoke all on all tables in schema _realtime from public;

-- timezone UTC: timestamps are captured as Realtime sends them, whatever the writer's session uses.
create or replace function _realtime.capture() returns trigger
language plpgsql
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  current_xid bigint;
begin
  if not exists (select 1 from _realtime.consumers) then
    return null;
  end if;
  current_xid := pg_catalog.txid_current();
  insert into _realtime.changes (xid, schema_name, table_name, op, new_row, old_row)
  values (
    current_xid,
    tg_table_schema,
    tg_table_name,
    tg_op,
    case when tg_op <> 'DELETE' then pg_catalog.to_jsonb(new) end,
    case when tg_op <> 'INSERT' then pg_catalog.to_jsonb(old) end
  );
  perform pg_catalog.pg_notify('lmx_realtime_changes', current_xid::text);
  return null;
end
$$;
revoke all on function _realtime.capture() from public;

-- Hosted Supabase's way for database code to broadcast: the message is stored in
-- realtime.messages and the server delivers it to the topic's subscribers.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  message_id uuid;
begin
  insert into realtime.messages (payload, event, topic, private, extension)
  values (payload, event, topic, private, 'broadcast')
  returning id into message_id;
  perform pg_catalog.pg_notify('lmx_realtime_send', message_id::text);
exception when others then
  raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
end
$$;
grant execute on function realtime.send(jsonb, text, text, boolean) to anon, authenticated, service_role;

-- One round trip per change: evaluates each distinct filter set once, and RLS once per distinct
-- role and claims by looking the row up by primary key as that subscriber, as Supabase Realtime
-- does. The lookup is a prepared statement so its plan is reused across subscribers of a role.
-- key is null when no RLS check is needed (no RLS on the table, or a delete).
create or replace function _realtime.check_change(
  entity regclass,
  filter_row jsonb,
  key jsonb,
  filter_sets jsonb,
  claim_sets jsonb
) returns jsonb
language plpgsql
as $$
declare
  filter_set jsonb;
  filter_item jsonb;
  claim_set jsonb;
  predicate text;
  col_type text;
  op_symbol text;
  ok boolean;
  filter_results jsonb := '[]'::jsonb;
  visible jsonb := '[]'::jsonb;
  role_name text;
  current_role_name text;
begin
  -- Filters do not depend on who is asking: each distinct set is evaluated once.
  for filter_set in select * from jsonb_array_elements(coalesce(filter_sets, '[]'::jsonb)) loop
    predicate := null;
    for filter_item in select * from jsonb_array_elements(filter_set) loop
      select pg_catalog.format_type(a.atttypid, a.atttypmod) into col_type
      from pg_catalog.pg_attribute a
      where a.attrelid = entity and a.attname = filter_item ->> 'column' and a.attnum > 0 and not a.attisdropped;
      if col_type is null then
        raise exception 'invalid column for filter %', filter_item ->> 'column';
      end if;
      op_symbol := case filter_item ->> 'op'
        when 'eq' then '=' when 'neq' then '<>' when 'lt' then '<' when 'lte' then '<='
        when 'gt' then '>' when 'gte' then '>=' when 'in' then '= any' end;
      if op_symbol is null then
        raise exception 'unsupported filter operator %', filter_item ->> 'op';
      end if;
      predicate := coalesce(predicate || ' and ', '') || format(
        'coalesce(r.%I %s (%L::%s), false)',
        filter_item ->> 'column',
        op_symbol,
        filter_item ->> 'value',
        case when filter_item ->> 'op' = 'in' then col_type || '[]' else col_type end
      );
    end loop;
    ok := true;
    if predicate is not null then
      execute format('select %s from pg_catalog.jsonb_populate_record(null::%s, $1) r', predicate, entity)
        into ok using filter_row;
    end if;
    filter_results := filter_results || to_jsonb(coalesce(ok, false));
  end loop;

  if key is not null then
    select string_agg(format('%I = %L', k, key ->> k), ' and ') into predicate
    from jsonb_object_keys(key) k;
    if exists (select 1 from pg_catalog.pg_prepared_statements where name = '_realtime_rls') then
      deallocate _realtime_rls;
    end if;
    execute format('prepare _realtime_rls as select exists (select 1 from %s where %s)', entity, predicate);
    for claim_set in select * from jsonb_array_elements(coalesce(claim_sets, '[]'::jsonb)) loop
      role_name := claim_set ->> 'role';
      if current_role_name is distinct from role_name then
        perform set_config('role', role_name, true);
        current_role_name := role_name;
      end if;
      perform set_config('request.jwt.claims', (claim_set -> 'claims')::text, true);
      execute 'execute _realtime_rls' into ok;
      visible := visible || to_jsonb(coalesce(ok, false));
    end loop;
    perform set_config('role', 'none', true);
    deallocate _realtime_rls;
  end if;

  return jsonb_build_object('filters', filter_results, 'visible', visible);
end
$$;
revoke all on function _realtime.check_change(regclass, jsonb, jsonb, jsonb, jsonb) from public;
