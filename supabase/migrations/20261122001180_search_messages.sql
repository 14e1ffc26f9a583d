-- Full-text search for the sessions page: the caller's visible messages matching a web-style
-- query (quoted phrases, or, -exclusions), best first, with a highlighted excerpt. Security
-- invoker: the message and session policies decide what is searched.
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
         pg_catalog.ts_headline('english'::regconfig, m.content, q,
                                'MaxFragments=2, MaxWords=18, MinWords=6, StartSel=<mark>, StopSel=</mark>'),
         pg_catalog.ts_rank(m.search, q)
    from pg_catalog.websearch_to_tsquery('english'::regconfig, coalesce(query, '')) as q
    join public.cloud_messages m on m.search operator(pg_catalog.@@) q
    join public.cloud_sessions s on s.id = m.session_id
   where m.deleted_at is null
     and s.deleted_at is null
   order by 7 desc, m.created_at desc, m.id
   limit least(greatest(coalesce(max_rows, 50), 1), 200)
$$;

revoke execute on function public.search_messages(text, integer) from public, anon;
grant execute on function public.search_messages(text, integer) to authenticated, service_role;
