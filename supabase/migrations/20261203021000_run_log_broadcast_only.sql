-- A run's log reaches the run page through one broadcast per appended batch on "run:<id>"
-- (20261203010100_run_log_broadcast.sql) and no longer through per-row postgres_changes: at
-- 1,000 lines/s the publication made Realtime read and RLS-check every line for every
-- subscriber, the path measured at seconds of delay (docs/runs.md, "Live log").

alter publication supabase_realtime drop table ops.run_logs;

-- The page places lines by attempt (a retried run's log shows each attempt separately), so the
-- broadcast carries each line's attempt too; otherwise as before.
create or replace function private.run_logs_broadcast()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  batch record;
begin
  for batch in
    select n.run_id,
           min(n.line_no) as first_line_no,
           max(n.line_no) as last_line_no,
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'line_no', n.line_no, 'attempt', n.attempt, 'stream', n.stream, 'line', n.line,
             'logged_at', n.logged_at)
             order by n.line_no) as lines
      from new_rows n
     group by n.run_id
  loop
    perform realtime.send(
      pg_catalog.jsonb_build_object(
        'run_id', batch.run_id,
        'first_line_no', batch.first_line_no,
        'last_line_no', batch.last_line_no,
        'lines', case when pg_catalog.pg_column_size(batch.lines) <= 262144 then batch.lines end),
      'log.appended', 'run:' || batch.run_id::text, true);
  end loop;
  return null;
end;
$$;

revoke execute on function private.run_logs_broadcast() from public, anon, authenticated;
