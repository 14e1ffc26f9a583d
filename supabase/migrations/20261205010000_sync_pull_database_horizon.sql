-- sync_pull's horizon waits only for transactions of this database.
--
-- A pull returns rows whose change_seq (the writing transaction's id) is below a horizon, so a
-- transaction that commits late can never land behind a cursor a device already holds
-- (20261122001000_chat_sync.sql). The horizon was the snapshot's xmin: the oldest transaction
-- still running anywhere on the server. That is cluster-wide, so one long transaction in ANY
-- database of the server (a benchmark, a migration, a long report) held every device's pull
-- at the rows it had: supabase/tests/sync.int.test.ts returned no changes while a bulk load
-- ran in another database.
--
-- Only a transaction connected to this database can write cloud_sessions or cloud_messages
-- (a backend serves one database for its whole life; dblink or an FDW opens a backend of its
-- own, with its own transaction id, in the database it writes). So the horizon is now the
-- oldest transaction of the pull's snapshot that is NOT known to belong to another database,
-- or the snapshot's xmax when there is none. Why no row is ever skipped:
--  * every id below the snapshot's xmax and not in its running list had ended (committed or
--    aborted) when the snapshot was taken: its rows are visible to this pull or never will be;
--  * a running id is passed over only when pg_stat_activity (or pg_prepared_xacts) shows it
--    as the transaction of a backend in another database. Ids are never reused, and that
--    backend's database never changes, so the identification holds whenever it was read; an
--    id that ended before it could be identified, or whose owner is not listed (a background
--    worker without a database), still bounds the horizon, as before;
--  * the snapshot is the pull's own (passed in from sync_pull, a stable function whose
--    statements all share the caller's snapshot), so rows above the horizon are never read
--    with a newer snapshot than the one that set it.
-- On PGlite (one backend) the list is empty and the horizon is what it was.

create function private.sync_pull_horizon(snapshot pg_snapshot)
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  with here as (
    select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()
  ),
  elsewhere as (
    select a.backend_xid as xid
      from pg_catalog.pg_stat_activity a
     where a.backend_xid is not null
       and a.datid is not null
       and a.datid <> (select oid from here)
    union all
    select p.transaction
      from pg_catalog.pg_prepared_xacts p
     where p.database <> pg_catalog.current_database()
  )
  select coalesce(
    (select pg_catalog.min(x::text::bigint)
       from pg_catalog.pg_snapshot_xip(snapshot) as x
      where not exists (select from elsewhere e where e.xid operator(pg_catalog.=) pg_catalog.xid(x))),
    pg_catalog.pg_snapshot_xmax(snapshot)::text::bigint)
$$;

comment on function private.sync_pull_horizon(pg_snapshot) is
  'sync_pull''s horizon: the oldest transaction of the snapshot that may belong to this database, or the snapshot''s xmax.';

revoke execute on function private.sync_pull_horizon(pg_snapshot) from public, anon;
grant execute on function private.sync_pull_horizon(pg_snapshot) to authenticated, service_role;

-- Redefines public.sync_pull (20261122001000_chat_sync.sql): the same body and signature, with
-- the horizon above, and without removing a `search` key the messages no longer have
-- (20261204090000 moved the vectors out of cloud_messages).
create or replace function public.sync_pull(cursor text default null, max_rows integer default 1000)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  horizon bigint := private.sync_pull_horizon(pg_catalog.pg_current_snapshot());
  after_seq bigint := 0;
  after_kind integer := 0;
  after_id uuid := '00000000-0000-0000-0000-000000000000';
  page_size integer := least(greatest(coalesce(max_rows, 1000), 1), 5000);
  max_uuid constant uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  parts text[];
  result jsonb;
begin
  if caller is null or not private.requester_is_active() then
    raise exception 'sign in to sync' using errcode = '42501';
  end if;
  if cursor is not null and cursor <> '' then
    parts := pg_catalog.string_to_array(cursor, ':');
    if pg_catalog.array_length(parts, 1) <> 3 or parts[1] !~ '^\d+$' or parts[2] !~ '^[01]$' then
      raise exception 'sync_pull: malformed cursor' using errcode = '22023';
    end if;
    after_seq := parts[1]::bigint;
    after_kind := parts[2]::integer;
    after_id := parts[3]::uuid;
  end if;

  with page as (
    select c.change_seq, c.kind, c.id, c.row
      from (
        (select s.change_seq, 0 as kind, s.id, pg_catalog.to_jsonb(s) as row
           from public.cloud_sessions s
          where s.user_id = caller
            and (s.change_seq, s.id) > (after_seq, case when after_kind = 0 then after_id else max_uuid end)
            and s.change_seq < horizon
          order by s.change_seq, s.id
          limit page_size + 1)
        union all
        (select m.change_seq, 1, m.id, pg_catalog.to_jsonb(m)
           from public.cloud_messages m
          where m.user_id = caller
            and (m.change_seq, m.id) > (case when after_kind = 0 then after_seq - 1 else after_seq end,
                                        case when after_kind = 0 then max_uuid else after_id end)
            and m.change_seq < horizon
          order by m.change_seq, m.id
          limit page_size + 1)
      ) c
     order by c.change_seq, c.kind, c.id
     limit page_size + 1
  ),
  numbered as (
    select p.*, pg_catalog.row_number() over (order by p.change_seq, p.kind, p.id) as n from page p
  )
  select pg_catalog.jsonb_build_object(
    'changes', coalesce(pg_catalog.jsonb_agg(
       pg_catalog.jsonb_build_object('kind', case when x.kind = 0 then 'session' else 'message' end,
                                     'id', x.id, 'row', x.row)
       order by x.n) filter (where x.n <= page_size), '[]'::jsonb),
    'next_cursor', coalesce(
       (pg_catalog.array_agg(x.change_seq::text || ':' || x.kind::text || ':' || x.id::text order by x.n desc)
          filter (where x.n <= page_size))[1],
       nullif(cursor, '')),
    'has_more', pg_catalog.count(*) > page_size)
    into result
    from numbered x;
  return result;
end;
$$;
