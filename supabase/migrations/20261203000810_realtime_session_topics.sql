-- The sessions pages' live channels, private like the devices one (20261203000600):
-- "sessions:<user id>" (the list) is readable by that user alone, and "session:<id>" (one
-- session's page) by whoever may read that session, as its select policy decides. The
-- session lookup runs as the joining user, so RLS on cloud_sessions answers the question;
-- the pattern check comes first so a malformed topic is refused instead of failing the cast.
create policy "Users read their sessions topics"
  on realtime.messages
  for select
  to authenticated
  using (
    (select realtime.topic()) = 'sessions:' || (select auth.uid())::text
    or (
      case
        when (select realtime.topic()) ~ '^session:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        then exists (
          select 1
            from public.cloud_sessions s
           where s.id = pg_catalog.substr((select realtime.topic()), 9)::uuid
        )
        else false
      end
    )
  );
