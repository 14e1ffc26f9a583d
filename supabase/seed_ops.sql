-- Development data for the ops side of LMX Console, applied after seed.sql. Deterministic:
-- ids are fixed or hashed from each row's position; only timestamps move with now(). Uses the
-- demo accounts and devices of seed.sql and adds three teammates so every role is present.
--
-- Accounts added here (password: lmx-demo-password)
--   priya@lmx.local   00000000-0000-4000-a000-000000000101
--   alex@lmx.local    00000000-0000-4000-a000-000000000102
--   jordan@lmx.local  00000000-0000-4000-a000-000000000103
-- Projects
--   "Studio Inference" 00000000-0000-4000-c000-000000000001: demo owner, priya admin,
--                      alex developer, jordan viewer, sam viewer
--   "Docs Site"        00000000-0000-4000-c000-000000000002: sam owner, demo admin,
--                      alex developer, jordan viewer
-- Worker devices: the demo user's three machines and alex's "Build Box"
--   00000000-0000-4000-b000-000000000101

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
       -- The demo password's bcrypt hash, computed once (see seed.sql).
       '$2a$10$qwQZBM88R6pfWvyl7nZUOePNgTfzOjdEy4UNsKpbxSHzt8PQLmJka',
       now() - interval '40 days',
       '{"provider": "email", "providers": ["email"]}'::jsonb,
       jsonb_build_object('display_name', u.display_name),
       now() - interval '40 days', now() - interval '40 days', '', '', '', ''
  from (values
    ('00000000-0000-4000-a000-000000000101'::uuid, 'priya@lmx.local', 'Priya Natarajan'),
    ('00000000-0000-4000-a000-000000000102'::uuid, 'alex@lmx.local', 'Alex Kim'),
    ('00000000-0000-4000-a000-000000000103'::uuid, 'jordan@lmx.local', 'Jordan Blake')
  ) as u (id, email, display_name);

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true),
       'email', now() - interval '2 days', u.created_at, u.created_at
  from auth.users u
 where u.id in ('00000000-0000-4000-a000-000000000101', '00000000-0000-4000-a000-000000000102',
                '00000000-0000-4000-a000-000000000103');

insert into public.devices (
  id, user_id, name, role, hostname, platform, app_version, lan_ip, lan_port, capabilities,
  last_seen_at, paired_at, created_at
)
values
  ('00000000-0000-4000-b000-000000000101', '00000000-0000-4000-a000-000000000102', 'Build Box',
   'workstation', 'buildbox', 'Ubuntu 24.04 (x64)', '1.8.2', '192.168.188.40', 1234,
   '{"gpu": "NVIDIA RTX 3090 24 GB", "memory_gb": 128, "models_loaded": []}',
   now() - interval '30 seconds', now() - interval '25 days', now() - interval '25 days');

insert into ops.projects (id, name, description, created_by, created_at, updated_at)
values
  ('00000000-0000-4000-c000-000000000001', 'Studio Inference',
   'The LLM server on the Studio Mac: builds, model upgrades, backups.',
   '00000000-0000-4000-a000-000000000001', now() - interval '35 days', now() - interval '2 days'),
  ('00000000-0000-4000-c000-000000000002', 'Docs Site',
   'The team''s documentation site and its database.',
   '00000000-0000-4000-a000-000000000002', now() - interval '30 days', now() - interval '5 days');

-- The creators' owner memberships come from the projects_add_creator trigger.
insert into ops.project_memberships (project_id, user_id, role, created_at)
values
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-a000-000000000101', 'admin', now() - interval '34 days'),
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-a000-000000000102', 'developer', now() - interval '33 days'),
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-a000-000000000103', 'viewer', now() - interval '20 days'),
  ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-a000-000000000002', 'viewer', now() - interval '15 days'),
  ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-a000-000000000001', 'admin', now() - interval '29 days'),
  ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-a000-000000000102', 'developer', now() - interval '28 days'),
  ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-a000-000000000103', 'viewer', now() - interval '12 days');

