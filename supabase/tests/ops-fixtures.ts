import { actorsOf } from "./rls-harness"

/**
 * Fixed actors and rows for the ops SQL tests: one project with a member of every role, a
 * stranger with a project of their own, and devices (live, revoked, a stranger's).
 */
export const USERS = {
  owner: "0a000000-0000-4000-8000-000000000001",
  admin: "0a000000-0000-4000-8000-000000000002",
  developer: "0a000000-0000-4000-8000-000000000003",
  viewer: "0a000000-0000-4000-8000-000000000004",
  stranger: "0a000000-0000-4000-8000-000000000005",
  newcomer: "0a000000-0000-4000-8000-000000000006",
} as const

export const DEVICES = {
  developer: "0d000000-0000-4000-8000-000000000003",
  admin: "0d000000-0000-4000-8000-000000000002",
  viewer: "0d000000-0000-4000-8000-000000000004",
  ownerRevoked: "0d000000-0000-4000-8000-000000000001",
  stranger: "0d000000-0000-4000-8000-000000000005",
} as const

export const ROWS = {
  project: "0b000000-0000-4000-8000-000000000001",
  strangerProject: "0b000000-0000-4000-8000-000000000002",
  workflow: "0c000000-0000-4000-8000-000000000001",
  unusedWorkflow: "0c000000-0000-4000-8000-000000000002",
  strangerWorkflow: "0c000000-0000-4000-8000-000000000003",
  run: "0e000000-0000-4000-8000-000000000001",
  artifact: "0f000000-0000-4000-8000-000000000001",
  invitation: "01000000-0000-4000-8000-000000000001",
  tool: "02000000-0000-4000-8000-000000000001",
  advisory: "03000000-0000-4000-8000-000000000001",
  catalogueTool: "02000000-0000-4000-8000-0000000000c1",
  catalogueAdvisory: "03000000-0000-4000-8000-0000000000c1",
  auditEntry: "04000000-0000-4000-8000-000000000001",
  viewerMembership: "05000000-0000-4000-8000-000000000004",
  developerMembership: "05000000-0000-4000-8000-000000000003",
} as const

export const emailOf = (user: keyof typeof USERS) => `${user}@ops.test`

export const FIXTURES_SQL = `
insert into auth.users (id, email, aud, role, email_confirmed_at, created_at, updated_at) values
  ${Object.entries(USERS)
    .map(
      ([name, id]) =>
        `('${id}', '${name}@ops.test', 'authenticated', 'authenticated', now(), now(), now())`
    )
    .join(",\n  ")};

insert into public.devices (id, user_id, name, role, paired_at, revoked_at) values
  ('${DEVICES.developer}', '${USERS.developer}', 'dev box', 'workstation', now() - interval '1 day', null),
  ('${DEVICES.admin}', '${USERS.admin}', 'admin box', 'llm_host', now() - interval '1 day', null),
  ('${DEVICES.viewer}', '${USERS.viewer}', 'viewer box', 'workstation', now() - interval '1 day', null),
  ('${DEVICES.ownerRevoked}', '${USERS.owner}', 'old laptop', 'workstation', now() - interval '2 days', now() - interval '1 day'),
  ('${DEVICES.stranger}', '${USERS.stranger}', 'stranger box', 'llm_host', now() - interval '1 day', null);

insert into ops.projects (id, name, created_by) values
  ('${ROWS.project}', 'Fixture project', null),
  ('${ROWS.strangerProject}', 'Stranger project', null);

insert into ops.project_memberships (id, project_id, user_id, role) values
  ('05000000-0000-4000-8000-000000000001', '${ROWS.project}', '${USERS.owner}', 'owner'),
  ('05000000-0000-4000-8000-000000000002', '${ROWS.project}', '${USERS.admin}', 'admin'),
  ('${ROWS.developerMembership}', '${ROWS.project}', '${USERS.developer}', 'developer'),
  ('${ROWS.viewerMembership}', '${ROWS.project}', '${USERS.viewer}', 'viewer'),
  ('05000000-0000-4000-8000-000000000005', '${ROWS.strangerProject}', '${USERS.stranger}', 'owner');

-- Every device runs jobs for each of its owner's projects (20261203010000_runs_worker.sql), so
-- the queue tests reach the role checks behind that choice; runs-worker.int.test.ts takes
-- rows away.
insert into public.device_run_projects (device_id, project_id, user_id)
select d.id, m.project_id, d.user_id
  from public.devices d
  join ops.project_memberships m on m.user_id = d.user_id;

insert into ops.workflows (id, project_id, name, kind, definition) values
  ('${ROWS.workflow}', '${ROWS.project}', 'build', 'build', '{"steps": [{"run": "npm ci"}]}'),
  ('${ROWS.unusedWorkflow}', '${ROWS.project}', 'unused', 'test', '{}'),
  ('${ROWS.strangerWorkflow}', '${ROWS.strangerProject}', 'deploy', 'deploy', '{}');

insert into ops.runs (id, project_id, workflow_id, status, requested_by, claimed_by, claimed_at,
  attempts, queued_at, started_at, finished_at, exit_code) values
  ('${ROWS.run}', '${ROWS.project}', '${ROWS.workflow}', 'succeeded', '${USERS.developer}',
   '${DEVICES.developer}', now() - interval '9 minutes', 1, now() - interval '10 minutes',
   now() - interval '9 minutes', now() - interval '8 minutes', 0);

insert into ops.run_events (run_id, project_id, kind, message) values
  ('${ROWS.run}', '${ROWS.project}', 'started', 'Started');

insert into ops.run_logs (run_id, project_id, line_no, stream, line) values
  ('${ROWS.run}', '${ROWS.project}', 1, 'stdout', 'fixture line');

insert into ops.run_artifacts (id, run_id, project_id, key, size_bytes, sha256) values
  ('${ROWS.artifact}', '${ROWS.run}', '${ROWS.project}', 'dist/app.tgz', 10, repeat('ab', 32));

insert into ops.invitations (id, project_id, email, role, token_hash, invited_by, expires_at) values
  ('${ROWS.invitation}', '${ROWS.project}', 'stranger@ops.test', 'viewer',
   encode(sha256(convert_to('fixture-token', 'UTF8')), 'hex'), '${USERS.owner}', now() + interval '7 days');

insert into ops.tools (id, project_id, name, kind, version) values
  ('${ROWS.tool}', '${ROWS.project}', 'node', 'runtime', '22.11.0');

insert into ops.upgrade_advisories (id, project_id, tool_id, component, current_version,
  recommended_version, severity, title) values
  ('${ROWS.advisory}', '${ROWS.project}', '${ROWS.tool}', 'node', '22.11.0', '22.12.0', 'high',
   'Node 22.12 fixes a security issue');

-- The catalogue (no project): LMX Console's own entries, for every signed-in person.
insert into ops.tools (id, project_id, name, kind, version) values
  ('${ROWS.catalogueTool}', null, 'Ollama', 'service', '0.5.4');
insert into ops.upgrade_advisories (id, project_id, component, current_version,
  recommended_version, severity, title) values
  ('${ROWS.catalogueAdvisory}', null, 'node', '22.11.0', '22.12.0', 'high',
   'Node.js 22.12.0 is a security release');

insert into public.audit_log (id, actor_user_id, action, target_type, target_id, project_id) values
  ('${ROWS.auditEntry}', '${USERS.owner}', 'run.queued', 'run', '${ROWS.run}', '${ROWS.project}');
`

/** The fixture users as API callers: userActor("owner"), deviceActor("developer", DEVICES.developer). */
export const { userActor, deviceActor, signedOutUser } = actorsOf(USERS, emailOf)
