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
--  * a larger write records its messages in private.message_search_pending; the device API
--    indexes pending rows after it has answered (private.index_message_search, called by
--    POST /api/device/v1/sync/push and the heartbeat after the response);
--  * search reads the GIN index for indexed rows and parses only the pending ones, so a
--    message is found by search the moment it is committed, indexed or not.
-- The table is in no Realtime publication, so indexing never reaches a subscriber as a change.

create table private.message_search (
  message_id uuid primary key,
  search tsvector not null
);
-- Messages whose vector is still to compute. A separate table rather than null vectors: a GIN
-- index stores an entry for every null, which cost a bulk insert half of what it saved.
create table private.message_search_pending (
  message_id uuid primary key
);
-- No foreign keys: checking one per synced message costs what these tables save. The delete
-- trigger below removes a message's rows with it.
comment on table private.message_search is
  'The full-text vector of each indexed cloud_messages row (docs/sessions.md, "Search indexing").';
comment on table private.message_search_pending is
  'cloud_messages rows whose full-text vector is still to compute.';

revoke all on private.message_search, private.message_search_pending from public, anon, authenticated;

insert into private.message_search (message_id, search)
select id, search from public.cloud_messages where search is not null;
insert into private.message_search_pending (message_id)
select id from public.cloud_messages where search is null;

drop index public.cloud_messages_search_idx;
alter table public.cloud_messages drop column search;

create index message_search_idx on private.message_search using gin (search);

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
begin
  if (select count(*) from new_rows) <= private.message_search_inline_limit() then
    insert into private.message_search as x (message_id, search)
    select n.id, private.message_search_vector(n.content) from new_rows n
    on conflict (message_id) do update set search = excluded.search;
  else
    insert into private.message_search_pending (message_id)
    select n.id from new_rows n
    on conflict (message_id) do nothing;
  end if;
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
  changed integer;
begin
  select count(*) into changed
    from new_rows n join old_rows o on o.id = n.id
   where n.content is distinct from o.content;
  if changed = 0 then
    return null;
  elsif changed <= private.message_search_inline_limit() then
    insert into private.message_search as x (message_id, search)
    select n.id, private.message_search_vector(n.content)
      from new_rows n join old_rows o on o.id = n.id
     where n.content is distinct from o.content
    on conflict (message_id) do update set search = excluded.search;
    delete from private.message_search_pending p
     using new_rows n join old_rows o on o.id = n.id
     where p.message_id = n.id and n.content is distinct from o.content;
  else
    delete from private.message_search x
     using new_rows n join old_rows o on o.id = n.id
     where x.message_id = n.id and n.content is distinct from o.content;
    insert into private.message_search_pending (message_id)
    select n.id
      from new_rows n join old_rows o on o.id = n.id
     where n.content is distinct from o.content
    on conflict (message_id) do nothing;
  end if;
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
  delete from private.message_search_pending p using old_rows o where p.message_id = o.id;
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
    delete from private.message_search_pending p
     where p.message_id in (
       select q.message_id
         from private.message_search_pending q
        order by q.message_id
        limit max_rows
          for update skip locked)
    returning p.message_id
  )
  insert into private.message_search as x (message_id, search)
  select m.id, private.message_search_vector(m.content)
    from batch b
    join public.cloud_messages m on m.id = b.message_id
  on conflict (message_id) do update set search = excluded.search;
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
  with pending as materialized (
    -- Materialized so that text is parsed for pending messages only: pushed into a scan of
    -- cloud_messages, the match would parse every message.
    select p.message_id, m.content
      from private.message_search_pending p
      join public.cloud_messages m on m.id = p.message_id
  ),
  matches as materialized (
    -- Materialized so the index is read once: as the inner side of a join it was read again
    -- for every message.
    select x.message_id
      from private.message_search x
     where x.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
    union all
    select p.message_id
      from pending p
     where private.message_search_vector(p.content)
           operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
  ),
  candidates as (
    -- Every visible match, cut to the newest 1,000 before anything is ranked.
    select m.id, m.created_at
      from matches x
      join public.cloud_messages m on m.id = x.message_id
      join public.cloud_sessions s on s.id = m.session_id
     where m.deleted_at is null
       and s.deleted_at is null
       -- The select policies of cloud_messages and cloud_sessions, restated
       -- (supabase/tests/search-visibility.int.test.ts compares the two).
       and ((m.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or m.project_id in (select private.my_project_ids('viewer')))
       and ((s.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or s.project_id in (select private.my_project_ids('viewer')))
     order by m.created_at desc, m.id
     limit 1000
  )
  select c.id,
         pg_catalog.ts_rank(coalesce(x.search, private.message_search_vector(m.content)),
                            pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')))
    from candidates c
    join public.cloud_messages m on m.id = c.id
    left join private.message_search x on x.message_id = c.id
   order by 2 desc, c.created_at desc, c.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;
