-- cloud_messages loses the two indexes no query needs: every message a device pushes updates
-- each index the row qualifies for, one entry at a time, so an index without a reader costs
-- every write and serves nothing.
--
-- 1. cloud_messages_parent_id_idx (parent_id, where parent_id is not null). No statement asks for
--    messages by parent: the branch tree is built from one session's messages, read by
--    session (cloud_messages_session_id_user_id_idx), and parent_id has no foreign key whose
--    parent-side action would look a message's children up. Nearly every message has a
--    parent, so this was one more entry for almost every row written.
drop index public.cloud_messages_parent_id_idx;

-- 2. cloud_messages_project_id_idx (project_id) is a prefix of
--    cloud_messages_project_id_created_at_idx (project_id, created_at), which was also limited
--    to live rows. One index on (project_id, created_at) over every project message, live or
--    deleted, serves both kinds of reader:
--    - the project foreign key's on-delete action (set project_id null on every message of a
--      deleted project, deleted rows included) and the members' read policy (project_id in
--      my projects), by its first column;
--    - the project usage reads (a project's live messages in a time range), by both columns,
--      dropping the range's deleted rows (tombstones) by a filter.
--    A project message now writes one project entry instead of two.
drop index public.cloud_messages_project_id_created_at_idx;
drop index public.cloud_messages_project_id_idx;
create index cloud_messages_project_id_created_at_idx on public.cloud_messages (project_id, created_at)
  where project_id is not null;
