-- Search plans without JIT compilation, and ranks the vectors it already read.
--
-- bench:sessions:list (1,000,000 messages, a word in 1,600 of them) showed where search's
-- time went after 20261204090100 (auto_explain of private.visible_message_matches):
--  * JIT. The function's statement is planned with its query as a parameter, so the planner
--    guesses 5,000 matches and costs the plan at ~134,000, over jit_above_cost (100,000): every
--    search compiled its expressions with LLVM first, 111 ms of a 180 ms call, and the first
--    search on a new connection also loaded LLVM (0.7 s). What it compiles runs over at most
--    a few thousand rows, so compiling never pays back. Which side of the threshold a plan
--    falls on moves with the table statistics (and LLVM's optimisation passes start at a
--    higher cost), which is why the p95 swung between 0.2 and 1.2 s between runs.
--  * The ranking read each of the 1,000 candidates' vectors again by primary key (and the
--    message again for its content), though the GIN scan had just read them: the match set
--    now carries its vectors, so ranking reads nothing more.
--  * search_messages expected 1,000 rows from the helper (the default for a set-returning
--    function) and hashed all the caller's sessions to join them; it returns at most 200.
-- Redefines private.visible_message_matches (20261204090000, 20261204090100): same signature,
-- output, planner settings, bounded ranking and restated read policies
-- (supabase/tests/search-visibility.int.test.ts compares them), plus `jit = off` and
-- `rows 200`. search_messages (20261203000210) only gains `jit = off`.

create or replace function private.visible_message_matches(query text, max_rows integer)
returns table (message_id uuid, rank real)
language sql
stable
security definer
rows 200
set search_path = ''
-- Each match is fetched by primary key: the planner cannot count a materialized match set,
-- guessed 5,000 rows and hashed all of cloud_messages to join them (20261204090100).
set enable_hashjoin = off
set enable_mergejoin = off
set jit = off
as $$
  with pending as materialized (
    -- Materialized so that text is parsed for pending messages only: pushed into a scan of
    -- cloud_messages, the match would parse every message.
    select p.message_id, private.message_search_vector(m.content) as search
      from private.message_search_pending p
      join public.cloud_messages m on m.id = p.message_id
  ),
  matches as materialized (
    -- Materialized so the index is read once: as the inner side of a join it was read again
    -- for every message. Each match keeps its vector for the ranking.
    select x.message_id, x.search
      from private.message_search x
     where x.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
    union all
    select p.message_id, p.search
      from pending p
     where p.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
  ),
  candidates as (
    -- Every visible match, cut to the newest 1,000 before anything is ranked.
    select m.id, m.created_at, x.search
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
         pg_catalog.ts_rank(c.search,
                            pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')))
    from candidates c
   order by 2 desc, c.created_at desc, c.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;

alter function public.search_messages(text, integer) set jit = off;
