import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./core-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix for the sessions page's writes, list and search (migrations 20261203000200 and
// 20261203000210): only the
// owner pins, archives, deletes, restores and moves a session; a project member (viewer,
// developer, admin) reads the project's session but changes nothing; the owner's device may
// tombstone, restore and move the sessions it synced (sync does) but never pin or archive; a
// session deleted more than 30 days ago cannot be restored by anyone through the API.
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

const DELETED = "1c000000-0000-4000-8000-0000000000d1"
const EXPIRED = "1c000000-0000-4000-8000-0000000000d2"

// prettier-ignore
const MATRIX: MatrixRow<string>[] = [
  //                                                  anon  owner stranger viewer developer admin ownerDevice revoked strangerDevice
  ["public.cloud_sessions", "update:pin",              "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.cloud_sessions", "update:unpin",            "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.cloud_sessions", "update:archive",          "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.cloud_sessions", "update:delete",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.cloud_sessions", "update:restore",          "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.cloud_sessions", "update:restore-expired",  "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.cloud_sessions", "update:move",             "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.list_sessions",  "select",                  "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.list_sessions",  "select:archived",         "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.search_messages", "select",                 "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
]

const S = ROWS.session

const STATEMENTS: Record<string, Record<string, string>> = {
  "public.cloud_sessions": {
    "update:pin": `update public.cloud_sessions set pinned_at = now() where id = '${S}'`,
    "update:unpin": `update public.cloud_sessions set pinned_at = null where id = '${DELETED}'`,
    "update:archive": `update public.cloud_sessions set archived_at = now() where id = '${S}'`,
    "update:delete": `update public.cloud_sessions set deleted_at = now() where id = '${S}'`,
    "update:restore": `update public.cloud_sessions set deleted_at = null where id = '${DELETED}'`,
    "update:restore-expired": `update public.cloud_sessions set deleted_at = null where id = '${EXPIRED}'`,
    "update:move": `update public.cloud_sessions set project_id = null where id = '${S}'`,
  },
  // Redefined in 20261203000210 to match in a security definer helper: it must still find
  // exactly what the select policies let each actor see.
  "public.search_messages": {
    select: `select message_id from public.search_messages('fixture answers') where message_id = '${ROWS.message}'`,
  },
  "public.list_sessions": {
    select: `select id from public.list_sessions() where id = '${S}'`,
    "select:archived": `select id from public.list_sessions(show_archived => true) where id = '${EXPIRED}' or id = '${DELETED}' or archived_at is not null`,
  },
}

describeRlsMatrix({
  title: "sessions list RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    // A pinned session deleted yesterday (restorable) and one deleted 40 days ago (not), both
    // synced by the owner's device; and an archived live session in the project.
    await db.exec(`
      insert into public.cloud_sessions (id, user_id, device_id, title, pinned_at, deleted_at) values
        ('${DELETED}', '${USERS.owner}', '${DEVICES.owner}', 'Deleted yesterday', now(), now() - interval '1 day'),
        ('${EXPIRED}', '${USERS.owner}', '${DEVICES.owner}', 'Deleted long ago', null, now() - interval '40 days');
      insert into public.cloud_sessions (user_id, device_id, project_id, title, archived_at) values
        ('${USERS.owner}', '${DEVICES.owner}', '${ROWS.project}', 'Archived', now());
    `)
  },
})
