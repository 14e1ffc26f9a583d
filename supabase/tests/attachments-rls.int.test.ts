import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./core-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix rows of chat attachments (…022000): message_attachments is read as its message
// is (the owner, their live devices, members of the session's project) and written by nobody
// directly; attach_message_file records a file for the device that synced the session only.
// The bytes' own matrix (chat-attachments on storage.objects) is storage-rls.int.test.ts.
const ACTORS = {
  anon: ANON,
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  ownerDevice: deviceActor("owner", DEVICES.owner),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
} satisfies Record<string, Actor>

const ATTACHMENT = "a7000000-0000-4000-8000-000000000001"
const SHA = "ab".repeat(32)
const PATH = `${USERS.owner}/${ROWS.session}/${SHA}/fixture.png`

// prettier-ignore
const MATRIX: MatrixRow<string>[] = [
  //                                                       anon  owner stranger viewer developer admin ownerDevice revoked strangerDevice
  ["public.message_attachments",   "select",               "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.message_attachments",   "insert",               "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.message_attachments",   "update",               "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.message_attachments",   "delete",               "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.attach_message_file",   "select:call",          "no", "no", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  // …030000: uploaded_at is read with the row, set only by the trigger on storage.objects.
  ["message_attachments.uploaded_at", "select",            "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["message_attachments.uploaded_at", "update",            "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
]

const STATEMENTS: Record<string, Record<string, string>> = {
  "public.message_attachments": {
    select: `select id from public.message_attachments where id = '${ATTACHMENT}'`,
    insert: `insert into public.message_attachments (message_id, session_id, user_id, object_path, name, mime_type, size_bytes, sha256)
             values ('${ROWS.message}', '${ROWS.session}', '${USERS.owner}', '${PATH}2', 'x.png', 'image/png', 1, '${SHA}') returning id`,
    update: `update public.message_attachments set name = 'renamed.png' where id = '${ATTACHMENT}' returning id`,
    delete: `delete from public.message_attachments where id = '${ATTACHMENT}' returning id`,
  },
  "message_attachments.uploaded_at": {
    select: `select uploaded_at from public.message_attachments where id = '${ATTACHMENT}'`,
    update: `update public.message_attachments set uploaded_at = now() where id = '${ATTACHMENT}' returning id`,
  },
  "public.attach_message_file": {
    "select:call": `select id from public.attach_message_file('fixture-chat', 'fixture-message', 'new.txt', 'text/plain', 5, '${"cd".repeat(32)}')`,
  },
}

describeRlsMatrix({
  title: "attachments RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(`
      update public.cloud_sessions set client_id = 'fixture-chat' where id = '${ROWS.session}';
      update public.cloud_messages set client_id = 'fixture-message' where id = '${ROWS.message}';
      insert into public.message_attachments (id, message_id, session_id, user_id, object_path, name, mime_type, size_bytes, sha256)
      values ('${ATTACHMENT}', '${ROWS.message}', '${ROWS.session}', '${USERS.owner}', '${PATH}', 'fixture.png', 'image/png', 68, '${SHA}');
    `)
  },
})
