-- The ids chat apps give their own sessions and messages (client_id), kept beside the cloud ids
-- the device API derives from them (UUID v5 in a per-account namespace), so a re-sync finds the
-- same rows. A session's client id is unique per device; a message's within its session, since
-- some apps number messages per conversation (LM Studio has no message ids at all).

alter table public.cloud_sessions
  add column client_id text check (char_length(client_id) between 1 and 200);
alter table public.cloud_messages
  add column client_id text check (char_length(client_id) between 1 and 200);

create unique index cloud_sessions_device_id_client_id_key on public.cloud_sessions (device_id, client_id)
  where client_id is not null;
create unique index cloud_messages_session_id_client_id_key on public.cloud_messages (session_id, client_id)
  where client_id is not null;
-- The device page's "last synced": the newest last_modified_at a device pushed.
create index cloud_sessions_device_id_last_modified_at_idx on public.cloud_sessions (device_id, last_modified_at desc)
  where device_id is not null;
