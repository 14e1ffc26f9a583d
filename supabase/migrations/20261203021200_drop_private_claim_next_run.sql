-- private.claim_next_run is dead since 20261203013000_run_queue_floor.sql: ops.claim_next_run
-- and ops.claim_next_runs claim through private.claim_runs, and nothing else calls it.
drop function private.claim_next_run(uuid, integer);
