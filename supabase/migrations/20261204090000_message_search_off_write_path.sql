-- Full-text search leaves the message write path (docs/sessions.md, "Search indexing").
--
-- cloud_messages.search was a stored generated column: every insert parsed its content into a
-- tsvector and added it to a GIN index. Parsing is most of what a synced message costs the
-- database (bench:db: the bare insert of 10,000 messages went from 5.99× to 2.8× a plain
-- upsert without it), so a device's first sync waited for the search index of everything it
-- sent, and every `select *` of a message carried its tsvector.
--
-- The vector now lives beside the message, in private.message_search, one row per message:
--  * a small write (at most 64 messages per statement: a chat, a live session) is indexed in
--    the same statement, as before;
--  * a larger write records its messages as pending (search is null); the device API indexes
--    pending rows after it has answered (private.index_message_search, called by
--    POST /api/device/v1/sync/push and the heartbeat after the response);
--  * search reads the GIN index for indexed rows and parses only the pending ones, found by a
--    partial index, so a message is found by search the moment it is committed, indexed or not.
-- The table is in no Realtime publication, so indexing never reaches a subscriber as a change.

create table private.message_search (
  message_id uuid primary key,
  search tsvector
);
-- No foreign key: checking one per synced message costs what this table saves. The delete
-- trigger below removes a message's vector with it.
comment on table private.message_search is
  'The full-text vector of each cloud_messages row; null while its indexing is pending.';

revoke all on private.message_search from public, anon, authenticated;

insert into private.message_search (message_id, search)
select id, search from public.cloud_messages;

drop index public.cloud_messages_search_idx;
alter table public.cloud_messages drop column search;

create index message_search_idx on private.message_search using gin (search);
create index message_search_pending_idx on private.message_search (message_id) where search is null;

-- How a message's content is parsed for search, in one place (the indexer, the triggers and
-- the search of pending rows must agree).
create function private.message_search_vector(content text)
returns tsvector
language sql
immutable
parallel safe
return pg_catalog.to_tsvector('english'::regconfig, coalesce(content, ''));

-- Statements of at most this many messages are indexed at once.
create function private.message_search_inline_limit()
returns integer
language sql
immutable
return 64;

create function private.message_search_add()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  inline boolean := (select count(*) from new_rows) <= private.message_search_inline_limit();
begin
  insert into private.message_search as x (message_id, search)
  select n.id, case when inline then private.message_search_vector(n.content) end
    from new_rows n
  on conflict (message_id) do update set search = excluded.search;
  return null;
end;
$$;

create function private.message_search_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  inline boolean := (select count(*) from new_rows) <= private.message_search_inline_limit();
begin
  update private.message_search x
     set search = case when inline then private.message_search_vector(n.content) end
    from new_rows n
    join old_rows o on o.id = n.id
   where x.message_id = n.id
     and n.content is distinct from o.content;
  return null;
end;
$$;

create function private.message_search_remove()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.message_search x using old_rows o where x.message_id = o.id;
  return null;
end;
$$;

revoke execute on function private.message_search_add(), private.message_search_change(),
  private.message_search_remove() from public, anon, authenticated;

create trigger cloud_messages_search_add
  after insert on public.cloud_messages
  referencing new table as new_rows
  for each statement execute function private.message_search_add();
create trigger cloud_messages_search_change
  after update on public.cloud_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.message_search_change();
create trigger cloud_messages_search_remove
  after delete on public.cloud_messages
  referencing old table as old_rows
  for each statement execute function private.message_search_remove();

-- Indexes up to max_rows pending messages (all of them when null) and returns how many.
-- Rows another indexer holds are skipped, so concurrent callers share the backlog.
create function private.index_message_search(max_rows integer default 5000)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  indexed integer;
begin
  with batch as (
    select x.message_id
      from private.message_search x
     where x.search is null
     order by x.message_id
     limit max_rows
       for update skip locked
  )
  update private.message_search x
     set search = private.message_search_vector(m.content)
    from batch b
    join public.cloud_messages m on m.id = b.message_id
   where x.message_id = b.message_id;
  get diagnostics indexed = row_count;
  return indexed;
end;
$$;

-- The device API's entry point (after it has answered a push or a heartbeat): bounded work
-- that only derives the vectors of messages already stored, so any signed-in caller may run it.
create function public.index_message_search(max_rows integer default 5000)
returns integer
language sql
security definer
set search_path = ''
as $$
  select private.index_message_search(least(greatest(coalesce(max_rows, 5000), 1), 20000));
$$;

revoke execute on function private.index_message_search(integer) from public, anon, authenticated;
revoke execute on function public.index_message_search(integer) from public, anon;
grant execute on function public.index_message_search(integer) to authenticated, service_role;

-- Search: indexed rows through the GIN index, pending rows parsed on the spot (the partial
-- index finds them), so nothing committed is missed while indexing catches up. Redefines
-- private.visible_message_matches (20261203017000); same signature, same output, the same
-- bounded ranking and the same restated read policies
-- (supabase/tests/search-visibility.int.test.ts compares them).
create or replace function private.visible_message_matches(query text, max_rows integer)
returns table (message_id uuid, rank real)
language sql
stable
security definer
set search_path = ''
as $$
  with candidates as (
    -- Every visible match, cut to the newest 1,000 before anything is ranked.
    select m.id, m.created_at, coalesce(x.search, private.message_search_vector(m.content)) as search
      from private.message_search x
      join public.cloud_messages m on m.id = x.message_id
      join public.cloud_sessions s on s.id = m.session_id
     where (x.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
            or (x.search is null
                and private.message_search_vector(m.content)
                    operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))))
       and m.deleted_at is null
       and s.deleted_at is null
       and ((m.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or m.project_id in (select private.my_project_ids('viewer')))
       and ((s.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or s.project_id in (select private.my_project_ids('viewer')))
     order by m.created_at desc, m.id
     limit 1000
  )
  select c.id, pg_catalog.ts_rank(c.search, pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')))
    from candidates c
   order by 2 desc, c.created_at desc, c.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;
