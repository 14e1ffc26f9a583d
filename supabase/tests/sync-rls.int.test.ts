import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor } from "./core-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix rows of what the sync path added: the client_id columns of cloud_sessions
// and cloud_messages (written like any synced field: by the owner and the syncing device) and
// the device_sync_summaries view (the owner's own devices only; project members, who see the
// session, do not get the owner's device figures). Same fixtures and actors as the core matrix.
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

// prettier-ignore
const MATRIX: MatrixRow<string>[] = [
  //                                                       anon  owner stranger viewer developer admin ownerDevice revoked strangerDevice
  ["public.cloud_sessions",        "select:client_id",     "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.cloud_sessions",        "update:client_id",     "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.cloud_messages",        "select:client_id",     "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.cloud_messages",        "update:client_id",     "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.device_sync_summaries", "select",               "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
]

const STATEMENTS: Record<string, Record<string, string>> = {
  "public.cloud_sessions": {
    "select:client_id": `select id from public.cloud_sessions where client_id = 'fixture-chat'`,
    "update:client_id": `update public.cloud_sessions set client_id = 'renamed-chat' where id = '${ROWS.session}'`,
  },
  "public.cloud_messages": {
    "select:client_id": `select id from public.cloud_messages where client_id = 'fixture-message'`,
    "update:client_id": `update public.cloud_messages set client_id = 'renamed-message' where id = '${ROWS.message}'`,
  },
  "public.device_sync_summaries": {
    select: `select device_id from public.device_sync_summaries where device_id = '${DEVICES.owner}' and session_count = 1`,
  },
}

describeRlsMatrix({
  title: "sync RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(`
      update public.cloud_sessions set client_id = 'fixture-chat' where id = '${ROWS.session}';
      update public.cloud_messages set client_id = 'fixture-message' where id = '${ROWS.message}';
    `)
  },
})
