-- private.visible_message_matches (20261204090000) redefined with its join method fixed. Its
-- match set is materialized (so the GIN index is read once), and the planner cannot count a
-- materialized set: it guessed 5,000 rows and hashed all of cloud_messages to join them
-- (bench:sessions:list, 1,000,000 messages: a 1,600-match search took 1.16 s at p95 against
-- 28 ms before). The matches are always fetched by primary key instead, one probe per match.
-- Same signature, body and output.

create or replace function private.visible_message_matches(query text, max_rows integer)
returns table (message_id uuid, rank real)
language sql
stable
security definer
set search_path = ''
set enable_hashjoin = off
set enable_mergejoin = off
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
