-- search_messages (20261122001180) redefined so that it reads the GIN index on
-- cloud_messages.search. Under RLS the planner may not use `@@` (not leakproof) as an index
-- condition, so as a user the search read all million messages. The matching now runs in a
-- security definer helper that applies the same visibility as the message and session select
-- policies; search_messages itself stays security invoker, so the policies still decide every
-- row it returns. Same signature and output as before.

create or replace function private.visible_message_matches(query text, max_rows integer)
returns table (message_id uuid, rank real)
language sql
stable
security definer
set search_path = ''
as $$
  select m.id, pg_catalog.ts_rank(m.search, pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')))
    from public.cloud_messages m
    join public.cloud_sessions s on s.id = m.session_id
   where m.search operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, ''))
     and m.deleted_at is null
     and s.deleted_at is null
     -- The select policies of cloud_messages and cloud_sessions, restated (see the header).
     and ((m.user_id = (select auth.uid()) and (select private.requester_is_active()))
          or m.project_id in (select private.my_project_ids('viewer')))
     and ((s.user_id = (select auth.uid()) and (select private.requester_is_active()))
          or s.project_id in (select private.my_project_ids('viewer')))
   order by 2 desc, m.created_at desc, m.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;

revoke execute on function private.visible_message_matches(text, integer) from public, anon;
grant execute on function private.visible_message_matches(text, integer) to authenticated, service_role;

-- Full-text search for the sessions page: the caller's visible messages matching a web-style
-- query (quoted phrases, or, -exclusions), best first, with a highlighted excerpt. Security
-- invoker: the message and session policies decide what is returned.
create or replace function public.search_messages(query text, max_rows integer default 50)
returns table (
  message_id uuid, session_id uuid, session_title text, role text, created_at timestamptz,
  headline text, rank real
)
language sql
stable
security invoker
set search_path = ''
as $$
  select m.id, m.session_id, s.title, m.role, m.created_at,
         pg_catalog.ts_headline('english'::regconfig, m.content,
                                pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')),
                                'MaxFragments=2, MaxWords=18, MinWords=6, StartSel=<mark>, StopSel=</mark>'),
         v.rank
    from private.visible_message_matches(query, max_rows) v
    join public.cloud_messages m on m.id = v.message_id
    join public.cloud_sessions s on s.id = m.session_id
   order by v.rank desc, m.created_at desc, m.id
$$;
