-- The sessions page's two reads, made to stay fast with a million messages
-- (docs/sessions.md, "How the list and search stay fast"):
--
-- 1. list_sessions (20261203000200) gathered each listed session's models by reading all of
--    its messages (about 100 of the first page's 170 ms with 1,000,000 messages). The models
--    are now read from an index on (session_id, model) by a skip scan: one index probe per
--    distinct model of the session, however many messages it has. The same index serves the
--    model filter's `exists`. Redefines public.list_sessions; same signature and output.
--
-- 2. private.visible_message_matches (20261203000210) ranked every match: a word in 10% of
--    the messages meant ts_rank over 100,000 tsvectors (2.4 s). Ranking is now bounded, as
--    the PostgreSQL manual advises for ts_rank ("Ranking can be expensive since it requires
--    consulting the tsvector of each matching document... a practical approach is to rank only
--    a limited number of documents"): the matches are first cut to the newest 1,000 by a cheap
--    order (created_at, read from the heap rows the index scan fetches anyway), and only those
--    are ranked. A rare word (fewer matches than that) is ranked exactly as before.
--    Redefines private.visible_message_matches; same signature and output.
--
-- The read policies of cloud_messages and cloud_sessions that visible_message_matches restates
-- are compared with it, actor by actor, in supabase/tests/search-visibility.int.test.ts.

create index cloud_messages_session_id_model_idx on public.cloud_messages (session_id, model)
  where model is not null and deleted_at is null;

create or replace function public.list_sessions(
  filter_device uuid default null,
  filter_model text default null,
  filter_project uuid default null,
  active_from timestamptz default null,
  active_to timestamptz default null,
  with_tool_calls boolean default null,
  show_archived boolean default null,
  title_search text default null,
  after_pinned boolean default null,
  after_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50
)
returns table (
  id uuid, title text, model text, models text[], device_id uuid, device_name text,
  project_id uuid, project_name text, message_count integer, token_count bigint,
  cost_usd numeric, created_at timestamptz, last_activity_at timestamptz, pinned_at timestamptz,
  archived_at timestamptz, is_mine boolean, has_tool_calls boolean
)
language sql
stable
security invoker
set search_path = ''
-- The filters' subqueries make the planner's cost estimate huge although they rarely run, and
-- JIT compilation would then cost more than the query (measured: 400 ms of 750).
set jit = off
as $$
  select p.id, p.title, p.model,
         -- A loose index scan of cloud_messages_session_id_model_idx: the smallest model, then
         -- the smallest one after it, and so on (distinct models in order, one probe each).
         array(
           with recursive found(model) as (
             (select m.model
                from public.cloud_messages m
               where m.session_id = p.id and m.model is not null and m.deleted_at is null
               order by m.model
               limit 1)
             union all
             select (select m.model
                       from public.cloud_messages m
                      where m.session_id = p.id and m.model is not null and m.deleted_at is null
                        and m.model > f.model
                      order by m.model
                      limit 1)
               from found f
              where f.model is not null
           )
           select f.model from found f where f.model is not null order by 1
         ),
         p.device_id, d.name, p.project_id, pr.name, p.message_count, p.token_count, p.cost_usd,
         p.created_at, p.last_activity_at, p.pinned_at, p.archived_at,
         p.user_id = (select auth.uid()),
         exists (select 1 from public.cloud_messages m
                  where m.session_id = p.id and m.tool_calls is not null and m.deleted_at is null)
    from (
      select s.*
        from public.cloud_sessions s
       where s.deleted_at is null
         and (show_archived is null or (s.archived_at is not null) = show_archived)
         and (filter_device is null or s.device_id = filter_device)
         and (filter_project is null or s.project_id = filter_project)
         and (active_from is null or s.last_activity_at >= active_from)
         and (active_to is null or s.last_activity_at < active_to)
         and (filter_model is null or s.model = filter_model
              or exists (select 1 from public.cloud_messages m
                          where m.session_id = s.id and m.model = filter_model and m.deleted_at is null))
         and (with_tool_calls is null or with_tool_calls = exists (
               select 1 from public.cloud_messages m
                where m.session_id = s.id and m.tool_calls is not null and m.deleted_at is null))
         and (coalesce(title_search, '') = ''
              or s.title ilike '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                   title_search, '\', '\\'), '%', '\%'), '_', '\_') || '%')
         and (after_at is null
              or ((s.pinned_at is not null), s.last_activity_at, s.id)
                 < (coalesce(after_pinned, false), after_at, coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
       order by (s.pinned_at is not null) desc, s.last_activity_at desc, s.id desc
       limit least(greatest(coalesce(max_rows, 50), 1), 200)
    ) p
    left join public.devices d on d.id = p.device_id
    left join ops.projects pr on pr.id = p.project_id
   order by (p.pinned_at is not null) desc, p.last_activity_at desc, p.id desc
$$;

create or replace function private.visible_message_matches(query text, max_rows integer)
returns table (message_id uuid, rank real)
language sql
stable
security definer
set search_path = ''
as $$
  with candidates as (
    -- Every visible match, cut to the newest 1,000 without reading a tsvector.
    select m.id, m.created_at
      from public.cloud_messages m
      join public.cloud_sessions s on s.id = m.session_id
     where m.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
       and m.deleted_at is null
       and s.deleted_at is null
       -- The select policies of cloud_messages and cloud_sessions, restated (20261203000210;
       -- supabase/tests/search-visibility.int.test.ts compares the two).
       and ((m.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or m.project_id in (select private.my_project_ids('viewer')))
       and ((s.user_id = (select auth.uid()) and (select private.requester_is_active()))
            or s.project_id in (select private.my_project_ids('viewer')))
     order by m.created_at desc, m.id
     limit 1000
  )
  select c.id, pg_catalog.ts_rank(m.search, pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')))
    from candidates c
    join public.cloud_messages m on m.id = c.id
   order by 2 desc, c.created_at desc, c.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;