create temporary table seed_workflows (
  id uuid, project_id uuid, ord int, name text, kind text, description text, definition jsonb
) on commit drop;

insert into seed_workflows values
  ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-c000-000000000001', 1, 'build-server', 'build',
   'Build the inference server bundle.',
   '{"steps": [{"name": "Install", "run": "npm ci"}, {"name": "Build", "run": "npm run build"}, {"name": "Package", "run": "tar czf dist/server.tgz build"}]}'),
  ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-c000-000000000001', 2, 'test-suite', 'test',
   'Unit and integration tests against a loaded model.',
   '{"steps": [{"name": "Install", "run": "npm ci"}, {"name": "Test", "run": "npm test"}]}'),
  ('00000000-0000-4000-d000-000000000003', '00000000-0000-4000-c000-000000000001', 3, 'deploy-studio', 'deploy',
   'Roll the server out on the Studio Mac.',
   '{"steps": [{"name": "Fetch bundle", "run": "lmx fetch dist/server.tgz"}, {"name": "Restart", "run": "lmx restart --port 1234"}]}'),
  ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-c000-000000000001', 4, 'nightly-backup', 'backup',
   'Snapshot chat history and model settings.',
   '{"schedule": "0 3 * * *", "steps": [{"name": "Dump", "run": "lmx backup --out backups/"}]}'),
  ('00000000-0000-4000-d000-000000000005', '00000000-0000-4000-c000-000000000001', 5, 'upgrade-models', 'upgrade',
   'Pull newer quantisations of the loaded models.',
   '{"steps": [{"name": "Check", "run": "lms ls --updates"}, {"name": "Pull", "run": "lms get --latest"}]}'),
  ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-c000-000000000001', 6, 'rotate-logs', 'maintenance',
   'Compress and prune server logs.',
   '{"steps": [{"name": "Rotate", "run": "logrotate lmx.conf"}]}'),
  ('00000000-0000-4000-d000-000000000007', '00000000-0000-4000-c000-000000000002', 1, 'build-docs', 'build',
   'Build the static documentation site.',
   '{"steps": [{"name": "Install", "run": "npm ci"}, {"name": "Build", "run": "npm run docs:build"}]}'),
  ('00000000-0000-4000-d000-000000000008', '00000000-0000-4000-c000-000000000002', 2, 'deploy-docs', 'deploy',
   'Publish the site.',
   '{"steps": [{"name": "Upload", "run": "rsync -a out/ docs:/srv/www"}]}'),
  ('00000000-0000-4000-d000-000000000009', '00000000-0000-4000-c000-000000000002', 3, 'backup-db', 'backup',
   'Dump the docs database.',
   '{"steps": [{"name": "Dump", "run": "pg_dump docs > backups/docs.sql"}]}');

insert into ops.workflows (id, project_id, name, kind, description, definition, created_by, created_at, updated_at)
select w.id, w.project_id, w.name, w.kind, w.description, w.definition,
       case w.project_id when '00000000-0000-4000-c000-000000000001'
         then '00000000-0000-4000-a000-000000000001'::uuid else '00000000-0000-4000-a000-000000000002'::uuid end,
       now() - interval '28 days' + w.ord * interval '1 hour', now() - interval '3 days'
  from seed_workflows w;

