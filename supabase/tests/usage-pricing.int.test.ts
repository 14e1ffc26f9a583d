import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, USERS } from "./core-fixtures"
import { runAs } from "./rls-harness"

// A message's prices do not depend on how it was written: one message per statement, many in
// one statement, or sync_push's set-based batch (which prices in its own insert while the
// per-row trigger stands aside, 20261203013100_message_write_path.sql). Each way must give
// every message exactly what private.message_cost, private.message_local_cost and
// private.message_cloud_equivalent compute for it from scratch.
const SESSION = "2e000000-0000-4000-8000-000000000001"
const MODELS = ["fixture-model", "owner-model", "local-llama", "own-mapped", "unpriced", null]

type Sample = {
  index: number
  model: string | null
  input: number
  output: number
  cached: number
  speed: number | null
  ttft: number | null
  minutesAgo: number
}

// Deterministic, varied samples: every model, speeds and times to first token present or
// not, times on both sides of the price changes below.
const SAMPLES: Sample[] = Array.from({ length: 60 }, (_, i) => ({
  index: i,
  model: MODELS[i % MODELS.length] ?? null,
  input: (i * 7919) % 5000,
  output: (i * 104729) % 3000,
  cached: Math.min((i * 31) % 400, (i * 7919) % 5000),
  speed: i % 4 === 0 ? null : ((i * 13) % 180) + 0.5,
  ttft: i % 3 === 0 ? null : (i * 97) % 2500,
  minutesAgo: ((i * 611) % (60 * 24 * 20)) + 1,
}))

const PRICES_SQL = `
insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from) values
  (null, 'cloud-reference', 2.5, 10, 1.25, now() - interval '1 year'),
  (null, 'cloud-reference', 3.1, 12.7, 1.3, now() - interval '10 days'),
  ('${USERS.owner}', 'cloud-own', 0.7, 2.9, 0.1, now() - interval '1 year'),
  (null, 'fixture-model', 1.7, 3.3, 0.4, now() - interval '5 days');
insert into public.model_references (user_id, model, reference_model) values
  (null, 'local-llama', 'cloud-reference'),
  (null, 'own-mapped', 'cloud-reference'),
  ('${USERS.owner}', 'own-mapped', 'cloud-own');
insert into public.device_prices (device_id, user_id, mode, usd_per_hour) values
  ('${DEVICES.owner}', '${USERS.owner}', 'hourly', 1.37);
insert into public.device_prices (device_id, user_id, mode, usd_per_kwh, idle_watts, busy_watts) values
  ('${DEVICES.ownerSecond}', '${USERS.owner}', 'energy', 0.31, 20, 415);
insert into public.cloud_sessions (id, user_id, device_id, title) values
  ('${SESSION}', '${USERS.owner}', '${DEVICES.owner}', 'pricing');
`

const valueSql = (s: Sample, device: string) =>
  `('${SESSION}', '${USERS.owner}', '${device}', ${s.index}, 'assistant', ${s.model === null ? "null" : `'${s.model}'`},
    ${s.input}, ${s.output}, ${s.cached}, ${s.speed ?? "null"}, ${s.ttft ?? "null"},
    now() - interval '${s.minutesAgo} minutes')`

const INSERT_COLUMNS = `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, model,
  input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, created_at) values `

type Priced = { message_index: number; cost: string; local: string; cloud: string }

