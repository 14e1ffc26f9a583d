import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  signedOutUser,
  userActor,
  USERS,
} from "./ops-fixtures"
import { ANON, describeRlsMatrix, runAs, tryAs, type Actor, type MatrixRow } from "./rls-harness"

// The chat relay's topics (20261203020000_chat_relay.sql). The admin's LLM host serves the
// fixture project, so the project's developers and up may chat with it; its viewer may not.
// Requests go to "device:<id>" (read by that device alone), answers to
// "device:<id>:reply:<user>" (written by that device alone, read by that user).

const HOST = DEVICES.admin
const REQUESTS = `device:${HOST}`
const DEVELOPER_REPLIES = `device:${HOST}:reply:${USERS.developer}`

// The fixtures already let every device serve its owner's projects; said again for clarity.
const SERVES_HOST = `insert into public.device_run_projects (device_id, project_id, user_id)
  values ('${HOST}', '${ROWS.project}', '${USERS.admin}') on conflict do nothing`

const SERVES_SQL = `
${SERVES_HOST};
insert into realtime.messages (topic, extension, event, payload, private) values
  ('${REQUESTS}', 'broadcast', 'chat.request', '{}', true),
  ('${DEVELOPER_REPLIES}', 'broadcast', 'chat.chunk', '{}', true);
`

const ACTORS = {
  anon: ANON,
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  host: deviceActor("admin", HOST),
  devDevice: deviceActor("developer", DEVICES.developer),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
  signedOut: signedOutUser("developer"),
} satisfies Record<string, Actor>

type Operation = "select" | "insert"

/** What Realtime asks before admitting a join (select) or a broadcast (insert) on a topic. */
const asRealtime = (topic: string) => ({
  select: `select id from realtime.messages
            where topic = '${topic}'
              and set_config('realtime.topic', '${topic}', true) is not null`,
  insert: `insert into realtime.messages (topic, extension, event, payload, private)
           select '${topic}', 'broadcast', 'e', '{}', true
            where set_config('realtime.topic', '${topic}', true) is not null`,
})

// prettier-ignore
const MATRIX: MatrixRow<Operation>[] = [
  //                                       anon  viewer developer admin owner stranger host  devDevice revoked strangerDevice signedOut
  ["device request topic",       "insert", "no", "no", "ok",     "ok", "ok", "no",    "no", "no",     "no",   "no",  "no"],
  ["device request topic",       "select", "no", "no", "no",     "no", "no", "no",    "ok", "no",     "no",   "no",  "no"],
  ["developer's reply topic",    "insert", "no", "no", "no",     "no", "no", "no",    "ok", "no",     "no",   "no",  "no"],
  ["developer's reply topic",    "select", "no", "no", "ok",     "no", "no", "no",    "ok", "no",     "no",   "no",  "no"],
]

describeRlsMatrix({
  title: "chat relay topics RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: {
    "device request topic": asRealtime(REQUESTS),
    "developer's reply topic": asRealtime(DEVELOPER_REPLIES),
  },
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(SERVES_SQL)
  },
})

describe(`chat relay topics and chat_devices (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(SERVES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  const canSend = async (actor: Actor, topic: string) =>
    (await tryAs(database.db, actor, (tx) => tx.query(asRealtime(topic).insert))).ok

  it("refuses malformed and injected topics rather than failing on a cast", async () => {
    for (const topic of [
      "device:not-a-device",
      `device:${HOST}' or true --`,
      `device:${HOST}:reply:not-a-user`,
      `device:${HOST}:reply:${USERS.developer}x`,
      `device:${HOST.toUpperCase()}`,
    ]) {
      expect(await canSend(ACTORS.admin, topic), topic).toBe(false)
      expect(await canSend(ACTORS.host, topic), topic).toBe(false)
    }
  })

  it("a device answers only on its own reply topics, never for another device", async () => {
    expect(await canSend(ACTORS.host, `device:${HOST}:reply:${USERS.admin}`)).toBe(true)
    expect(await canSend(ACTORS.devDevice, `device:${HOST}:reply:${USERS.developer}`)).toBe(false)
    expect(await canSend(ACTORS.host, `device:${DEVICES.developer}:reply:${USERS.developer}`)).toBe(
      false
    )
  })

  it("the project's viewer, and everyone once the device stops serving the project, may not chat", async () => {
    expect(await canSend(ACTORS.viewer, REQUESTS)).toBe(false)
    expect(await canSend(ACTORS.developer, REQUESTS)).toBe(true)
    await database.db.exec(`delete from public.device_run_projects where device_id = '${HOST}'`)
    try {
      expect(await canSend(ACTORS.developer, REQUESTS)).toBe(false)
      // The owner keeps chatting with their own device.
      expect(await canSend(ACTORS.admin, REQUESTS)).toBe(true)
    } finally {
      await database.db.exec(SERVES_HOST)
    }
  })

  it("chat_devices lists the devices a caller may chat with, and nothing to anyone else", async () => {
    const list = (actor: Actor) =>
      runAs(
        database.db,
        actor,
        async (tx) =>
          (
            await tx.query<{ id: string; own: boolean }>(
              "select id, own from public.chat_devices()"
            )
          ).rows
      )
    const ids = async (actor: Actor) => (await list(actor)).map((row) => row.id).sort()
    // The developer: their own device, and the project's other hosts (the viewer's device
    // serves the project too in the fixtures).
    expect(await list(ACTORS.developer)).toEqual(
      expect.arrayContaining([
        { id: HOST, own: false },
        { id: DEVICES.developer, own: true },
      ])
    )
    expect(await ids(ACTORS.developer)).toEqual([HOST, DEVICES.developer, DEVICES.viewer].sort())
    // A viewer of the project chats only with their own device.
    expect(await ids(ACTORS.viewer)).toEqual([DEVICES.viewer])
    expect(await ids(ACTORS.stranger)).toEqual([DEVICES.stranger])
    expect(await list(ACTORS.host)).toEqual([])
    expect(await list(ACTORS.signedOut)).toEqual([])
    // The owner's revoked device is not listed.
    expect(await ids(ACTORS.owner)).not.toContain(DEVICES.ownerRevoked)
  })
})