-- 104 runs over 30 days. The 11 newest are live (queued, claimed, running); the rest finished
-- as succeeded, failed or canceled. h is a deterministic pseudo-random number per run.
create temporary table seed_runs on commit drop as
with base as (
  select i,
         ('x' || substr(md5('lmx-seed-run-' || i), 1, 8))::bit(32)::int & 2147483647 as h,
         case when i % 4 = 0 then '00000000-0000-4000-c000-000000000002'::uuid
              else '00000000-0000-4000-c000-000000000001'::uuid end as project_id
    from generate_series(1, 104) as i
), shaped as (
  select b.*,
         case when b.i <= 6 then 'queued' when b.i <= 8 then 'claimed' when b.i <= 11 then 'running'
              when b.h % 100 < 68 then 'succeeded' when b.h % 100 < 87 then 'failed' else 'canceled' end as status,
         case when b.i <= 11 then now() - b.i * interval '3 minutes'
              else now() - b.i * interval '6 hours 50 minutes' - (b.h % 3600) * interval '1 second' end as queued_at,
         30 + b.h % 870 as duration_s,
         4 + (b.h / 7) % 50 as wait_s
    from base b
)
select md5('lmx-seed-run-' || s.i)::uuid as id,
       s.i, s.h, s.project_id, s.status, s.queued_at, s.duration_s, s.wait_s,
       w.id as workflow_id, w.name as workflow_name, w.kind as workflow_kind,
       (array['00000000-0000-4000-b000-000000000001', '00000000-0000-4000-b000-000000000002',
              '00000000-0000-4000-b000-000000000003', '00000000-0000-4000-b000-000000000101'])[1 + (s.h / 11) % 4]::uuid
         as device_id,
       case when s.project_id = '00000000-0000-4000-c000-000000000001'
            then (array['00000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000101',
                        '00000000-0000-4000-a000-000000000102'])[1 + (s.h / 13) % 3]::uuid
            else (array['00000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000001',
                        '00000000-0000-4000-a000-000000000102'])[1 + (s.h / 13) % 3]::uuid end as requested_by,
       -- A canceled run was mostly stopped before it started.
       s.status in ('running', 'succeeded', 'failed') or (s.status = 'canceled' and s.h % 3 = 0) as started,
       -- One run in nine needed a second worker after the first one's lease lapsed.
       case when s.status not in ('queued') and s.h % 9 = 0 then 2 else 1 end as attempts
  from shaped s
  join seed_workflows w
    on w.project_id = s.project_id
   and w.ord = 1 + (s.h / 3) % (case when s.project_id = '00000000-0000-4000-c000-000000000001' then 6 else 3 end);

-- Re-runs: half of the failed runs were run again, and the next run of the same workflow
-- points back at the failed one.
alter table seed_runs add column rerun_of uuid;
update seed_runs as later
   set rerun_of = pairs.failed_id
  from (
    select r.id,
           lag(r.id) over w as failed_id,
           lag(r.status) over w as previous_status,
           lag(r.h) over w as previous_h
      from seed_runs r
    window w as (partition by r.workflow_id order by r.queued_at)
  ) as pairs
 where later.id = pairs.id
   and pairs.previous_status = 'failed'
   and pairs.previous_h % 2 = 0;

insert into ops.runs (
  id, project_id, workflow_id, status, params, priority, requested_by, rerun_of, claimed_by, claimed_at,
  lease_expires_at, attempts, max_attempts, queued_at, started_at, finished_at, exit_code, error, result,
  canceled_by, created_at, updated_at
)
select r.id, r.project_id, r.workflow_id, r.status,
       jsonb_build_object('ref', 'main', 'commit', substr(md5('lmx-seed-commit-' || r.i), 1, 7)),
       case when r.i = 2 then 10 else 0 end,
       r.requested_by,
       r.rerun_of,
       case when r.status = 'queued' then null else r.device_id end,
       case when r.status = 'queued' then null else r.queued_at + r.wait_s * interval '1 second' end,
       case when r.status in ('claimed', 'running') then now() + interval '50 seconds' end,
       case when r.status = 'queued' then 0 else r.attempts end,
       3,
       r.queued_at,
       case when r.started then r.queued_at + (r.wait_s + 2) * interval '1 second' end,
       case when r.status in ('succeeded', 'failed', 'canceled')
            then r.queued_at + (r.wait_s + 2 + case when r.started then r.duration_s else 0 end) * interval '1 second' end,
       case r.status when 'succeeded' then 0 when 'failed' then 1 + r.h % 2 end,
       case r.status
         when 'failed' then (array['npm test: 3 tests failed', 'Model download interrupted (connection reset)',
                                   'Port 1234 already in use', 'pg_dump: connection refused'])[1 + r.h % 4]
         when 'canceled' then 'Canceled: superseded by a newer commit' end,
       case when r.status = 'succeeded' then jsonb_build_object('duration_s', r.duration_s) end,
       case when r.status = 'canceled' then r.requested_by end,
       r.queued_at,
       coalesce(
         case when r.status in ('succeeded', 'failed', 'canceled')
              then r.queued_at + (r.wait_s + 2 + case when r.started then r.duration_s else 0 end) * interval '1 second' end,
         r.queued_at)
  from seed_runs r
 order by r.i;

