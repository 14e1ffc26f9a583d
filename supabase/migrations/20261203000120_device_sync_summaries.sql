-- What the device card and detail show as "last synced": per device of the caller, the newest
-- last_modified_at it pushed and how many live sessions it synced. Security invoker, so the
-- caller's own policies on cloud_sessions apply; the owner filter keeps project members'
-- sessions (visible to them) out of their own devices' figures.
create view public.device_sync_summaries
  with (security_invoker = true)
as
select s.device_id,
       max(s.last_modified_at) as last_synced_at,
       (count(*) filter (where s.deleted_at is null))::integer as session_count
  from public.cloud_sessions s
 where s.device_id is not null
   and s.user_id = (select auth.uid())
 group by s.device_id;

revoke all on public.device_sync_summaries from anon;
grant select on public.device_sync_summaries to authenticated;