describe(`message pricing is the same whichever way a message is written (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(PRICES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  async function stored(): Promise<Priced[]> {
    const { rows } = await database.db.query<Priced>(
      `select message_index, cloud_messages.cost_usd::text as cost, local_cost_usd::text as local,
              cloud_equivalent_usd::text as cloud
         from public.cloud_messages where session_id = $1 order by message_index`,
      [SESSION]
    )
    return rows
  }

  async function fromScratch(): Promise<Priced[]> {
    const { rows } = await database.db.query<Priced>(
      `select message_index,
              private.message_cost(user_id, model, created_at, input_tokens, output_tokens, cached_tokens)::text as cost,
              private.message_local_cost(device_id, output_tokens, tokens_per_second, time_to_first_token_ms)::text as local,
              private.message_cloud_equivalent(user_id, model, created_at, input_tokens, output_tokens, cached_tokens)::text as cloud
         from public.cloud_messages where session_id = $1 order by message_index`,
      [SESSION]
    )
    return rows
  }

  async function clear() {
    await database.db.exec(`delete from public.cloud_messages where session_id = '${SESSION}'`)
  }

  it("a multi-row insert prices every row as single-row inserts would, and as from scratch", async () => {
    for (const s of SAMPLES) {
      await database.db.exec(INSERT_COLUMNS + valueSql(s, DEVICES.owner))
    }
    const single = await stored()
    expect(single).toHaveLength(SAMPLES.length)
    expect(single).toEqual(await fromScratch())
    // The samples reach every branch: a local cost, a cloud equivalent from a global and from
    // the owner's own mapping, and messages without either.
    expect(single.some((r) => Number(r.local) > 0)).toBe(true)
    expect(single.some((r) => Number(r.local) === 0)).toBe(true)
    expect(
      new Set(single.filter((r) => Number(r.cloud) > 0).map((r) => r.message_index % 6))
    ).toEqual(new Set([2, 3]))

    await clear()
    await database.db.exec(
      INSERT_COLUMNS + SAMPLES.map((s) => valueSql(s, DEVICES.owner)).join(",\n")
    )
    expect(await stored()).toEqual(single)
  })

  it("prices energy-mode devices alike in one statement and one row at a time", async () => {
    await clear()
    await database.db.exec(
      INSERT_COLUMNS + SAMPLES.map((s) => valueSql(s, DEVICES.ownerSecond)).join(",\n")
    )
    const batch = await stored()
    expect(batch).toEqual(await fromScratch())
    expect(batch.some((r) => Number(r.local) > 0)).toBe(true)
  })

  it("sync_push's set-based batch stores what the per-row trigger would", async () => {
    await clear()
    const messages = SAMPLES.map((s) => ({
      id: `2f000000-0000-4000-8000-${String(s.index).padStart(12, "0")}`,
      session_id: SESSION,
      sync_version: 1,
      message_index: s.index,
      role: "assistant",
      content: `m${s.index}`,
      model: s.model,
      input_tokens: s.input,
      output_tokens: s.output,
      cached_tokens: s.cached,
      tokens_per_second: s.speed,
      time_to_first_token_ms: s.ttft,
      created_at: new Date(Date.now() - s.minutesAgo * 60_000).toISOString(),
    }))
    const results = await runAs(database.db, deviceActor("owner", DEVICES.owner), (tx) =>
      tx.query<{ status: string }>("select status from public.sync_push($1)", [
        JSON.stringify({ sessions: [], messages }),
      ])
    )
    expect(new Set(results.rows.map((r) => r.status))).toEqual(new Set(["applied"]))
    const pushed = await stored()
    expect(pushed).toHaveLength(SAMPLES.length)
    expect(pushed).toEqual(await fromScratch())
    expect(pushed.some((r) => Number(r.local) > 0)).toBe(true)
    expect(pushed.some((r) => Number(r.cloud) > 0)).toBe(true)

    // The same messages written by the per-row trigger, one statement each, price alike.
    const viaSync = pushed
    await clear()
    for (const s of SAMPLES) {
      await database.db.exec(
        INSERT_COLUMNS.replace("created_at)", "created_at, id)") +
          valueSql(s, DEVICES.owner)
            .replace(/\)$/, `, '${messages[s.index]!.id}')`)
            .replace(
              `now() - interval '${s.minutesAgo} minutes'`,
              `'${messages[s.index]!.created_at}'::timestamptz`
            )
      )
    }
    expect(await stored()).toEqual(viaSync)
  })
})