-- Events: queued, a lost lease where a second attempt was needed, started, a step per step
-- group, and how it ended.
insert into ops.run_events (run_id, project_id, kind, message, data, device_id, actor_user_id, created_at)
select r.id, r.project_id, e.kind, e.message, e.data, e.device_id, e.actor, e.at
  from seed_runs r
  cross join lateral (
    values
      (1, 'queued', 'Queued', '{}'::jsonb, null::uuid, r.requested_by, r.queued_at, true),
      (2, 'lease.requeued', 'Lease expired: back in the queue', '{"attempt": 1}'::jsonb,
       '00000000-0000-4000-b000-000000000002'::uuid, null::uuid,
       r.queued_at + (r.wait_s + 1) * interval '1 second', r.attempts = 2),
      (3, 'started', 'Started', '{}'::jsonb, r.device_id, null::uuid,
       r.queued_at + (r.wait_s + 2) * interval '1 second', r.started),
      (4, 'step.started', 'Install', '{"step": 1}'::jsonb, r.device_id, null::uuid,
       r.queued_at + (r.wait_s + 3) * interval '1 second', r.started),
      (5, 'step.started', case r.workflow_kind when 'backup' then 'Dump' when 'deploy' then 'Restart'
                               when 'upgrade' then 'Pull' else 'Build' end,
       '{"step": 2}'::jsonb, r.device_id, null::uuid,
       r.queued_at + (r.wait_s + 3 + r.duration_s / 3) * interval '1 second', r.started and r.status <> 'running'),
      (6, r.status, case r.status when 'succeeded' then 'Succeeded' when 'failed' then 'Failed'
                                  else 'Canceled: superseded by a newer commit' end,
       '{}'::jsonb, case when r.status = 'canceled' then null else r.device_id end,
       case when r.status = 'canceled' then r.requested_by end,
       r.queued_at + (r.wait_s + 2 + case when r.started then r.duration_s else 0 end) * interval '1 second',
       r.status in ('succeeded', 'failed', 'canceled'))
  ) as e (ord, kind, message, data, device_id, actor, at, present)
 where e.present
 order by r.i, e.ord;

