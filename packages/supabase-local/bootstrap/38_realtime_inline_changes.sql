-- Platform bootstrap: changes ride in their NOTIFY (redefines _realtime.capture() of
-- 30_realtime.sql). A change whose row fits in a notification (the common case) is sent whole in
-- it, so the server has it the moment the transaction commits: no outbox write, no read back and
-- no delete per change. Only a change too large for a notification (Postgres caps a payload at
-- 8000 bytes) goes through _realtime.changes, and its notification carries just its outbox id.
-- Notifications arrive in commit order, and one transaction's in the order of its statements,
-- so both kinds keep that order. Each change takes an id from the outbox's sequence, which also
-- keeps two identical changes in one transaction from being merged into one notification (as
-- Postgres does with identical payloads).
create or replace function _realtime.capture() returns trigger
language plpgsql
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  change_id bigint;
  current_xid bigint;
  new_row jsonb;
  old_row jsonb;
  changed_at timestamptz;
  inline text;
begin
  if not exists (select 1 from _realtime.consumers) then
    return null;
  end if;
  change_id := pg_catalog.nextval('_realtime.changes_id_seq');
  current_xid := pg_catalog.txid_current();
  changed_at := pg_catalog.clock_timestamp();
  if tg_op <> 'DELETE' then
    new_row := pg_catalog.to_jsonb(new);
  end if;
  if tg_op <> 'INSERT' then
    old_row := pg_catalog.to_jsonb(old);
  end if;
  inline := pg_catalog.jsonb_build_object(
    'id', change_id::text,
    'xid', current_xid::text,
    'schema_name', tg_table_schema,
    'table_name', tg_table_name,
    'op', tg_op,
    'new_row', new_row,
    'old_row', old_row,
    'commit_timestamp', pg_catalog.to_char(changed_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  )::text;
  -- Bytes, not characters, count against the limit; what is left is headroom for the channel.
  if pg_catalog.octet_length(inline) <= 7000 then
    perform pg_catalog.pg_notify('lmx_realtime_changes', inline);
  else
    insert into _realtime.changes (id, xid, schema_name, table_name, op, new_row, old_row, changed_at)
    values (change_id, current_xid, tg_table_schema, tg_table_name, tg_op, new_row, old_row, changed_at);
    perform pg_catalog.pg_notify('lmx_realtime_changes', change_id::text);
  end if;
  return null;
end
$$;
revoke all on function _realtime.capture() from public;
