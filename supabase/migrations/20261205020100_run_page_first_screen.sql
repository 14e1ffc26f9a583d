-- A run's page reads its first screen in one round trip (issue #12: "/runs/[id] server
-- response p95 < 200 ms" for a run with 100,000 log lines; 304 ms measured with six parallel
-- REST requests for it). The page asked for the header (ops.get_run), the log's outline, its
-- last lines, the events and the artifacts, each its own PostgREST request: six times the
-- request's fixed cost (JWT check, role switch, transaction) on a server that answers them
-- on shared cores. ops.run_page answers all of them from one call.
--
-- Security invoker: every read below goes through the select policies of ops.runs,
-- run_logs, run_events and run_artifacts exactly as the separate requests did, and a run
-- the caller may not read answers null (the page's "not found"). Volatile, because it first
-- settles the run's lease if it ran out (ops.reap_expired_runs,
-- 20261205020000_run_leases_reaped_on_read.sql), so the header never shows a run held by a
-- worker that is gone. The shapes are the separate reads' (lib/runs/queries.ts parses them
-- with the same schemas).
create or replace function ops.run_page(p_run_id uuid, p_tail_lines integer default 50)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  run jsonb;
begin
  perform ops.reap_expired_runs(p_run_id);
  select pg_catalog.to_jsonb(r) into run from ops.get_run(p_run_id) r;
  if run is null then
    return null;
  end if;

  return pg_catalog.jsonb_build_object(
    'run', run,
    'outline', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(o)), '[]'::jsonb)
        from ops.run_log_outline(p_run_id) o
    ),
    -- The log's last lines, oldest first: one backward walk of the (run_id, line_no) index.
    'tail', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t) order by t.line_no), '[]'::jsonb)
        from (
          select l.line_no, l.attempt, l.stream, l.line, l.logged_at
            from ops.run_logs l
           where l.run_id = p_run_id
           order by l.line_no desc
           limit least(greatest(coalesce(p_tail_lines, 50), 0), 1000)
        ) t
    ),
    'events', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e) order by e.id), '[]'::jsonb)
        from (
          select v.id, v.kind, v.message, v.data, v.device_id, v.actor_user_id, v.created_at
            from ops.run_events v
           where v.run_id = p_run_id
           order by v.id
           limit 1000
        ) e
    ),
    'artifacts', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.key), '[]'::jsonb)
        from (
          select x.id, x.key, x.size_bytes, x.sha256, x.content_type, x.storage_path,
                 x.expires_at, x.created_at
            from ops.run_artifacts x
           where x.run_id = p_run_id
           order by x.key
           limit 500
        ) a
    )
  );
end;
$$;

revoke execute on function ops.run_page(uuid, integer) from public, anon;
grant execute on function ops.run_page(uuid, integer) to authenticated, service_role;
