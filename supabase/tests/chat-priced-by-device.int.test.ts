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

// A console chat names the device that answered it (sync_push's `answered_by`,
// 20261203028000_chat_priced_by_device.sql): its rows are written for that device and
// priced with the device's local price, for a device the caller may chat with
// (private.may_chat_with_device) and for nobody else. The admin's LLM host serves the
// fixture project, so its developers and up may chat with it; its viewer may not.

const HOST = DEVICES.admin
const SESSION = "7a0e0000-0000-4000-8000-000000000001"
const MESSAGE = "7a0e0000-0000-4000-8000-000000000002"

const SETUP_SQL = `
insert into public.device_run_projects (device_id, project_id, user_id)
  values ('${HOST}', '${ROWS.project}', '${USERS.admin}') on conflict do nothing;
insert into public.device_prices (device_id, user_id, mode, usd_per_hour)
  values ('${HOST}', '${USERS.admin}', 'hourly', 1.37)
  on conflict (device_id) do update set mode = 'hourly', usd_per_hour = 1.37;
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

const pushFor = (device: string) =>
  `select id from public.sync_push(
     '{"sessions": [{"id": "${SESSION}", "sync_version": 1}], "messages": []}'::jsonb,
     '${device}') where status = 'applied'`

// prettier-ignore
const MATRIX: MatrixRow<"select">[] = [
  //                                    anon  viewer developer admin owner stranger host  devDevice revoked strangerDevice signedOut
  ["sync_push answered by the host", "select", "no", "no", "ok",  "ok", "ok", "no",    "no", "no",     "no",   "no",  "no"],
]

describeRlsMatrix({
  title: "sync_push answered_by matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: { "sync_push answered by the host": { select: pushFor(HOST) } },
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(SETUP_SQL)
  },
})

describe(`console chat priced with the answering device (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(SETUP_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  const batch = (version: number, content: string) =>
    JSON.stringify({
      sessions: [{ id: SESSION, sync_version: version, title: "chat" }],
      messages: [
        {
          id: MESSAGE,
          session_id: SESSION,
          sync_version: version,
          message_index: 1,
          role: "assistant",
          content,
          model: "local-llama",
          output_tokens: 900,
          tokens_per_second: 30,
          time_to_first_token_ms: 2000,
        },
      ],
    })

  const push = (actor: Actor, version: number, device: string | null) =>
    runAs(database.db, actor, async (tx) =>
      (
        await tx.query<{ kind: string; status: string }>(
          "select kind, status from public.sync_push($1::jsonb, $2::uuid)",
          [batch(version, `answer ${version}`), device]
        )
      ).rows.map((row) => `${row.kind} ${row.status}`)
    )

  const written = async () =>
    (
      await database.db.query<{
        device_id: string | null
        local: string
        session_device: string | null
      }>(
        `select m.device_id, m.local_cost_usd::text as local, s.device_id as session_device
           from public.cloud_messages m join public.cloud_sessions s on s.id = m.session_id
          where m.id = $1`,
        [MESSAGE]
      )
    ).rows[0]

  // 900 tokens at 30 tokens/s plus 2 s to the first token: 32 s at 1.37 USD an hour.
  const HOST_COST = ((900 / 30 + 2) / 3600) * 1.37

  it("a message written for a device the caller may chat with gets that device and its local price", async () => {
    expect(await push(ACTORS.developer, 1, HOST)).toEqual(["session applied", "message applied"])
    const row = await written()
    expect(row?.device_id).toBe(HOST)
    expect(row?.session_device).toBe(HOST)
    expect(Number(row?.local)).toBeCloseTo(HOST_COST, 6)

    // A later write keeps the message's device and price, with or without the argument.
    expect(await push(ACTORS.developer, 2, null)).toEqual(["session applied", "message applied"])
    const again = await written()
    expect(again?.device_id).toBe(HOST)
    expect(Number(again?.local)).toBeCloseTo(HOST_COST, 6)

    // The usage rollup counts it under the device.
    const usage = await database.db.query<{ device_id: string; local: string }>(
      `select device_id, sum(local_cost_usd)::text as local from public.usage_hourly
        where user_id = $1 and model = 'local-llama' group by device_id`,
      [USERS.developer]
    )
    expect(usage.rows).toHaveLength(1)
    expect(usage.rows[0]?.device_id).toBe(HOST)
    expect(Number(usage.rows[0]?.local)).toBeCloseTo(HOST_COST, 6)
  })

  it("a device the caller may not chat with is refused, and nothing is written", async () => {
    for (const actor of [ACTORS.viewer, ACTORS.stranger, ACTORS.devDevice, ACTORS.host]) {
      const result = await tryAs(database.db, actor, (tx) =>
        tx.query("select * from public.sync_push($1::jsonb, $2::uuid)", [
          JSON.stringify({
            sessions: [{ id: "7a0e0000-0000-4000-8000-0000000000ff", sync_version: 1 }],
          }),
          HOST,
        ])
      )
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error.code).toBe("42501")
    }
    const left = await database.db.query(
      "select 1 from public.cloud_sessions where id = '7a0e0000-0000-4000-8000-0000000000ff'"
    )
    expect(left.rows).toHaveLength(0)
  })

  it("without the argument a signed-in user's chat has no device, as before", async () => {
    const other = "7a0e0000-0000-4000-8000-000000000003"
    await runAs(database.db, ACTORS.admin, (tx) =>
      tx.query("select * from public.sync_push($1::jsonb)", [
        JSON.stringify({ sessions: [{ id: other, sync_version: 1 }] }),
      ])
    )
    const row = await database.db.query<{ device_id: string | null }>(
      "select device_id from public.cloud_sessions where id = $1",
      [other]
    )
    expect(row.rows[0]?.device_id).toBeNull()
  })
})
