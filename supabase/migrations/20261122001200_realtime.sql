-- The tables the console watches live: devices coming online, sessions and messages as
-- devices sync, and runs with their events and logs. Realtime checks each subscriber's RLS
-- before delivering a change, so publishing a table exposes nothing policies hide.
alter publication supabase_realtime add table
  public.devices,
  public.cloud_sessions,
  public.cloud_messages,
  ops.runs,
  ops.run_events,
  ops.run_logs;
