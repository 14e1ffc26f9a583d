-- The runs pages' demo (docs/runs.md): a workflow with inputs for the start dialog, and runs
-- whose logs are written the way a worker writes them (a `::group::<step>` system line per
-- step, `::endgroup::` after it, step.started/step.finished events): a failed run with a red
-- group, a run that needed a second attempt, a running one mid-step, and a queued one with a
-- place in the queue. Applies after seed.sql and seed_ops.sql.

insert into ops.workflows (id, project_id, name, kind, description, definition, created_by, created_at, updated_at)
values (
  '00000000-0000-4000-d000-000000000101', '00000000-0000-4000-c000-000000000001', 'smoke-test', 'test',
  'Ask a loaded model for a short answer and check its speed.',
  '{"version": 1,
    "inputs": {
      "model": {"type": "string", "default": "qwen3-coder-30b-a3b", "description": "The loaded model to ask."},
      "max_tokens": {"type": "number", "default": 256},
      "verbose": {"type": "boolean", "default": false}
    },
    "steps": [
      {"name": "Check server", "run": "curl -fsS http://localhost:1234/v1/models"},
      {"name": "Ask", "run": "lmx ask --model \"$MODEL\" --max-tokens \"$MAX_TOKENS\" \"Say hello\"", "timeout_seconds": 120},
      {"name": "Report", "run": "lmx report --last"}
    ]}'::jsonb,
  '00000000-0000-4000-a000-000000000001', now() - interval '2 days', now() - interval '2 days'
);

create temporary table seed_console_runs (
  id uuid, workflow_id uuid, status text, attempts int, priority int, queued_at timestamptz,
  started_at timestamptz, finished_at timestamptz, exit_code int, error text, device_id uuid
) on commit drop;

insert into seed_console_runs values
  -- Failed in its test step: the "Test" group is red and opens first.
  (md5('lmx-console-run-failed')::uuid, '00000000-0000-4000-d000-000000000002', 'failed', 1, 0,
   now() - interval '50 minutes', now() - interval '49 minutes', now() - interval '46 minutes', 1,
   'Step "Test" exited with code 1', '00000000-0000-4000-b000-000000000001'),
  -- The first worker's lease lapsed mid-build; the second attempt succeeded.
  (md5('lmx-console-run-retried')::uuid, '00000000-0000-4000-d000-000000000001', 'succeeded', 2, 0,
   now() - interval '40 minutes', now() - interval '33 minutes', now() - interval '30 minutes', 0,
   null, '00000000-0000-4000-b000-000000000001'),
  -- Running now, in its "Ask" step.
  (md5('lmx-console-run-running')::uuid, '00000000-0000-4000-d000-000000000101', 'running', 1, 0,
   now() - interval '90 seconds', now() - interval '80 seconds', null, null, null,
   '00000000-0000-4000-b000-000000000001'),
  -- Waiting, with a higher priority than most of the queue.
  (md5('lmx-console-run-queued')::uuid, '00000000-0000-4000-d000-000000000101', 'queued', 0, 5,
   now() - interval '72 seconds', null, null, null, null, null);

insert into ops.runs (
  id, project_id, workflow_id, status, params, priority, requested_by, claimed_by, claimed_at,
  lease_expires_at, attempts, max_attempts, queued_at, started_at, finished_at, exit_code, error,
  created_at, updated_at
)
select r.id, '00000000-0000-4000-c000-000000000001', r.workflow_id, r.status,
       case when r.workflow_id = '00000000-0000-4000-d000-000000000101'
            then '{"model": "qwen3-coder-30b-a3b", "max_tokens": 256, "verbose": false}'::jsonb
            else '{"ref": "main", "commit": "4f2c9e1"}'::jsonb end,
       r.priority, '00000000-0000-4000-a000-000000000001',
       r.device_id,
       case when r.status <> 'queued' then r.started_at - interval '2 seconds' end,
       case when r.status = 'running' then now() + interval '50 seconds' end,
       r.attempts, 3, r.queued_at, r.started_at, r.finished_at, r.exit_code, r.error,
       r.queued_at, coalesce(r.finished_at, r.started_at, r.queued_at)
  from seed_console_runs r;

-- Each run's log: (attempt, step, lines) written as the worker writes them.
create temporary table seed_console_steps (
  run_id uuid, attempt int, ord int, name text, lines text[], exit_code int, duration_ms int, closed boolean
) on commit drop;

