-- The members tab updates live (another browser sees an accepted invitation, a role change or
-- a removal without reloading). Memberships join the Realtime publication; Realtime checks
-- each subscriber's RLS on ops.project_memberships before delivering a change, and a DELETE
-- carries only the primary key (docs/security.md), so publishing exposes nothing that the
-- co-member read policy hides.
alter publication supabase_realtime add table ops.project_memberships;

-- The members tab's channel, "project-members:<project id>", is private like the console's
-- other live views (20261203000600): only someone who can see the project may join it. The
-- pattern check comes first so a malformed topic is refused instead of failing the cast; the
-- project lookup runs as the joining user, so RLS on ops.projects answers the question.
create policy "Members read their projects' member topics"
  on realtime.messages
  for select
  to authenticated
  using (
    case
      when (select realtime.topic()) ~ '^project-members:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then exists (
        select 1
          from ops.projects p
         where p.id = pg_catalog.substr((select realtime.topic()), 17)::uuid
      )
      else false
    end
  );
