import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  signedOutUser,
  userActor,
  USERS,
} from "./core-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix for the core tables and views: profiles, devices, audit_log, chat sync,
// prices and usage. "ok" = the statement succeeds on the fixture row (a select sees exactly
// it, a write touches exactly one row); "no" = the actor sees nothing, touches nothing, or the
// statement fails. The owner's fixture session lives in a project where viewer, developer and
// admin are members (the owner is its owner), so they also see the owner's profile.
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
  // The owner's access token after "sign out everywhere": still signed, its session gone.
  signedOut: signedOutUser("owner"),
} satisfies Record<string, Actor>

// prettier-ignore
const MATRIX: MatrixRow<string>[] = [
  //                                           anon  owner stranger viewer developer admin ownerDevice revoked strangerDevice signedOut
  ["public.profiles",       "select",           "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.profiles",       "insert",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.profiles",       "update",           "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.profiles",       "delete",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "select",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.devices",        "insert",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "update:rename",    "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "update:revoke",    "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "update:relay",     "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "update:heartbeat", "no", "no", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.devices",        "update:sibling",   "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.devices",        "delete",           "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.audit_log",      "select",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.audit_log",      "insert",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.audit_log",      "update",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.audit_log",      "delete",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_sessions", "select",           "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.cloud_sessions", "insert",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.cloud_sessions", "update",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.cloud_sessions", "update:own-device", "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_sessions", "update:foreign-device", "no", "no", "no", "no", "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_sessions", "delete",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_messages", "select",           "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.cloud_messages", "select:search",    "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.cloud_messages", "insert",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.cloud_messages", "update",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.cloud_messages", "update:own-device", "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_messages", "update:foreign-device", "no", "no", "no", "no", "no",     "no", "no",       "no",   "no", "no"],
  ["public.cloud_messages", "delete",           "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.model_prices",   "select:global",    "no", "ok", "ok",    "ok",  "ok",     "ok", "ok",       "no",   "ok", "no"],
  ["public.model_prices",   "select:override",  "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.model_prices",   "insert",           "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.model_prices",   "update:global",    "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.model_prices",   "update:override",  "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.model_prices",   "delete:global",    "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.model_prices",   "delete:override",  "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no", "no"],
  ["public.usage_daily",    "select",           "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.usage_by_day",   "select",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.usage_by_model", "select",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.usage_by_device", "select",          "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.usage_by_project", "select",         "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.session_summary", "select",          "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no", "no"],
  ["public.recent_activity", "select",          "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
  ["public.user_analytics", "select",           "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no", "no"],
]

const O = USERS.owner
const CLAIMED_DEVICE = "nullif(auth.jwt() ->> 'device_id', '')::uuid"

// The statement each cell runs: aimed at one fixture row, with values an allowed actor may write.
const STATEMENTS: Record<string, Record<string, string>> = {
  "public.profiles": {
    select: `select id from public.profiles where id = '${O}'`,
    insert: `insert into public.profiles (id, display_name) values ('${USERS.orphan}', 'forged')`,
    update: `update public.profiles set display_name = 'changed' where id = '${O}'`,
    delete: `delete from public.profiles where id = '${O}'`,
  },
  "public.devices": {
    select: `select id from public.devices where id = '${DEVICES.owner}'`,
    insert: `insert into public.devices (user_id, name) values ('${O}', 'forged')`,
    "update:rename": `update public.devices set name = 'renamed' where id = '${DEVICES.owner}'`,
    "update:revoke": `update public.devices set revoked_at = now() where id = '${DEVICES.owner}'`,
    // "Relay chats from the console": the device reads it (relay session) but may not turn it on.
    "update:relay": `update public.devices set helper_config = helper_config || '{"relay": true}' where id = '${DEVICES.owner}'`,
    "update:heartbeat": `update public.devices set last_seen_at = now(), app_version = '9.9.9', lan_ip = '10.0.0.9' where id = '${DEVICES.owner}'`,
    "update:sibling": `update public.devices set last_seen_at = now() where id = '${DEVICES.ownerSecond}'`,
    delete: `delete from public.devices where id = '${DEVICES.ownerSecond}'`,
  },
  "public.audit_log": {
    select: `select id from public.audit_log where id = '${ROWS.auditEntry}'`,
    insert: `insert into public.audit_log (actor_user_id, action, target_type) values ('${O}', 'device.renamed', 'device')`,
    update: `update public.audit_log set details = '{"x": 1}' where id = '${ROWS.auditEntry}'`,
    delete: `delete from public.audit_log where id = '${ROWS.auditEntry}'`,
  },
  "public.cloud_sessions": {
    select: `select id from public.cloud_sessions where id = '${ROWS.session}'`,
    insert: `insert into public.cloud_sessions (user_id, device_id, title) values ('${O}', ${CLAIMED_DEVICE}, 'new')`,
    update: `update public.cloud_sessions set title = 'changed' where id = '${ROWS.session}'`,
    // A session or message names only its owner's devices (or none). An id that exists nowhere
    // fails alike (supabase/tests/security.int.test.ts), but not as a policy-only refusal.
    "update:own-device": `update public.cloud_sessions set device_id = '${DEVICES.ownerSecond}' where id = '${ROWS.session}'`,
    "update:foreign-device": `update public.cloud_sessions set device_id = '${DEVICES.stranger}' where id = '${ROWS.session}'`,
    delete: `delete from public.cloud_sessions where id = '${ROWS.session}'`,
  },
  "public.cloud_messages": {
    select: `select id from public.cloud_messages where id = '${ROWS.message}'`,
    "select:search": `select id from public.cloud_messages where to_tsvector('english', content) @@ websearch_to_tsquery('english', 'fixture answers')`,
    insert: `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content) values ('${ROWS.session}', '${O}', ${CLAIMED_DEVICE}, 1, 'user', 'hello')`,
    update: `update public.cloud_messages set content = 'edited' where id = '${ROWS.message}'`,
    "update:own-device": `update public.cloud_messages set device_id = '${DEVICES.ownerSecond}' where id = '${ROWS.message}'`,
    "update:foreign-device": `update public.cloud_messages set device_id = '${DEVICES.stranger}' where id = '${ROWS.message}'`,
    delete: `delete from public.cloud_messages where id = '${ROWS.message}'`,
  },
  "public.model_prices": {
    "select:global": `select id from public.model_prices where id = '${ROWS.globalPrice}'`,
    "select:override": `select id from public.model_prices where id = '${ROWS.ownerPrice}'`,
    insert: `insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok) values ('${O}', 'new-model', 1, 1)`,
    "update:global": `update public.model_prices set input_per_mtok = 9 where id = '${ROWS.globalPrice}'`,
    "update:override": `update public.model_prices set input_per_mtok = 9 where id = '${ROWS.ownerPrice}'`,
    "delete:global": `delete from public.model_prices where id = '${ROWS.globalPrice}'`,
    "delete:override": `delete from public.model_prices where id = '${ROWS.ownerPrice}'`,
  },
  "public.usage_daily": {
    // A view over usage_hourly since 20261203013100 (no writes to test, like the other views).
    select: `select user_id from public.usage_daily where user_id = '${O}'`,
  },
  "public.usage_by_day": {
    select: `select day from public.usage_by_day where user_id = '${O}' and message_count = 1`,
  },
  "public.usage_by_model": {
    select: `select day from public.usage_by_model where user_id = '${O}' and model = 'fixture-model'`,
  },
  "public.usage_by_device": {
    select: `select day from public.usage_by_device where user_id = '${O}' and device_name = 'studio'`,
  },
  "public.usage_by_project": {
    select: `select day from public.usage_by_project where project_id = '${ROWS.project}'`,
  },
  "public.session_summary": {
    select: `select id from public.session_summary where id = '${ROWS.session}' and message_count = 1`,
  },
  "public.recent_activity": {
    select: `select id from public.recent_activity where id = '${ROWS.session}'`,
  },
  "public.user_analytics": {
    select: `select user_id from public.user_analytics where session_count = 1 and message_count = 1`,
  },
}

describeRlsMatrix({
  title: "core RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: STATEMENTS,
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    // A user whose profile is gone, so that inserting one is a valid statement.
    await db.exec(`
      insert into auth.users (id, email) values ('${USERS.orphan}', 'orphan@core.test');
      delete from public.profiles where id = '${USERS.orphan}';
    `)
  },
})
