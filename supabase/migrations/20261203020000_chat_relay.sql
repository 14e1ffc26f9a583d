-- Chat through a paired LLM host (issue #18, docs/chat-relay.md). The console cannot reach
-- a model server on someone's LAN, so the device's agent relays over two private Realtime
-- topics, both authorised here by RLS on realtime.messages (hosted Realtime evaluates these
-- policies as the joining or sending user; the local stack mirrors it):
--
--   "device:<device id>"                     requests. Sent (over Realtime's HTTP broadcast,
--                                            no join needed) by whoever may chat with the
--                                            device; read by that device alone, so one
--                                            member never sees another's prompts.
--   "device:<device id>:reply:<user id>"     answers to one user. Written by that device
--                                            alone; read by that user (while they may still
--                                            chat with it) and by the device, which must
--                                            join the channel to send on it.
--
-- Who may chat with a device: its owner, or a developer (or higher) of a project the device
-- serves (public.device_run_projects, chosen by the owner on the device's page). Never a
-- device request (a device does not prompt devices), never a revoked device.

create or replace function private.may_chat_with_device(p_device uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select not (select private.is_device_request())
     and exists (
       select 1
         from public.devices d
        where d.id = p_device
          and d.revoked_at is null
          and (d.user_id = (select auth.uid())
               or exists (
                 select 1
                   from public.device_run_projects p
                  where p.device_id = d.id
                    and p.project_id in (select private.my_project_ids('developer'))))
     )
$$;

revoke execute on function private.may_chat_with_device(uuid) from public, anon;
grant execute on function private.may_chat_with_device(uuid) to authenticated, service_role;

-- The pattern checks come first so a malformed or injected topic is refused instead of
-- failing a cast. A uuid is 36 characters: "device:" is 7, ":reply:" another 7.
create policy "Chat users send requests to a device's topic"
  on realtime.messages
  for insert
  to authenticated
  with check (
    extension = 'broadcast'
    and case
      when (select realtime.topic()) ~ '^device:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then (select private.may_chat_with_device(pg_catalog.substr((select realtime.topic()), 8)::uuid))
      else false
    end
  );

create policy "Devices read their request topic"
  on realtime.messages
  for select
  to authenticated
  using (
    case
      when (select realtime.topic()) ~ '^device:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then pg_catalog.substr((select realtime.topic()), 8)::uuid = (select private.current_device_id())
      else false
    end
  );

create policy "Devices answer on their reply topics"
  on realtime.messages
  for insert
  to authenticated
  with check (
    extension = 'broadcast'
    and case
      when (select realtime.topic()) ~ '^device:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:reply:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then pg_catalog.substr((select realtime.topic()), 8, 36)::uuid = (select private.current_device_id())
      else false
    end
  );

create policy "Chat users and the device read a reply topic"
  on realtime.messages
  for select
  to authenticated
  using (
    case
      when (select realtime.topic()) ~ '^device:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:reply:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then pg_catalog.substr((select realtime.topic()), 8, 36)::uuid = (select private.current_device_id())
        or (pg_catalog.substr((select realtime.topic()), 51, 36)::uuid = (select auth.uid())
            and (select private.may_chat_with_device(pg_catalog.substr((select realtime.topic()), 8, 36)::uuid)))
      else false
    end
  );

-- The /chat page's device picker: every device the caller may chat with, with what its last
-- heartbeat said about its LLM server. A project member does not otherwise see the owner's
-- devices (their policies admit the owner only), so this returns the few columns chat needs
-- and nothing else (no addresses, no secrets). Online LLM hosts first.
create or replace function public.chat_devices()
returns table (
  id uuid,
  name text,
  role public.device_role,
  own boolean,
  last_seen_at timestamptz,
  llm_server jsonb,
  models_loaded jsonb
)
language sql
stable
security definer
set search_path = ''
as $$
  select d.id, d.name, d.role, d.user_id = (select auth.uid()), d.last_seen_at,
         d.capabilities -> 'llm_server', coalesce(d.capabilities -> 'models_loaded', '[]'::jsonb)
    from public.devices d
   where d.revoked_at is null
     and (select private.may_chat_with_device(d.id))
   order by d.last_seen_at > pg_catalog.now() - interval '90 seconds' desc nulls last,
            d.role = 'llm_host' desc, d.name, d.id
   limit 200
$$;

revoke execute on function public.chat_devices() from public, anon;
grant execute on function public.chat_devices() to authenticated;
