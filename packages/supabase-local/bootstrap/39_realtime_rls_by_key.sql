-- Platform bootstrap: the per-subscriber RLS statement of _realtime.check_change_batch
-- (37_realtime_compact_check.sql) looks each change's row up by primary key, as Supabase
-- Realtime's realtime.apply_rls does (`select ... from <table> where <pk> = $1`, one row per
-- execution). With a batch of a dozen changes on a table of a few thousand rows the planner
-- preferred a hash join over a sequential scan of the whole table, run once per subscriber
-- identity: 100 subscribers then cost 100 table scans per batch, growing with the table
-- (a 2,000-row table: 1 change 7 ms, 13 changes 80 ms). Without hash or merge joins the semi
-- join is a nested loop of primary-key lookups, whose cost depends on the batch, not the table.
alter function _realtime.check_change_batch(regclass, jsonb, jsonb, jsonb, jsonb)
  set enable_hashjoin = off
  set enable_mergejoin = off;
