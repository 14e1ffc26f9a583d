-- Realtime channels are private only (docs/security.md): a channel is joined only when a
-- policy on realtime.messages lets the user read its topic. The console's live views use
-- "<feature>:<user id>" topics (devices:<user id>), readable by that user alone. Nothing here
-- lets anyone write (broadcast or track presence): no insert policy exists.
create policy "Users read their own topics"
  on realtime.messages
  for select
  to authenticated
  using (
    (select realtime.topic()) = 'devices:' || (select auth.uid())::text
  );