-- Logs: a step header per group, ordinary output, ANSI-coloured warnings, test results and
-- the ending (green on success, red on failure). Running runs have logged part of theirs.
insert into ops.run_logs (run_id, project_id, line_no, stream, line, logged_at)
select r.id, r.project_id, k,
       case when r.status = 'failed' and k >= n - 1 then 'stderr'
            when k % 11 = 0 then 'stderr'
            when k = 1 then 'system' else 'stdout' end,
       case
         when k = 1 then E'\033[1;34m==> ' || r.workflow_name || E'\033[0m on ' ||
           (select d.name from public.devices d where d.id = r.device_id) || ' (attempt ' || r.attempts || ')'
         when k = 2 then E'\033[1m$ npm ci\033[0m'
         when k = n / 2 then E'\033[1m$ ' || case r.workflow_kind when 'test' then 'npm test' when 'backup' then 'lmx backup --out backups/'
           when 'deploy' then 'lmx restart --port 1234' when 'upgrade' then 'lms get --latest' else 'npm run build' end || E'\033[0m'
         when r.status = 'failed' and k = n - 1 then E'\033[31merror\033[0m: ' || coalesce(
           (array['3 tests failed', 'connection reset while downloading', 'address already in use 0.0.0.0:1234',
                  'connection refused'])[1 + r.h % 4], 'failed')
         when r.status = 'failed' and k = n then E'\033[31m✖ exited with code\033[0m ' || (1 + r.h % 2)
         when r.status = 'succeeded' and k = n then E'\033[32m✔ done\033[0m in ' || r.duration_s || 's'
         when k % 11 = 0 then E'\033[33mwarning\033[0m: ' ||
           (array['deprecated option --legacy-peer-deps', 'model cache is 91% full', 'slow response from 192.168.188.11:1234'])[1 + (k + r.h) % 3]
         when r.workflow_kind = 'test' and k % 5 = 0 then E'  \033[32m✓\033[0m ' ||
           (array['streams tokens', 'reports time to first token', 'loads the model once', 'rejects a revoked device token'])[1 + (k + r.h) % 4] ||
           ' \033[2m(' || (k * 7 + r.h % 90) || E' ms)\033[0m'
         else (array['resolving dependencies', 'added 812 packages in 9s', 'compiling 214 modules',
                     'writing build/server.js (1.9 MB)', 'checking model manifest', 'uploading chunk ' || k,
                     'verified checksum', 'cache hit: node_modules'])[1 + (k + r.h) % 8]
       end,
       r.queued_at + (r.wait_s + 2) * interval '1 second'
         + (k::float8 / n) * case when r.started then r.duration_s else 1 end * interval '1 second'
  from seed_runs r
  cross join lateral (
    select case when r.status = 'running' then 8 + r.h % 10 else 14 + r.h % 40 end as n
  ) as size
  cross join lateral generate_series(1, size.n) as k
 where r.started
 order by r.i, k;

-- Artifacts from successful builds, backups and deploys; backups keep theirs for 90 days.
insert into ops.run_artifacts (run_id, project_id, key, size_bytes, sha256, content_type, storage_path, expires_at, device_id, created_at)
select r.id, r.project_id,
       case r.workflow_kind when 'build' then 'dist/' || r.workflow_name || '-' || r.i || '.tgz'
            when 'backup' then 'backups/' || r.workflow_name || '-' || r.i || '.sql.gz'
            else 'reports/' || r.workflow_name || '-' || r.i || '.json' end,
       case r.workflow_kind when 'build' then 18000000 + r.h % 4000000
            when 'backup' then 250000000 + r.h % 90000000 else 2000 + r.h % 9000 end,
       md5('lmx-seed-artifact-' || r.i) || md5('lmx-seed-artifact-2-' || r.i),
       case r.workflow_kind when 'build' then 'application/gzip' when 'backup' then 'application/gzip'
            else 'application/json' end,
       'runs/' || r.id || '/artifact',
       r.queued_at + case r.workflow_kind when 'backup' then interval '90 days' else interval '30 days' end,
       r.device_id,
       r.queued_at + (r.wait_s + 2 + r.duration_s) * interval '1 second'
  from seed_runs r
 where r.status = 'succeeded' and r.workflow_kind in ('build', 'backup', 'deploy');

