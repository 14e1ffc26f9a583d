-- Development data for the projects pages, applied after seed_ops.sql: a third project the
-- demo account is invited to (so /projects shows an invitation to accept or decline), an
-- invitation whose email failed, and workflows in the versioned definition format
-- (docs/workflows.md) using both built-in actions. Ids are fixed.
--
-- Projects
--   "Model Lab" 00000000-0000-4000-c000-000000000003: priya owner, alex developer, jordan
--               viewer; demo@lmx.local invited as developer (pending)

insert into ops.projects (id, name, slug, description, created_by, created_at, updated_at)
values
  ('00000000-0000-4000-c000-000000000003', 'Model Lab', 'model-lab',
   'Evaluations of new quantisations before they reach the Studio.',
   '00000000-0000-4000-a000-000000000101', now() - interval '10 days', now() - interval '1 day');

-- Priya's owner membership comes from the projects_add_creator trigger.
insert into ops.project_memberships (project_id, user_id, role, created_at)
values
  ('00000000-0000-4000-c000-000000000003', '00000000-0000-4000-a000-000000000102', 'developer', now() - interval '9 days'),
  ('00000000-0000-4000-c000-000000000003', '00000000-0000-4000-a000-000000000103', 'viewer', now() - interval '8 days');

insert into ops.invitations (
  id, project_id, email, role, token_hash, invited_by, expires_at, last_sent_at, send_count,
  email_failed_at, email_error, created_at
)
values
  ('00000000-0000-4000-9000-000000000011', '00000000-0000-4000-c000-000000000003', 'demo@lmx.local', 'developer',
   encode(sha256(convert_to('lmx-seed-invitation-11', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000101',
   now() + interval '6 days', now() - interval '1 day', 1, null, null, now() - interval '1 day'),
  ('00000000-0000-4000-9000-000000000012', '00000000-0000-4000-c000-000000000002', 'taylor@lmx.local', 'viewer',
   encode(sha256(convert_to('lmx-seed-invitation-12', 'UTF8')), 'hex'), '00000000-0000-4000-a000-000000000001',
   now() + interval '7 days' - interval '2 hours', now() - interval '2 hours', 1,
   now() - interval '2 hours', 'Email rate limit exceeded: try again in a minute', now() - interval '2 hours');

insert into ops.workflows (id, project_id, name, kind, description, definition, created_by, created_at, updated_at)
values
  ('00000000-0000-4000-d000-000000000011', '00000000-0000-4000-c000-000000000001', 'package-release', 'custom',
   'Build the release bundle and keep it as an artifact.',
   '{"version": 1,
     "inputs": {"ref": {"type": "string", "default": "main", "description": "Git ref to build"},
                "skip_tests": {"type": "boolean", "default": false}},
     "steps": [{"name": "Install", "run": "npm ci", "timeout_seconds": 600},
               {"name": "Test", "run": "npm test", "continue_on_error": false, "env": {"CI": "1"}},
               {"name": "Bundle", "run": "tar czf dist/server.tgz build", "working_directory": "."},
               {"name": "Keep bundle", "uses": "upload-artifact", "with": {"path": "dist/*.tgz"}}]}',
   '00000000-0000-4000-a000-000000000001', now() - interval '6 days', now() - interval '6 days'),
  ('00000000-0000-4000-d000-000000000012', '00000000-0000-4000-c000-000000000002', 'backup-docs-db', 'backup',
   'Dump the documentation database and keep the dump for 30 days.',
   '{"version": 1,
     "steps": [{"name": "Dump", "uses": "backup-postgres", "with": {"database": "docs", "format": "custom"}},
               {"name": "Keep dump", "uses": "upload-artifact", "with": {"path": "backups/*.dump"}}]}',
   '00000000-0000-4000-a000-000000000002', now() - interval '4 days', now() - interval '4 days'),
  ('00000000-0000-4000-d000-000000000013', '00000000-0000-4000-c000-000000000003', 'eval-quants', 'test',
   'Score new quantisations on the evaluation set.',
   '{"version": 1,
     "inputs": {"model": {"type": "string", "description": "Model id in LM Studio"},
                "samples": {"type": "number", "default": 200}},
     "steps": [{"name": "Evaluate", "run": "lmx eval --samples 200", "timeout_seconds": 3600}]}',
   '00000000-0000-4000-a000-000000000101', now() - interval '9 days', now() - interval '9 days');

insert into ops.workflows (id, project_id, name, kind, description, definition, archived_at, created_by, created_at, updated_at)
values
  ('00000000-0000-4000-d000-000000000014', '00000000-0000-4000-c000-000000000001', 'legacy-deploy', 'deploy',
   'The old deploy script, kept for its run history.',
   '{"version": 1, "steps": [{"name": "Deploy", "run": "./deploy.sh"}]}',
   now() - interval '10 days', '00000000-0000-4000-a000-000000000001', now() - interval '40 days', now() - interval '10 days');

insert into public.audit_log (actor_user_id, action, target_type, target_id, project_id, details, created_at)
values
  ('00000000-0000-4000-a000-000000000101', 'project.created', 'project', '00000000-0000-4000-c000-000000000003',
   '00000000-0000-4000-c000-000000000003', '{"name": "Model Lab", "slug": "model-lab"}', now() - interval '10 days'),
  ('00000000-0000-4000-a000-000000000101', 'invitation.created', 'invitation', '00000000-0000-4000-9000-000000000011',
   '00000000-0000-4000-c000-000000000003', '{"email": "demo@lmx.local", "role": "developer"}', now() - interval '1 day'),
  ('00000000-0000-4000-a000-000000000001', 'invitation.created', 'invitation', '00000000-0000-4000-9000-000000000012',
   '00000000-0000-4000-c000-000000000002', '{"email": "taylor@lmx.local", "role": "viewer"}', now() - interval '2 hours'),
  ('00000000-0000-4000-a000-000000000001', 'invitation.email_failed', 'invitation', '00000000-0000-4000-9000-000000000012',
   '00000000-0000-4000-c000-000000000002', '{"email": "taylor@lmx.local", "error": "Email rate limit exceeded"}', now() - interval '2 hours'),
  ('00000000-0000-4000-a000-000000000001', 'workflow.archived', 'workflow', '00000000-0000-4000-d000-000000000014',
   '00000000-0000-4000-c000-000000000001', '{"name": "legacy-deploy"}', now() - interval '10 days');
