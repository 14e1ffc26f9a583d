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

// The RLS matrix for the project's buckets (supabase/migrations/*_storage_buckets.sql,
// docs/storage.md): storage.objects rows in chat-attachments (<user>/<session>/…) and
// run-artifacts (<project>/<run>/…), for every actor of the ops fixtures. Storage runs each
// request as its caller exactly as these statements run, so this is what the API allows.
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
  adminDevice: deviceActor("admin", DEVICES.admin),
  signedOut: signedOutUser("owner"),
} satisfies Record<string, Actor>

type Operation = "select" | "insert" | "update" | "delete"

const SESSION = "5e000000-0000-4000-8000-000000000001"
const PRIVATE_SESSION = "5e000000-0000-4000-8000-000000000002"
const RUNNING_RUN = "0e000000-0000-4000-8000-000000000002"
const P = ROWS.project
const DEV = USERS.developer

const ATTACHMENT = `${DEV}/${SESSION}/notes.txt`
const PRIVATE_ATTACHMENT = `${DEV}/${PRIVATE_SESSION}/diary.txt`
const ARTIFACT = `${P}/${RUNNING_RUN}/build.log`
// Filed under the project but under no run of it.
const STRAY_ARTIFACT = `${P}/0e000000-0000-4000-8000-0000000000ff/stray.log`

const object = (bucket: string, name: string, id: string) =>
  `('${id}', '${bucket}', '${name}', '{"size": 4, "mimetype": "text/plain"}')`

const STORAGE_FIXTURES_SQL = `
${FIXTURES_SQL}
-- A run the developer's device holds now (lease in the future).
insert into ops.runs (id, project_id, workflow_id, status, requested_by, claimed_by, claimed_at,
  attempts, queued_at, started_at, lease_expires_at) values
  ('${RUNNING_RUN}', '${P}', '${ROWS.workflow}', 'running', '${USERS.developer}',
   '${DEVICES.developer}', now() - interval '1 minute', 1, now() - interval '2 minutes',
   now() - interval '1 minute', now() + interval '1 hour');

insert into public.cloud_sessions (id, user_id, project_id, title) values
  ('${SESSION}', '${DEV}', '${P}', 'Shared with the project'),
  ('${PRIVATE_SESSION}', '${DEV}', null, 'Not in a project');

insert into storage.objects (id, bucket_id, name, metadata) values
  ${object("chat-attachments", ATTACHMENT, "0f100000-0000-4000-8000-000000000001")},
  ${object("chat-attachments", PRIVATE_ATTACHMENT, "0f100000-0000-4000-8000-000000000002")},
  ${object("run-artifacts", ARTIFACT, "0f100000-0000-4000-8000-000000000003")},
  ${object("run-artifacts", `${P}/${ROWS.run}/old.log`, "0f100000-0000-4000-8000-000000000004")},
  ${object("run-artifacts", STRAY_ARTIFACT, "0f100000-0000-4000-8000-000000000005")};
`

// prettier-ignore
const MATRIX: MatrixRow<Operation>[] = [
  //                                          anon  viewer developer admin owner stranger devDevice revoked strangerDevice adminDevice signedOut
  ["chat-attachments (project session)", "select", "no", "ok", "ok",   "ok", "ok", "no",  "ok",     "no",   "no",          "ok",       "no"],
  ["chat-attachments (project session)", "insert", "no", "no", "ok",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["chat-attachments (project session)", "update", "no", "no", "ok",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["chat-attachments (project session)", "delete", "no", "no", "ok",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["chat-attachments (private session)", "select", "no", "no", "ok",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["chat-attachments (not a session)",   "insert", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
  ["run-artifacts (held run)",           "select", "no", "ok", "ok",   "ok", "ok", "no",  "ok",     "no",   "no",          "ok",       "no"],
  ["run-artifacts (held run)",           "insert", "no", "no", "no",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["run-artifacts (held run)",           "update", "no", "no", "no",   "no", "no", "no",  "ok",     "no",   "no",          "no",       "no"],
  ["run-artifacts (held run)",           "delete", "no", "no", "no",   "ok", "ok", "no",  "no",     "no",   "no",          "no",       "no"],
  ["run-artifacts (finished run)",       "select", "no", "ok", "ok",   "ok", "ok", "no",  "ok",     "no",   "no",          "ok",       "no"],
  ["run-artifacts (not a run)",          "select", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
  ["run-artifacts (finished run)",       "insert", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
  ["run-artifacts (finished run)",       "update", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
  ["storage.buckets",                    "insert", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
  ["storage.buckets",                    "update", "no", "no", "no",   "no", "no", "no",  "no",     "no",   "no",          "no",       "no"],
]

const STATEMENTS: Record<string, Partial<Record<Operation, string>>> = {
  "chat-attachments (project session)": {
    select: `select id from storage.objects where bucket_id = 'chat-attachments' and name = '${ATTACHMENT}'`,
    insert: `insert into storage.objects (bucket_id, name) values ('chat-attachments', '${DEV}/${SESSION}/new.png')`,
    update: `update storage.objects set metadata = '{"size": 5}' where bucket_id = 'chat-attachments' and name = '${ATTACHMENT}'`,
    delete: `delete from storage.objects where bucket_id = 'chat-attachments' and name = '${ATTACHMENT}'`,
  },
  "chat-attachments (private session)": {
    select: `select id from storage.objects where bucket_id = 'chat-attachments' and name = '${PRIVATE_ATTACHMENT}'`,
  },
  // The second folder must be a session id: nothing is filed outside a session.
  "chat-attachments (not a session)": {
    insert: `insert into storage.objects (bucket_id, name) values ('chat-attachments', '${DEV}/loose.txt')`,
  },
  "run-artifacts (held run)": {
    select: `select id from storage.objects where bucket_id = 'run-artifacts' and name = '${ARTIFACT}'`,
    insert: `insert into storage.objects (bucket_id, name) values ('run-artifacts', '${P}/${RUNNING_RUN}/dist.tgz')`,
    update: `update storage.objects set metadata = '{"size": 5}' where bucket_id = 'run-artifacts' and name = '${ARTIFACT}'`,
    delete: `delete from storage.objects where bucket_id = 'run-artifacts' and name = '${ARTIFACT}'`,
  },
  // The finished run's lease is gone: not even the device that ran it adds to it.
  "run-artifacts (finished run)": {
    select: `select id from storage.objects where bucket_id = 'run-artifacts' and name = '${P}/${ROWS.run}/old.log'`,
    insert: `insert into storage.objects (bucket_id, name) values ('run-artifacts', '${P}/${ROWS.run}/late.log')`,
    update: `update storage.objects set metadata = '{"size": 5}' where bucket_id = 'run-artifacts' and name = '${P}/${ROWS.run}/old.log'`,
  },
  // Only whoever sees the run reads its files: a path naming no run of the project is unread.
  "run-artifacts (not a run)": {
    select: `select id from storage.objects where bucket_id = 'run-artifacts' and name = '${STRAY_ARTIFACT}'`,
  },
  // Buckets are the platform's: only migrations and the service role manage them (and no
  // policy shows them to users: the console never lists buckets).
  "storage.buckets": {
    insert: `insert into storage.buckets (id, name) values ('mine', 'mine')`,
    update: `update storage.buckets set public = true where id = 'chat-attachments'`,
  },
}

describeRlsMatrix({
  title: "storage RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: (db) => db.exec(STORAGE_FIXTURES_SQL),
})