insert into ops.tools (id, project_id, name, kind, version, description, config, created_by, created_at, updated_at)
values
  ('00000000-0000-4000-e000-000000000001', '00000000-0000-4000-c000-000000000001', 'LM Studio', 'service', '0.3.5',
   'Serves the loaded models on port 1234.', '{"port": 1234}', '00000000-0000-4000-a000-000000000001',
   now() - interval '30 days', now() - interval '6 days'),
  ('00000000-0000-4000-e000-000000000002', '00000000-0000-4000-c000-000000000001', 'Node.js', 'runtime', '22.11.0',
   'Runs the build and the test suite.', '{}', '00000000-0000-4000-a000-000000000001',
   now() - interval '30 days', now() - interval '30 days'),
  ('00000000-0000-4000-e000-000000000003', '00000000-0000-4000-c000-000000000001', 'llama.cpp', 'runtime', 'b4404',
   'Fallback inference engine for GGUF models.', '{"threads": 16}', '00000000-0000-4000-a000-000000000102',
   now() - interval '22 days', now() - interval '22 days'),
  ('00000000-0000-4000-e000-000000000004', '00000000-0000-4000-c000-000000000002', 'PostgreSQL', 'database', '15.8',
   'The docs database.', '{}', '00000000-0000-4000-a000-000000000002',
   now() - interval '29 days', now() - interval '29 days'),
  ('00000000-0000-4000-e000-000000000005', '00000000-0000-4000-c000-000000000002', 'Node.js', 'runtime', '20.18.0',
   'Builds the site.', '{}', '00000000-0000-4000-a000-000000000002',
   now() - interval '29 days', now() - interval '29 days');

insert into ops.upgrade_advisories (
  id, project_id, tool_id, component, current_version, recommended_version, severity, title, body, url,
  published_at, dismissed_at, dismissed_by
)
values
  ('00000000-0000-4000-f000-000000000001', '00000000-0000-4000-c000-000000000001', '00000000-0000-4000-e000-000000000002',
   'Node.js', '22.11.0', '22.12.0', 'high', 'Node.js 22.12.0 fixes a security issue',
   'Security release: upgrade the build machines before the next deploy.', 'https://nodejs.org/en/blog/release/v22.12.0',
   now() - interval '4 days', null, null),
  ('00000000-0000-4000-f000-000000000002', '00000000-0000-4000-c000-000000000001', '00000000-0000-4000-e000-000000000001',
   'LM Studio', '0.3.5', '0.3.9', 'medium', 'LM Studio 0.3.9 speeds up speculative decoding',
   'Newer builds report tokens/s and time to first token on the native API.', 'https://lmstudio.ai/blog',
   now() - interval '9 days', null, null),
  ('00000000-0000-4000-f000-000000000003', '00000000-0000-4000-c000-000000000001', '00000000-0000-4000-e000-000000000003',
   'llama.cpp', 'b4404', 'b4500', 'low', 'llama.cpp b4500 adds new quantisation types',
   'Optional: only needed for the newest GGUF files.', null,
   now() - interval '15 days', now() - interval '12 days', '00000000-0000-4000-a000-000000000102'),
  ('00000000-0000-4000-f000-000000000004', '00000000-0000-4000-c000-000000000002', '00000000-0000-4000-e000-000000000004',
   'PostgreSQL', '15.8', '15.10', 'critical', 'PostgreSQL 15.10 fixes CVE-2024-10979',
   'Upgrade the docs database: the fix concerns environment variables in PL/Perl.', 'https://www.postgresql.org/support/security/',
   now() - interval '6 days', null, null),
  ('00000000-0000-4000-f000-000000000005', '00000000-0000-4000-c000-000000000002', null,
   'Docs theme', '2.1', '3.0', 'info', 'A new major version of the docs theme is out',
   'Breaking changes in navigation; plan it with the next content sprint.', null,
   now() - interval '20 days', null, null);

