import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  signedOutUser,
  userActor,
  USERS,
} from "./ops-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix for the ops tables (and the project side of audit_log): every table and
// operation, for every actor. "ok" = the statement succeeds on the fixture row (select sees
// it, insert succeeds, update/delete touch exactly one row); "no" = the actor sees nothing,
// touches nothing, or the statement fails.
const ACTORS = {
  anon: ANON,
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  devDevice: deviceActor("developer", DEVICES.developer),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
  // The owner's access token after "sign out everywhere": still signed, its session gone.
  signedOut: signedOutUser("owner"),
} satisfies Record<string, Actor>

type Operation = "select" | "insert" | "update" | "delete"

// prettier-ignore
const MATRIX: MatrixRow<Operation>[] = [
  //                                     anon  viewer developer admin owner stranger devDevice revoked strangerDevice signedOut
  ["ops.projects",            "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.projects",            "insert", "no", "ok",  "ok",     "ok", "ok", "ok",    "no",     "no",   "no", "no"],
  ["ops.projects",            "update", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.projects",            "delete", "no", "no",  "no",     "no", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.project_memberships", "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.project_memberships", "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.project_memberships", "update", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.project_memberships", "delete", "no", "ok",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.invitations",         "select", "no", "no",  "no",     "ok", "ok", "ok",    "no",     "no",   "no", "no"],
  ["ops.invitations",         "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.invitations",         "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.invitations",         "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.workflows",           "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.workflows",           "insert", "no", "no",  "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.workflows",           "update", "no", "no",  "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.workflows",           "delete", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.runs",                "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.runs",                "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.runs",                "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.runs",                "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_events",          "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.run_events",          "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_events",          "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_events",          "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_logs",            "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.run_logs",            "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_logs",            "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_logs",            "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_artifacts",       "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.run_artifacts",       "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_artifacts",       "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["ops.run_artifacts",       "delete", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.tools",               "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.tools",               "insert", "no", "no",  "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.tools",               "update", "no", "no",  "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.tools",               "delete", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.upgrade_advisories",  "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.upgrade_advisories",  "insert", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.upgrade_advisories",  "update", "no", "no",  "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.upgrade_advisories",  "delete", "no", "no",  "no",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  // The catalogue (rows without a project): read by every signed-in person, written by none.
  ["catalogue tools",         "select", "no", "ok",  "ok",     "ok", "ok", "ok",    "no",     "no",   "no", "no"],
  ["catalogue tools",         "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["catalogue tools",         "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["catalogue tools",         "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["catalogue advisories",    "select", "no", "ok",  "ok",     "ok", "ok", "ok",    "no",     "no",   "no", "no"],
  ["catalogue advisories",    "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["catalogue advisories",    "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["catalogue advisories",    "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  // Members see the catalogue advisory that concerns their project's node 22.11.0.
  ["ops.project_catalogue_advisories", "select", "no", "ok", "ok", "ok", "ok", "no", "no",    "no",   "no", "no"],
  ["ops.run_summary",         "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.project_summaries",   "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.list_project_members", "select", "no", "ok", "ok",     "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.get_invitation",      "select", "no", "ok",  "ok",     "ok", "ok", "ok",    "ok",     "ok",   "ok", "ok"],
  ["ops.my_invitations",      "select", "no", "no",  "no",     "no", "no", "ok",    "no",     "no",   "no", "no"],
  ["ops.accept_invitation_by_id", "select", "no", "no", "no",  "no", "no", "ok",    "no",     "no",   "no", "no"],
  ["ops.decline_invitation",  "select", "no", "no",  "no",     "no", "no", "ok",    "no",     "no",   "no", "no"],
  ["ops.record_invitation_email", "select", "no", "no", "no",  "ok", "ok", "no",    "no",     "no",   "no", "no"],
  ["ops.transfer_ownership",  "select", "no", "no",  "no",     "no", "ok", "no",    "no",     "no",   "no", "no"],
  ["public.audit_log",        "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["public.audit_log",        "insert", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.audit_log",        "update", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.audit_log",        "delete", "no", "no",  "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
]

const P = ROWS.project
const RUN = ROWS.run

// The statement each cell runs: aimed at one fixture row, with values an allowed actor may write.
const STATEMENTS: Record<string, Partial<Record<Operation, string>>> = {
  "ops.projects": {
    select: `select id from ops.projects where id = '${P}'`,
    insert: `insert into ops.projects (name, created_by) values ('New project', auth.uid())`,
    update: `update ops.projects set description = 'changed' where id = '${P}'`,
    delete: `delete from ops.projects where id = '${P}'`,
  },
  "ops.project_memberships": {
    select: `select id from ops.project_memberships where id = '${ROWS.viewerMembership}'`,
    // Membership comes only from create_project and accept_invitation (the member's consent):
    // not even an owner may add a user id directly.
    insert: `insert into ops.project_memberships (project_id, user_id, role) values ('${P}', '${USERS.newcomer}', 'viewer')`,
    update: `update ops.project_memberships set role = 'viewer' where id = '${ROWS.developerMembership}'`,
    delete: `delete from ops.project_memberships where id = '${ROWS.viewerMembership}'`,
  },
  "ops.invitations": {
    select: `select id from ops.invitations where id = '${ROWS.invitation}'`,
    insert: `insert into ops.invitations (project_id, email, role, token_hash, expires_at) values ('${P}', 'new@ops.test', 'viewer', repeat('c', 64), now() + interval '1 day')`,
    update: `update ops.invitations set role = 'admin' where id = '${ROWS.invitation}'`,
    delete: `delete from ops.invitations where id = '${ROWS.invitation}'`,
  },
  "ops.workflows": {
    select: `select id from ops.workflows where id = '${ROWS.workflow}'`,
    insert: `insert into ops.workflows (project_id, name, kind, created_by) values ('${P}', 'lint', 'test', auth.uid())`,
    update: `update ops.workflows set description = 'changed' where id = '${ROWS.workflow}'`,
    delete: `delete from ops.workflows where id = '${ROWS.unusedWorkflow}'`,
  },
  "ops.runs": {
    select: `select id from ops.runs where id = '${RUN}'`,
    insert: `insert into ops.runs (project_id, workflow_id, requested_by) values ('${P}', '${ROWS.workflow}', auth.uid())`,
    update: `update ops.runs set priority = 5 where id = '${RUN}'`,
    delete: `delete from ops.runs where id = '${RUN}'`,
  },
  "ops.run_events": {
    select: `select id from ops.run_events where run_id = '${RUN}'`,
    insert: `insert into ops.run_events (run_id, project_id, kind) values ('${RUN}', '${P}', 'note')`,
    update: `update ops.run_events set message = 'changed' where run_id = '${RUN}'`,
    delete: `delete from ops.run_events where run_id = '${RUN}'`,
  },
  "ops.run_logs": {
    select: `select id from ops.run_logs where run_id = '${RUN}'`,
    insert: `insert into ops.run_logs (run_id, project_id, line_no, line) values ('${RUN}', '${P}', 2, 'forged')`,
    update: `update ops.run_logs set line = 'changed' where run_id = '${RUN}'`,
    delete: `delete from ops.run_logs where run_id = '${RUN}'`,
  },
  "ops.run_artifacts": {
    select: `select id from ops.run_artifacts where id = '${ROWS.artifact}'`,
    insert: `insert into ops.run_artifacts (run_id, project_id, key, size_bytes, sha256) values ('${RUN}', '${P}', 'forged.bin', 1, repeat('cd', 32))`,
    update: `update ops.run_artifacts set size_bytes = 11 where id = '${ROWS.artifact}'`,
    delete: `delete from ops.run_artifacts where id = '${ROWS.artifact}'`,
  },
  "ops.tools": {
    select: `select id from ops.tools where id = '${ROWS.tool}'`,
    insert: `insert into ops.tools (project_id, name, created_by) values ('${P}', 'docker', auth.uid())`,
    update: `update ops.tools set version = '22.12.0' where id = '${ROWS.tool}'`,
    delete: `delete from ops.tools where id = '${ROWS.tool}'`,
  },
  "catalogue tools": {
    select: `select id from ops.tools where id = '${ROWS.catalogueTool}'`,
    insert: `insert into ops.tools (project_id, name, created_by) values (null, 'vLLM', auth.uid())`,
    update: `update ops.tools set version = '0.5.7' where id = '${ROWS.catalogueTool}'`,
    delete: `delete from ops.tools where id = '${ROWS.catalogueTool}'`,
  },
  "catalogue advisories": {
    select: `select id from ops.upgrade_advisories where id = '${ROWS.catalogueAdvisory}'`,
    insert: `insert into ops.upgrade_advisories (project_id, component, recommended_version, severity, title) values (null, 'ollama', '0.5.7', 'low', 'Ollama 0.5.7')`,
    update: `update ops.upgrade_advisories set title = 'changed' where id = '${ROWS.catalogueAdvisory}'`,
    delete: `delete from ops.upgrade_advisories where id = '${ROWS.catalogueAdvisory}'`,
  },
  "ops.project_catalogue_advisories": {
    select: `select advisory_id from ops.project_catalogue_advisories('${P}') where advisory_id = '${ROWS.catalogueAdvisory}'`,
  },
  "ops.upgrade_advisories": {
    select: `select id from ops.upgrade_advisories where id = '${ROWS.advisory}'`,
    insert: `insert into ops.upgrade_advisories (project_id, component, recommended_version, severity, title) values ('${P}', 'postgres', '15.10', 'medium', 'Postgres 15.10')`,
    update: `update ops.upgrade_advisories set dismissed_at = now(), dismissed_by = auth.uid() where id = '${ROWS.advisory}'`,
    delete: `delete from ops.upgrade_advisories where id = '${ROWS.advisory}'`,
  },
  "ops.project_summaries": {
    select: `select id from ops.project_summaries where id = '${P}'`,
  },
  "ops.list_project_members": {
    select: `select user_id from ops.list_project_members('${P}') where user_id = '${USERS.viewer}'`,
  },
  // Holding the token is the right to preview it, signed in or not (a device too).
  // Only the addressee (the fixture invitation is to stranger@ops.test) sees it in their list.
  "ops.my_invitations": {
    select: `select invitation_id from ops.my_invitations() where invitation_id = '${ROWS.invitation}'`,
  },
  // The fixture invitation is addressed to the stranger, who alone may accept or decline it.
  "ops.accept_invitation_by_id": {
    select: `select ops.accept_invitation_by_id('${ROWS.invitation}')`,
  },
  "ops.decline_invitation": {
    select: `select ops.decline_invitation('${ROWS.invitation}')`,
  },
  "ops.record_invitation_email": {
    select: `select ops.record_invitation_email('${ROWS.invitation}', 'rate limited')`,
  },
  "ops.transfer_ownership": {
    select: `select ops.transfer_ownership('${P}', '${USERS.developer}')`,
  },
  "ops.get_invitation": {
    select: `select invitation_id from ops.get_invitation('fixture-token')`,
  },
  "ops.run_summary": {
    select: `select project_id from ops.run_summary where project_id = '${P}' and workflow_id = '${ROWS.workflow}'`,
  },
  "public.audit_log": {
    select: `select id from public.audit_log where id = '${ROWS.auditEntry}'`,
    insert: `insert into public.audit_log (actor_user_id, action, target_type, project_id) values (auth.uid(), 'run.queued', 'run', '${P}')`,
    update: `update public.audit_log set details = '{"x": 1}' where id = '${ROWS.auditEntry}'`,
    delete: `delete from public.audit_log where id = '${ROWS.auditEntry}'`,
  },
}

describeRlsMatrix({
  title: "ops RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: (db) => db.exec(FIXTURES_SQL),
})
