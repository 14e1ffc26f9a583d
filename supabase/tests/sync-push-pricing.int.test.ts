import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, userActor, USERS } from "./core-fixtures"
import { runAs, type Actor } from "./rls-harness"

// sync_push prices a batch once per model and price period (private.model_price_versions),
// not once per message. Every message it stores must still cost exactly what
// private.message_cost, private.message_local_cost and private.message_cloud_equivalent give it
// one by one: overrides starting before and after a global change, another user's override,
// a model mapped to a reference whose own price changes, messages before a model's first
// price and exactly at an effective_from, hourly and energy devices, a console push without a
// device, and an update that keeps the row's device and creation time.
const T0 = Date.parse("2026-11-01T00:00:00Z")
const DAY = 86_400_000
const at = (days: number) => new Date(T0 + days * DAY).toISOString()

const PRICES_SQL = `
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from) values
  (null, 'fixture-model', 1.9, 3.7, 0.45, '${at(5)}'),
  ('${USERS.owner}', 'fixture-model', 0.9, 1.3, 0.2, '${at(12)}'),
  ('${USERS.stranger}', 'fixture-model', 9, 9, 9, '${at(8)}'),
  ('${USERS.owner}', 'early-override', 2.2, 4.4, 0.3, '${at(3)}'),
  (null, 'early-override', 7.5, 15, 1.5, '${at(9)}'),
  (null, 'late-priced', 0.6, 2.4, 0.06, '${at(10)}'),
  (null, 'cloud-reference', 2.5, 10, 1.25, '${at(-30)}'),
  (null, 'cloud-reference', 3.1, 12.7, 1.3, '${at(7)}'),
  ('${USERS.owner}', 'cloud-reference', 2.9, 11.1, 0.9, '${at(14)}'),
  ('${USERS.owner}', 'cloud-own', 0.7, 2.9, 0.1, '${at(4)}'),
  (null, 'local-llama', 0.01, 0.02, 0, '${at(6)}');
insert into public.model_references (user_id, model, reference_model) values
  (null, 'local-llama', 'cloud-reference'),
  (null, 'own-mapped', 'cloud-reference'),
  ('${USERS.owner}', 'own-mapped', 'cloud-own'),
  ('${USERS.stranger}', 'late-priced', 'cloud-own');
insert into public.device_prices (device_id, user_id, mode, usd_per_hour) values
  ('${DEVICES.owner}', '${USERS.owner}', 'hourly', 1.37);
insert into public.device_prices (device_id, user_id, mode, usd_per_kwh, idle_watts, busy_watts) values
  ('${DEVICES.ownerSecond}', '${USERS.owner}', 'energy', 0.31, 20, 415);
`

const MODELS = [
  "fixture-model",
  "owner-model",
  "early-override",
  "late-priced",
  "local-llama",
  "own-mapped",
  "unpriced",
  null,
]
// Every effective_from above, so some messages land exactly on one.
const EDGES = [-30, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14]

type Pushed = { id: string; model: string | null; created_at: string }

function messagesFor(prefix: string, session: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const day = i % 5 === 0 ? EDGES[i % EDGES.length]! : ((i * 37) % 200) / 10 - 2

    return {
      id: `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`,
      session_id: session,
      sync_version: 1,
      message_index: i,
      role: "assistant",
      content: `m${i}`,
      model: MODELS[i % MODELS.length] ?? null,
      input_tokens: (i * 7919) % 5000,
      output_tokens: (i * 104729) % 3000,
      cached_tokens: Math.min((i * 31) % 400, (i * 7919) % 5000),
      tokens_per_second: i % 4 === 0 ? null : ((i * 13) % 180) + 0.5,
      time_to_first_token_ms: i % 3 === 0 ? null : (i * 97) % 2500,
      created_at: at(day),
    }
  })
}

describe(`sync_push prices a batch per price version as one message at a time would (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(PRICES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  async function push(actor: Actor, sessions: unknown[], messages: unknown[]) {
    const { rows } = await runAs(database.db, actor, (tx) =>
      tx.query<{ status: string }>("select status from public.sync_push($1)", [
        JSON.stringify({ sessions, messages }),
      ])
    )

    return rows.map((r) => r.status)
  }

  async function compare(ids: string[]) {
    const { rows } = await database.db.query<{
      id: string
      stored: string
      scratch: string
    }>(
      `select id,
              concat_ws(' ', cloud_messages.cost_usd, local_cost_usd, cloud_equivalent_usd) as stored,
              concat_ws(' ',
                private.message_cost(user_id, model, created_at, input_tokens, output_tokens, cached_tokens),
                private.message_local_cost(device_id, output_tokens, tokens_per_second, time_to_first_token_ms),
                private.message_cloud_equivalent(user_id, model, created_at, input_tokens, output_tokens, cached_tokens)
              ) as scratch
         from public.cloud_messages where id = any ($1::uuid[]) order by id`,
      [ids]
    )
    expect(rows).toHaveLength(ids.length)
    expect(rows.map((r) => `${r.id} ${r.stored}`)).toEqual(rows.map((r) => `${r.id} ${r.scratch}`))

    return rows.map((r) => r.stored.split(" ").map(Number) as [number, number, number])
  }

  it("stores per-row prices for two devices and a console push", async () => {
    const pushes: { actor: Actor; session: string; prefix: string }[] = [
      {
        actor: deviceActor("owner", DEVICES.owner),
        session: "2c000000-0000-4000-8000-000000000001",
        prefix: "2f000001",
      },
      {
        actor: deviceActor("owner", DEVICES.ownerSecond),
        session: "2c000000-0000-4000-8000-000000000002",
        prefix: "2f000002",
      },
      {
        actor: userActor("owner"),
        session: "2c000000-0000-4000-8000-000000000003",
        prefix: "2f000003",
      },
    ]
    const all: Pushed[] = []
    for (const { actor, session, prefix } of pushes) {
      const messages = messagesFor(prefix, session, 160)
      const statuses = await push(actor, [{ id: session, sync_version: 1 }], messages)
      expect(new Set(statuses)).toEqual(new Set(["applied"]))
      all.push(...messages)
    }

    const prices = await compare(all.map((m) => m.id))
    // The samples reach every branch, so a wrong rule cannot hide behind zeros.
    const cost = prices.map((p) => p[0])
    const local = prices.map((p) => p[1])
    const cloud = prices.map((p) => p[2])
    expect(cost.filter((c) => c > 0).length).toBeGreaterThan(200)
    expect(cost.some((c) => c === 0)).toBe(true)
    expect(local.filter((c) => c > 0).length).toBeGreaterThan(100)
    expect(cloud.filter((c) => c > 0).length).toBeGreaterThan(50)
    const onEdge = all.filter((m) => EDGES.some((d) => m.created_at === at(d)))
    expect(onEdge.length).toBeGreaterThan(20)
  })

  it("prices an update at the row's own creation time and device", async () => {
    const session = "2c000000-0000-4000-8000-000000000002"
    // Version 2 of the energy device's messages, without created_at: written_at stays the
    // stored one, and the price periods are looked up again for it.
    const updated = messagesFor("2f000002", session, 160)
      .filter((_, i) => i % 2 === 0)
      .map(({ created_at: _created, ...m }) => ({
        ...m,
        sync_version: 2,
        output_tokens: m.output_tokens + 17,
      }))
    const statuses = await push(deviceActor("owner", DEVICES.ownerSecond), [], updated)
    expect(new Set(statuses)).toEqual(new Set(["applied"]))
    const prices = await compare(updated.map((m) => m.id))
    expect(prices.some((p) => p[1] > 0)).toBe(true)
  })
})