-- Invitations: one pending, one expired, one revoked and one accepted (jordan joining the
-- docs project). Tokens are never stored; these hashes belong to throwaway strings.
insert into ops.invitations (
  id, project_id, email, role, token_hash, invited_by, expires_at, last_sent_at, send_count,
  accepted_at, accepted_by, revoked_at, created_at
)
values
  ('00000000-0000-4000-9000-000000000001', '00000000-0000-4000-c000-000000000001', 'casey@lmx.local', 'developer',
   encode(sha256(convert_to('lmx-seed-invitation-1', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000101',
   now() + interval '5 days', now() - interval '1 day', 2, null, null, null, now() - interval '3 days'),
  ('00000000-0000-4000-9000-000000000002', '00000000-0000-4000-c000-000000000001', 'robin@lmx.local', 'viewer',
   encode(sha256(convert_to('lmx-seed-invitation-2', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000001',
   now() - interval '2 days', now() - interval '9 days', 1, null, null, null, now() - interval '9 days'),
  ('00000000-0000-4000-9000-000000000003', '00000000-0000-4000-c000-000000000002', 'old-contractor@lmx.local', 'developer',
   encode(sha256(convert_to('lmx-seed-invitation-3', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000002',
   now() + interval '1 day', now() - interval '6 days', 1, null, null, now() - interval '5 days', now() - interval '6 days'),
  ('00000000-0000-4000-9000-000000000004', '00000000-0000-4000-c000-000000000002', 'jordan@lmx.local', 'viewer',
   encode(sha256(convert_to('lmx-seed-invitation-4', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000002',
   now() - interval '5 days', now() - interval '13 days', 1, now() - interval '12 days',
   '00000000-0000-4000-a000-000000000103', null, now() - interval '13 days');

-- The audit trail the projects page shows, as the functions would have written it. (The
-- membership rows above were logged by their trigger, without an actor: a seed has no JWT.)
insert into public.audit_log (actor_user_id, actor_device_id, action, target_type, target_id, project_id, details, created_at)
select a.actor, null, a.action, a.target_type, a.target_id, a.project_id, a.details, a.at
  from (values
    ('00000000-0000-4000-a000-000000000101'::uuid, 'invitation.created', 'invitation',
     '00000000-0000-4000-9000-000000000001'::uuid, '00000000-0000-4000-c000-000000000001'::uuid,
     '{"email": "casey@lmx.local", "role": "developer"}'::jsonb, now() - interval '3 days'),
    ('00000000-0000-4000-a000-000000000101'::uuid, 'invitation.resent', 'invitation',
     '00000000-0000-4000-9000-000000000001'::uuid, '00000000-0000-4000-c000-000000000001'::uuid,
     '{"email": "casey@lmx.local", "send_count": 2}'::jsonb, now() - interval '1 day'),
    ('00000000-0000-4000-a000-000000000002'::uuid, 'invitation.revoked', 'invitation',
     '00000000-0000-4000-9000-000000000003'::uuid, '00000000-0000-4000-c000-000000000002'::uuid,
     '{"email": "old-contractor@lmx.local"}'::jsonb, now() - interval '5 days'),
    ('00000000-0000-4000-a000-000000000103'::uuid, 'invitation.accepted', 'invitation',
     '00000000-0000-4000-9000-000000000004'::uuid, '00000000-0000-4000-c000-000000000002'::uuid,
     '{"email": "jordan@lmx.local", "role": "viewer"}'::jsonb, now() - interval '12 days'),
    ('00000000-0000-4000-a000-000000000001'::uuid, 'member.role_changed', 'project_membership',
     null::uuid, '00000000-0000-4000-c000-000000000001'::uuid,
     '{"user_id": "00000000-0000-4000-a000-000000000101", "from": "developer", "to": "admin"}'::jsonb,
     now() - interval '20 days')
  ) as a (actor, action, target_type, target_id, project_id, details, at);

insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details, created_at)
select r.requested_by,
       case when r.status = 'canceled' then 'run.canceled' else 'run.queued' end,
       'run', r.id, r.project_id,
       case when r.status = 'canceled' then '{"reason": "superseded by a newer commit"}'::jsonb
            else jsonb_build_object('workflow_id', r.workflow_id, 'workflow', r.workflow_name) end,
       case when r.status = 'canceled' then r.queued_at + (r.wait_s + 2) * interval '1 second' else r.queued_at end
  from seed_runs r
 order by r.i;

insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details, created_at)
select r.requested_by, 'run.rerun', 'run', r.id, r.project_id, jsonb_build_object('rerun_of', r.rerun_of), r.queued_at
  from ops.runs r
 where r.rerun_of is not null;
