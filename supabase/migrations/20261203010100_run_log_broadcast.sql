-- A run's log, live, one message per appended batch instead of one change per line: at
-- 1,000 lines/s a page following postgres_changes on ops.run_logs costs Realtime 1,000 RLS
-- checks a second per viewer, while the worker appends at most 5 batches a second
-- (agent/worker/log-batcher.ts). Each append_run_log statement broadcasts "log.appended" on
-- the private topic "run:<run id>" with the batch's lines (or, for a batch over ~256 KB, only
-- its line range, which the page then reads). Who may join the topic is decided by RLS on
-- ops.runs: whoever may read the run (hosted Realtime's authorization, mirrored by the local
-- stack, evaluates this policy as the joining user).

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
             'line_no', n.line_no, 'stream', n.stream, 'line', n.line, 'logged_at', n.logged_at)
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

create trigger run_logs_broadcast
  after insert on ops.run_logs
  referencing new table as new_rows
  for each statement
  execute function private.run_logs_broadcast();

create policy "Members read their runs' log topics"
  on realtime.messages
  for select
  to authenticated
  using (
    case
      when (select realtime.topic()) ~ '^run:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then exists (
        select 1 from ops.runs r where r.id = pg_catalog.substr((select realtime.topic()), 5)::uuid
      )
      else false
    end
  );
