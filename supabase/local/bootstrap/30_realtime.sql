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

create or replace function _realtime.capture() returns trigger
language plpgsql
security definer
set search_path = ''
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

-- One round trip per change: normalises the row (timestamps in UTC as Realtime sends them),
-- evaluates every distinct subscriber check (filters, then RLS as that subscriber's role and
-- claims looking the row up by primary key, as Supabase Realtime does) and reports which columns
-- each role may select.
create or replace function _realtime.inspect_change(
  entity regclass,
  op text,
  new_row jsonb,
  old_row jsonb,
  checks jsonb
) returns jsonb
language plpgsql
set timezone = 'UTC'
as $$
declare
  rls_enabled boolean;
  replica_identity "char";
  norm_new jsonb;
  norm_old jsonb;
  filter_row jsonb;
  pk_columns text[];
  pk_predicate text;
  cols jsonb;
  check_item jsonb;
  filter_item jsonb;
  predicate text;
  col_type text;
  op_symbol text;
  ok boolean;
  visible jsonb := '[]'::jsonb;
  roles jsonb := '{}'::jsonb;
  role_name text;
begin
  select c.relrowsecurity, c.relreplident into rls_enabled, replica_identity
  from pg_catalog.pg_class c where c.oid = entity;

  if new_row is not null then
    execute format('select pg_catalog.to_jsonb(r) from pg_catalog.jsonb_populate_record(null::%s, $1) r', entity)
      into norm_new using new_row;
  end if;
  if old_row is not null then
    execute format('select pg_catalog.to_jsonb(r) from pg_catalog.jsonb_populate_record(null::%s, $1) r', entity)
      into norm_old using old_row;
  end if;
  filter_row := coalesce(case when op = 'DELETE' then old_row else new_row end, '{}'::jsonb);

  select coalesce(array_agg(a.attname::text order by a.attnum), '{}')
  into pk_columns
  from pg_catalog.pg_index i
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
  where i.indrelid = entity and i.indisprimary;

  select coalesce(jsonb_agg(jsonb_build_object('name', a.attname, 'type', t.typname) order by a.attnum), '[]')
  into cols
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_type t on t.oid = a.atttypid
  where a.attrelid = entity and a.attnum > 0 and not a.attisdropped;

  if array_length(pk_columns, 1) is not null then
    select string_agg(format('t.%I = r.%I', c, c), ' and ') into pk_predicate from unnest(pk_columns) c;
  end if;

  for check_item in select * from jsonb_array_elements(coalesce(checks, '[]'::jsonb)) loop
    ok := true;
    begin
      predicate := null;
      for filter_item in select * from jsonb_array_elements(coalesce(check_item -> 'filters', '[]'::jsonb)) loop
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
      if predicate is not null then
        execute format('select %s from pg_catalog.jsonb_populate_record(null::%s, $1) r', predicate, entity)
          into ok using filter_row;
      end if;

      if ok and rls_enabled and op <> 'DELETE' then
        if pk_predicate is null then
          ok := false;
        else
          perform set_config('role', check_item ->> 'role', true);
          perform set_config('request.jwt.claims', (check_item -> 'claims')::text, true);
          perform set_config('request.jwt.claim.sub', coalesce(check_item -> 'claims' ->> 'sub', ''), true);
          perform set_config('request.jwt.claim.role', coalesce(check_item ->> 'role', ''), true);
          execute format(
            'select exists (select 1 from %s t, pg_catalog.jsonb_populate_record(null::%s, $1) r where %s)',
            entity, entity, pk_predicate
          ) into ok using new_row;
          perform set_config('role', 'none', true);
        end if;
      end if;
    exception when others then
      perform set_config('role', 'none', true);
      ok := false;
    end;
    visible := visible || to_jsonb(coalesce(ok, false));

    role_name := check_item ->> 'role';
    if not roles ? role_name then
      roles := roles || jsonb_build_object(role_name, (
        select coalesce(jsonb_agg(a.attname order by a.attnum), '[]')
        from pg_catalog.pg_attribute a
        where a.attrelid = entity and a.attnum > 0 and not a.attisdropped
          and pg_catalog.has_column_privilege(role_name, entity, a.attname, 'SELECT')
      ));
    end if;
  end loop;

  return jsonb_build_object(
    'new', norm_new,
    'old', norm_old,
    'columns', cols,
    'pk', to_jsonb(pk_columns),
    'rls', rls_enabled,
    'replica_identity', replica_identity::text,
    'visible', visible,
    'roles', roles
  );
end
$$;
revoke all on function _realtime.inspect_change(regclass, text, jsonb, jsonb, jsonb) from public;
