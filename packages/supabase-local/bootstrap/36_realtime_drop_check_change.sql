-- Platform bootstrap: _realtime.check_change (30_realtime.sql), the one-change-at-a-time check,
-- was superseded by _realtime.check_changes (35_realtime_batched_check.sql), which checks every
-- change that arrived together; nothing calls the old one any more.
drop function if exists _realtime.check_change(regclass, jsonb, jsonb, jsonb, jsonb);
