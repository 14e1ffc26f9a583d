import { type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, MISMATCHES_SQL, ROWS, USERS } from "./core-fixtures"

// Property: whatever mix of message inserts, updates, tombstones, hard deletes, price
// changes and project moves happens, every incrementally kept number (message cost, session
// counters, the daily rollup) equals the same thing computed from scratch.
const OWNERS = [USERS.owner, USERS.stranger] as const
const SESSIONS = Array.from({ length: 6 }, (_, i) => `2c000000-0000-4000-8000-00000000000${i}`)
const sessionOwner = (session: number) => OWNERS[session % 2]!
const deviceOf = (session: number, pick: number) =>
  session % 2 === 0
    ? [DEVICES.owner, DEVICES.ownerSecond, null][pick % 3]
    : [DEVICES.stranger, null][pick % 2]
// One model has no price at all, and one message kind has no model.
const MODELS = ["fixture-model", "owner-model", "unpriced-model", null] as const

const sqlText = (value: string | null) => (value === null ? "null" : `'${value}'`)

const insertOp = fc.record({
  kind: fc.constant("insert" as const),
  session: fc.nat(SESSIONS.length - 1),
  count: fc.integer({ min: 1, max: 12 }),
  model: fc.nat(MODELS.length - 1),
  device: fc.nat(5),
  days: fc.nat(12),
  input: fc.nat(5000),
  output: fc.nat(3000),
  deleted: fc.boolean(),
})
const updateOp = fc.record({
  kind: fc.constant("update" as const),
  bucket: fc.nat(6),
  change: fc.constantFrom("tokens", "model", "created_at", "device", "tombstone", "revive"),
  value: fc.nat(4000),
})
const deleteOp = fc.record({
  kind: fc.constant("delete" as const),
  bucket: fc.nat(12),
})
const priceOp = fc.record({
  kind: fc.constant("price" as const),
  action: fc.constantFrom("insert", "update", "delete"),
  model: fc.nat(2),
  owner: fc.constantFrom(null, USERS.owner, USERS.stranger),
  days: fc.nat(14),
  rate: fc.integer({ min: 0, max: 900 }),
})
const moveOp = fc.record({
  kind: fc.constant("move" as const),
  session: fc.nat(SESSIONS.length - 1),
  toProject: fc.boolean(),
})
const operation = fc.oneof(
  { arbitrary: insertOp, weight: 5 },
  { arbitrary: updateOp, weight: 4 },
  { arbitrary: deleteOp, weight: 1 },
  { arbitrary: priceOp, weight: 2 },
  { arbitrary: moveOp, weight: 1 }
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never

// Messages are picked by a stable hash bucket, so one update touches several rows at once
// (and so exercises the statement-level triggers with many-row transition tables).
const inBucket = (bucket: number, of: number) => `abs(hashtext(id::text)) % ${of} = ${bucket}`

function toSql(op: Operation, step: number): string {
  switch (op.kind) {
    case "insert": {
      const owner = sessionOwner(op.session)
      const model = MODELS[op.model] ?? null

      return `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, model,
          input_tokens, output_tokens, cached_tokens, created_at, deleted_at)
        select '${SESSIONS[op.session]}', '${owner}', ${sqlText(deviceOf(op.session, op.device) ?? null)}, ${step},
          'assistant', ${sqlText(model)}, ${op.input} + i, ${op.output}, (${op.input} + i) / 3,
          now() - interval '${op.days} days' - make_interval(hours => i),
          ${op.deleted ? "now()" : "null"}
          from generate_series(1, ${op.count}) as i`
    }
    case "update": {
      const where = inBucket(op.bucket, 7)
      switch (op.change) {
        case "tokens":
          return `update public.cloud_messages set input_tokens = ${op.value}, cached_tokens = ${op.value} / 4, output_tokens = ${op.value} / 2 where ${where}`
        case "model":
          return `update public.cloud_messages set model = ${sqlText(MODELS[op.value % MODELS.length] ?? null)} where ${where}`
        case "created_at":
          return `update public.cloud_messages set created_at = created_at - interval '${op.value % 9} days' where ${where}`
        case "device":
          return `update public.cloud_messages m set device_id = case when m.user_id = '${USERS.owner}' then ${sqlText(
            [DEVICES.owner, DEVICES.ownerSecond, null][op.value % 3] ?? null
          )}::uuid else null end where ${where}`
        case "tombstone":
          return `update public.cloud_messages set deleted_at = now() where ${where}`
        case "revive":
          return `update public.cloud_messages set deleted_at = null where ${where}`
      }
      throw new Error("unreachable")
    }
    case "delete":
      return `delete from public.cloud_messages where ${inBucket(op.bucket, 13)}`
    case "price": {
      const model = MODELS[op.model]
      const owner = op.owner === null ? "is null" : `= '${op.owner}'`
      const rate = (op.rate / 100).toFixed(2)
      if (op.action === "insert") {
        return `insert into public.model_prices (user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from)
          values (${sqlText(op.owner)}, '${model}', ${rate}, ${rate} * 2, ${rate} / 4, date_trunc('day', now()) - interval '${op.days} days')
          on conflict on constraint model_prices_user_id_model_effective_from_key do update set input_per_mtok = excluded.input_per_mtok`
      }
      if (op.action === "update") {
        return `update public.model_prices set output_per_mtok = ${rate}, effective_from = date_trunc('day', now()) - interval '${op.days} days' + interval '${step + 1} seconds'
          where id = (select id from public.model_prices where model = '${model}' and user_id ${owner} order by effective_from limit 1)`
      }

      return `delete from public.model_prices where id = (select id from public.model_prices where model = '${model}' and user_id ${owner} order by effective_from desc limit 1)`
    }
    case "move": {
      // Only the owner is a member of the fixture project.
      const project = op.toProject && op.session % 2 === 0 ? `'${ROWS.project}'` : "null"

      return `update public.cloud_sessions set project_id = ${project} where id = '${SESSIONS[op.session]}'`
    }
  }
}

async function reset(tx: Queryable) {
  await tx.exec(`
    truncate public.message_attachments, public.cloud_messages, public.usage_hourly;
    delete from public.cloud_sessions;
    delete from public.model_prices where id not in ('${ROWS.globalPrice}', '${ROWS.ownerPrice}');
    insert into public.cloud_sessions (id, user_id, title) values
      ${SESSIONS.map((id, n) => `('${id}', '${sessionOwner(n)}', 'property ${n}')`).join(",\n      ")};
  `)
}

describe(`usage rollups stay exact (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("the fixture's rollup already matches", async () => {
    const { rows } = await database.db.query(MISMATCHES_SQL)
    expect(rows).toEqual([])
  })

  it("after thousands of random message and price changes, every rollup equals its from-scratch aggregate", async () => {
    let operations = 0
    // fc.check rather than fc.assert: a failing case is thousands of operations long, so the
    // report names the seed to replay instead of printing the whole counterexample.
    const details = await fc.check(
      fc.asyncProperty(fc.array(operation, { minLength: 400, maxLength: 700 }), async (ops) => {
        await database.db.transaction(async (tx) => {
          await reset(tx)
          for (const [step, op] of ops.entries()) await tx.query(toSql(op, step))
        })
        operations += ops.length
        const { rows } = await database.db.query<{
          what: string
          key: string
        }>(MISMATCHES_SQL)
        expect(rows.slice(0, 5)).toEqual([])
        const { rows: counts } = await database.db.query<{ n: string }>(
          "select count(*) as n from public.usage_daily"
        )
        // The run must have produced real rollups, or it proves nothing.
        expect(Number(counts[0]!.n)).toBeGreaterThan(0)
      }),
      { numRuns: 5, endOnFailure: true }
    )
    if (details.failed) {
      throw new Error(
        `rollups diverged (replay with seed ${details.seed}, path "${details.counterexamplePath}"): ${String(details.errorInstance)}`
      )
    }
    expect(operations).toBeGreaterThanOrEqual(2000)
    // Thousands of writes through every trigger: ~20 s on an idle 2-core machine, over 60 s
    // when it is shared, so the budget is the run's size, not the default per-test minute.
  }, 240_000)
})
