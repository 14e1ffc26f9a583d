-- The demo worker's data, applied after seed.sql and seed_ops.sql: a "Live Demo" project of
-- the demo account with one harmless workflow whose log keeps growing, one queued run of it,
-- and Studio Mac (the demo LLM host) set to run jobs for that project only. `npm run dev`
-- starts a worker as Studio Mac (scripts/dev-demo-worker.ts), which claims the run, so the
-- demo has a running run streaming its log; the other seeded queued runs stay queued, since
-- Studio Mac does not run jobs for their projects.
--
--   project  "Live Demo"          00000000-0000-4000-c000-0000000000d1 (demo owner)
--   workflow "Tail the demo log"  00000000-0000-4000-c100-0000000000d1
--   run      queued               00000000-0000-4000-c200-0000000000d1

insert into ops.projects (id, name, slug, description, created_by, created_at, updated_at)
values ('00000000-0000-4000-c000-0000000000d1', 'Live Demo', 'live-demo',
        'What `npm run dev`''s demo worker runs: a harmless workflow whose log keeps growing.',
        '00000000-0000-4000-a000-000000000001', now() - interval '1 day', now() - interval '1 day');

-- create_project adds the owner membership; a direct insert (as a seed does) may not.
insert into ops.project_memberships (project_id, user_id, role, created_at)
values ('00000000-0000-4000-c000-0000000000d1', '00000000-0000-4000-a000-000000000001', 'owner',
        now() - interval '1 day')
on conflict (project_id, user_id) do nothing;

-- Only the device's own shell and Node (which `npm run dev` already needs); no network, no
-- files outside the run's folder. ANSI colours and step groups show off the log viewer.
insert into ops.workflows (id, project_id, name, kind, description, definition, max_attempts,
  created_by, created_at, updated_at)
values ('00000000-0000-4000-c100-0000000000d1', '00000000-0000-4000-c000-0000000000d1',
  'Tail the demo log', 'custom',
  'Prints a few coloured lines a second for a day; the demo worker on Studio Mac runs it.',
  jsonb_build_object(
    'version', 1,
    'inputs', jsonb_build_object(
      'lines_per_second', jsonb_build_object('type', 'number', 'default', 2,
        'description', 'How fast the log grows')),
    'steps', jsonb_build_array(
      jsonb_build_object('name', 'Look around', 'timeout_seconds', 60,
        'run', 'echo "::group::Where this runs"; uname -sm; node --version; pwd; echo "::endgroup::"; echo "Ready."'),
      jsonb_build_object('name', 'Stream the log', 'timeout_seconds', 86400,
        'run', 'node -e "let i=0;const every=1000/Math.max(0.1,Number(process.env.INPUT_LINES_PER_SECOND)||2);setInterval(()=>{i++;if(i%50===1)console.log(''::group::Batch ''+(1+Math.floor(i/50)));console.log(''\x1b[36m''+new Date().toISOString()+''\x1b[0m line ''+i+(i%7===0?'' \x1b[33mwarn: a slow moment\x1b[0m'':'' \x1b[32mok\x1b[0m''));if(i%50===0)console.log(''::endgroup::'')},every)"')
    )
  ),
  20, '00000000-0000-4000-a000-000000000001', now() - interval '1 day', now() - interval '1 day');

insert into ops.runs (id, project_id, workflow_id, params, priority, requested_by, max_attempts,
  queued_at, created_at)
values ('00000000-0000-4000-c200-0000000000d1', '00000000-0000-4000-c000-0000000000d1',
  '00000000-0000-4000-c100-0000000000d1', '{}', 0, '00000000-0000-4000-a000-000000000001', 20,
  now() - interval '5 minutes', now() - interval '5 minutes');

insert into ops.run_events (run_id, project_id, kind, message, actor_user_id, created_at)
values ('00000000-0000-4000-c200-0000000000d1', '00000000-0000-4000-c000-0000000000d1', 'queued',
  'Queued', '00000000-0000-4000-a000-000000000001', now() - interval '5 minutes');

insert into public.device_run_projects (device_id, project_id, user_id, created_at)
values ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-c000-0000000000d1',
  '00000000-0000-4000-a000-000000000001', now() - interval '1 day');