insert into seed_console_steps values
  (md5('lmx-console-run-failed')::uuid, 1, 1, 'Install',
   array[E'\033[1m$ npm ci\033[0m', 'added 812 packages in 9s', E'\033[33mwarning\033[0m: deprecated option --legacy-peer-deps'],
   0, 9400, true),
  (md5('lmx-console-run-failed')::uuid, 1, 2, 'Test',
   array[E'\033[1m$ npm test\033[0m', '::group::unit', E'  \033[32m✓\033[0m streams tokens \033[2m(41 ms)\033[0m',
         E'  \033[32m✓\033[0m reports time to first token \033[2m(12 ms)\033[0m', '::endgroup::',
         '::group::integration', E'  \033[32m✓\033[0m loads the model once \033[2m(1.2 s)\033[0m',
         E'  \033[31m✗\033[0m rejects a revoked device token',
         E'    \033[31mAssertionError\033[0m: expected 401, received 200',
         E'      at device-api.int.test.ts:212:7', '::endgroup::',
         E'\033[31m1 failed\033[0m, \033[32m3 passed\033[0m (4)'],
   1, 171000, true),
  (md5('lmx-console-run-retried')::uuid, 1, 1, 'Install',
   array[E'\033[1m$ npm ci\033[0m', 'added 812 packages in 9s'], 0, 9100, true),
  (md5('lmx-console-run-retried')::uuid, 1, 2, 'Build',
   array[E'\033[1m$ npm run build\033[0m', 'compiling 214 modules'], null, null, false),
  (md5('lmx-console-run-retried')::uuid, 2, 1, 'Install',
   array[E'\033[1m$ npm ci\033[0m', 'cache hit: node_modules'], 0, 2100, true),
  (md5('lmx-console-run-retried')::uuid, 2, 2, 'Build',
   array[E'\033[1m$ npm run build\033[0m', 'compiling 214 modules', 'writing build/server.js (1.9 MB)'], 0, 98000, true),
  (md5('lmx-console-run-retried')::uuid, 2, 3, 'Package',
   array[E'\033[1m$ tar czf dist/server.tgz build\033[0m', E'\033[32m✔ done\033[0m in 3s'], 0, 3200, true),
  (md5('lmx-console-run-running')::uuid, 1, 1, 'Check server',
   array[E'\033[1m$ curl -fsS http://localhost:1234/v1/models\033[0m', '{"data":[{"id":"qwen3-coder-30b-a3b"}]}'], 0, 300, true),
  (md5('lmx-console-run-running')::uuid, 1, 2, 'Ask',
   array[E'\033[1m$ lmx ask --model "qwen3-coder-30b-a3b" --max-tokens "256" "Say hello"\033[0m',
         'time to first token: 412 ms', 'Hello! How can I help you today?'], null, null, false);

insert into ops.run_logs (run_id, project_id, line_no, stream, line, logged_at, attempt)
select s.run_id, '00000000-0000-4000-c000-000000000001',
       row_number() over (partition by s.run_id order by s.attempt, s.ord, l.part, l.k),
       case when l.part = 1 or l.part = 3 or l.line like '::%' then 'system'
            when l.line like E'%\033[31m%' then 'stderr' else 'stdout' end,
       l.line,
       r.started_at - (r.attempts - s.attempt) * interval '4 minutes' + s.ord * interval '20 seconds'
         + l.k * interval '700 milliseconds',
       s.attempt
  from seed_console_steps s
  join seed_console_runs r on r.id = s.run_id
  cross join lateral (
    select 1 as part, 0 as k, '::group::' || s.name as line
    union all
    select 2, t.k, t.line from unnest(s.lines) with ordinality as t (line, k)
    union all
    select 3, 0, '::endgroup::' where s.closed
  ) l;

insert into ops.run_events (run_id, project_id, kind, message, data, device_id, actor_user_id, created_at)
select e.run_id, '00000000-0000-4000-c000-000000000001', e.kind, e.message, e.data, e.device_id, e.actor, e.at
  from (
    select r.id as run_id, 1 as ord, 0 as attempt, 'queued' as kind, 'Queued' as message, '{}'::jsonb as data,
           null::uuid as device_id, '00000000-0000-4000-a000-000000000001'::uuid as actor, r.queued_at as at
      from seed_console_runs r
    union all
    select r.id, 2, a.n, 'started', 'Started', '{}'::jsonb, r.device_id, null,
           r.started_at - (r.attempts - a.n) * interval '4 minutes' - interval '1 second'
      from seed_console_runs r cross join generate_series(1, r.attempts) as a (n)
     where r.status <> 'queued'
    union all
    select r.id, 3, 1, 'lease.requeued', 'Lease expired: back in the queue', '{"attempt": 1}'::jsonb,
           '00000000-0000-4000-b000-000000000002', null, r.started_at - interval '1 minute'
      from seed_console_runs r where r.attempts = 2
    union all
    select s.run_id, 4, s.attempt, 'step.started', s.name,
           jsonb_build_object('index', s.ord - 1, 'name', s.name), r.device_id, null,
           r.started_at - (r.attempts - s.attempt) * interval '4 minutes' + s.ord * interval '20 seconds'
      from seed_console_steps s join seed_console_runs r on r.id = s.run_id
    union all
    select s.run_id, 5, s.attempt, 'step.finished', s.name,
           jsonb_build_object('index', s.ord - 1, 'name', s.name, 'exit_code', s.exit_code,
             'duration_ms', s.duration_ms, 'timed_out', false, 'canceled', false),
           r.device_id, null,
           r.started_at - (r.attempts - s.attempt) * interval '4 minutes' + s.ord * interval '20 seconds'
             + s.duration_ms * interval '1 millisecond'
      from seed_console_steps s join seed_console_runs r on r.id = s.run_id
     where s.exit_code is not null
    union all
    select r.id, 6, r.attempts, r.status, case r.status when 'succeeded' then 'Succeeded' else 'Failed' end,
           jsonb_build_object('exit_code', r.exit_code), r.device_id, null, r.finished_at
      from seed_console_runs r where r.status in ('succeeded', 'failed')
  ) e
 order by e.run_id, e.attempt, e.ord, e.at;

insert into ops.run_artifacts (run_id, project_id, key, size_bytes, sha256, content_type, storage_path, expires_at, device_id, created_at)
values (md5('lmx-console-run-retried')::uuid, '00000000-0000-4000-c000-000000000001', 'dist/server.tgz', 19342211,
        encode(sha256('lmx-console-artifact'::bytea), 'hex'), 'application/gzip', null,
        now() + interval '30 days', '00000000-0000-4000-b000-000000000001', now() - interval '30 minutes');
