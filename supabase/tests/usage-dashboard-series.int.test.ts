import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, userActor, USERS } from "./core-fixtures"
import { actAs } from "./rls-harness"

// usage_dashboard's day series (…20261205070100): the keys the chart can give a colour come
// one by one, the rest summed per day, and together they are every message of the range.
const SESSION = "2f000000-0000-4000-8000-000000000001"
const MODELS = 12

const SETUP_SQL = `
insert into public.model_prices (model, input_per_mtok, output_per_mtok, effective_from)
select 'series-' || i, i, 2 * i, now() - interval '1 year' from generate_series(1, ${MODELS}) as i;
insert into public.cloud_sessions (id, user_id, device_id, title) values
  ('${SESSION}', '${USERS.owner}', '${DEVICES.owner}', 'series');
-- Model i costs more per token as i grows, but sends fewer tokens: the largest by cost and
-- the largest by tokens are different models.
insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content, model,
  input_tokens, output_tokens, created_at)
select '${SESSION}', '${USERS.owner}', case when i % 2 = 0 then '${DEVICES.owner}'::uuid end, i, 'assistant', 'x',
       'series-' || (1 + i % ${MODELS}), 4000 - 300 * (i % ${MODELS}), 100 + i % 7,
       date_trunc('day', now(), 'UTC') - (i % 9) * interval '1 day' + interval '3 hours'
  from generate_series(1, 400) as i;
`

type Dashboard = {
  days: [string, string | null, number, number][]
  other_days: [string, number, number][]
  keys: number
}

describe(`the /usage day series sends the chart's keys and folds the rest (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  const dashboard = async (stack: string, model: string | null = null) =>
    database.db.transaction(async (tx) => {
      await actAs(tx, userActor("owner"))
      const { rows } = await tx.query<{ j: Dashboard }>(
        `select public.usage_dashboard((now() at time zone 'UTC')::date - 10, (now() at time zone 'UTC')::date,
                'UTC', null, null, $2, $1) as j`,
        [stack, model]
      )
      await tx.exec("reset role")

      return rows[0]!.j
    })

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(SETUP_SQL)
  }, 120_000)
  afterAll(async () => {
    await database?.dispose()
  })

  it("sends the 6 largest keys by cost and by tokens, and the rest summed per day", async () => {
    const j = await dashboard("model")
    const { rows: perKey } = await database.db.query<{
      model: string
      cost: string
      tokens: string
    }>(
      `select coalesce(model, 'unknown') as model, sum(cloud_messages.cost_usd)::text as cost,
              sum(input_tokens + output_tokens)::text as tokens
         from public.cloud_messages where user_id = '${USERS.owner}' and deleted_at is null
        group by 1`
    )
    // The fixture's own model is in the range too.
    expect(j.keys).toBe(perKey.length)
    expect(j.keys).toBeGreaterThan(7)
    const top = (by: "cost" | "tokens") =>
      [...perKey]
        .sort((a, b) => Number(b[by]) - Number(a[by]))
        .slice(0, 6)
        .map((r) => r.model)
    const sent = new Set(j.days.map(([, key]) => key))
    expect(top("cost")).not.toEqual(top("tokens"))
    for (const model of [...top("cost"), ...top("tokens")]) expect(sent).toContain(model)
    expect(sent.size).toBeLessThan(j.keys)
    expect(j.other_days.length).toBeGreaterThan(0)

    const { rows: perDay } = await database.db.query<{
      day: string
      cost: number
      tokens: number
    }>(
      `select (created_at at time zone 'UTC')::date::text as day, sum(cloud_messages.cost_usd)::float8 as cost,
              sum(input_tokens + output_tokens)::float8 as tokens
         from public.cloud_messages where user_id = '${USERS.owner}' and deleted_at is null
        group by 1`
    )
    const got = new Map<string, { cost: number; tokens: number }>()
    const add = (day: string, cost: number, tokens: number) => {
      const d = got.get(day) ?? { cost: 0, tokens: 0 }
      got.set(day, { cost: d.cost + cost, tokens: d.tokens + tokens })
    }
    for (const [day, , cost, tokens] of j.days) add(day, cost, tokens)
    for (const [day, cost, tokens] of j.other_days) add(day, cost, tokens)
    expect(got.size).toBe(perDay.length)
    for (const { day, cost, tokens } of perDay) {
      expect(got.get(day)?.cost).toBeCloseTo(cost, 6)
      expect(got.get(day)?.tokens).toBe(tokens)
    }
  })

  it("sends every key when there are no more than 7", async () => {
    const j = await dashboard("device")
    expect(j.keys).toBe(2)
    expect(j.other_days).toEqual([])
    expect(new Set(j.days.map(([, key]) => key))).toEqual(new Set([DEVICES.owner, null]))
  })

  it("sends a null key on its own when it is the only key", async () => {
    // series-2 is only written by odd i, which have no device: its one key is null.
    const j = await dashboard("device", "series-2")
    expect(j.keys).toBe(1)
    expect(j.other_days).toEqual([])
    expect(j.days.length).toBeGreaterThan(0)
    expect(new Set(j.days.map(([, key]) => key))).toEqual(new Set([null]))
  })
})
