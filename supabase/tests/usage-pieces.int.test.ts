import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, USERS } from "./core-fixtures"

// The shared pieces of the usage rollups and of usage_dashboard (docs/usage.md): a pricing
// change replaces private.message_priced, a change to the page's reading replaces its piece.
// The figures themselves are checked end to end by usage-rollups, usage-timezones and
// usage-dashboard-series; these tests pin what each piece is for.

// Every rollup writer that prices a message row: the statement triggers on cloud_messages (the
// hourly and local-day rollups, the session counters) and the local-day build (the hours a
// local midnight splits are read from the messages). The one insert trigger, which writes the
// session counters, both rollups and the version sums, takes a batch's versions from the
// statement's price periods; the others price row by row through private.message_priced.
const PRICED_ROLLUP_WRITERS = {
  cloud_messages_insert_rollups: "periods",
  cloud_messages_count_update: "row",
  cloud_messages_count_delete: "row",
  usage_hourly_add_update: "row",
  usage_hourly_add_delete: "row",
  usage_local_days_add_update: "row",
  usage_local_days_add_delete: "row",
  usage_local_days_build: "row",
} as const

describe(`usage pieces (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    // A second message on the owner's own price version, and one on a model with no price.
    await database.db.exec(`
      insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content,
        model, input_tokens, output_tokens, cached_tokens)
      select s.id, s.user_id, '${DEVICES.owner}', 1, 'assistant', 'second', 'owner-model', 2000, 300, 100
        from public.cloud_sessions s where s.user_id = '${USERS.owner}';
      insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content,
        model, input_tokens, output_tokens, cached_tokens)
      select s.id, s.user_id, '${DEVICES.owner}', 2, 'assistant', 'third', 'unpriced-model', 10, 20, 0
        from public.cloud_sessions s where s.user_id = '${USERS.owner}';
    `)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("every rollup writer prices its rows through private.message_priced or the statement's price periods, and none looks a price up itself", async () => {
    const { rows } = await database.db.query<{ name: string; priced: string; looks_up: boolean }>(
      `select p.proname as name,
              case when p.prosrc like '%private.message_priced(%' then 'row'
                   when p.prosrc like '%private.price_periods(%' then 'periods' end as priced,
              p.prosrc like '%price_in_force%' as looks_up
         from pg_catalog.pg_proc p
        where p.pronamespace = 'private'::regnamespace and p.proname = any ($1::text[])
        order by 1`,
      [Object.keys(PRICED_ROLLUP_WRITERS)]
    )

    expect(rows).toEqual(
      Object.entries(PRICED_ROLLUP_WRITERS)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, priced]) => ({ name, priced, looks_up: false }))
    )
  })

  it("private.message_priced gives each message the cost the computed field reads, and its stored local cost and cloud equivalent", async () => {
    const { rows } = await database.db.query<{
      messages: number
      priced: number
      unpriced: number
      disagreeing: number
    }>(
      `select count(*)::int as messages,
              count(*) filter (where p.cost_usd > 0)::int as priced,
              count(*) filter (where p.cost_usd = 0)::int as unpriced,
              count(*) filter (where p.cost_usd is distinct from public.cost_usd(m)
                or p.local_cost_usd is distinct from m.local_cost_usd
                or p.cloud_equivalent_usd is distinct from m.cloud_equivalent_usd)::int as disagreeing
         from public.cloud_messages m cross join lateral private.message_priced(m) p`
    )

    // fixture-model at the global version, owner-model at the owner's, unpriced-model at 0.
    expect(rows[0]).toEqual({ messages: 3, priced: 2, unpriced: 1, disagreeing: 0 })
  })

  it("the dashboard's range piece reads each scope by its own index once inlined", async () => {
    /** The indexes the plan of the range read uses, for one scope (sequential scans off). */
    async function indexesRead(project: string | null): Promise<string[]> {
      return database.db.transaction(async (tx) => {
        await tx.exec("set local enable_seqscan = off")
        const { rows } = await tx.query<{ "QUERY PLAN": string }>(
          `explain (costs off) select * from private.usage_dashboard_range(
             '2026-01-01', '2026-12-31', 'UTC', ${project === null ? "null" : `'${project}'`},
             null, null, 'model')`
        )

        return rows.flatMap((row) =>
          [
            ...row["QUERY PLAN"].matchAll(
              /(?:Index (?:Only )?Scan (?:Backward )?using|Bitmap Index Scan on) (\w+)/g
            ),
          ].map((m) => m[1]!)
        )
      })
    }

    expect(await indexesRead(null)).toEqual(["usage_local_days_key"])
    expect(await indexesRead("1b000000-0000-4000-8000-000000000001")).toEqual([
      "usage_local_days_project_id_tz_day_idx",
    ])
  })

  it("private.usage_series_picked sends every key up to 7, else the keys that can be among the 6 largest by cost or by tokens, ties and a null key included", async () => {
    async function picked(keys: (string | null)[], costs: number[], tokens: number[]) {
      const { rows } = await database.db.query<{
        keys: string[]
        null_key: boolean
        key_count: string
      }>(
        `select array(select k from unnest(f.keys) k order by k) as keys, f.null_key, f.key_count
           from private.usage_series_picked($1::text[], $2::float8[], $3::float8[]) f`,
        [keys, costs, tokens]
      )

      return { ...rows[0]!, key_count: Number(rows[0]!.key_count) }
    }

    // Seven keys: all of them, however small.
    expect(
      await picked(
        ["a", "b", "c", "d", "e", "f", "g"],
        [7, 6, 5, 4, 3, 2, 1],
        [1, 1, 1, 1, 1, 1, 1]
      )
    ).toEqual({ keys: ["a", "b", "c", "d", "e", "f", "g"], null_key: false, key_count: 7 })

    // Nine keys: the 6 costliest, and "i", which is among the 6 largest by tokens.
    expect(
      await picked(
        ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
        [9, 8, 7, 6, 5, 4, 3, 2, 1],
        [9, 8, 7, 6, 5, 1, 1, 1, 10]
      )
    ).toEqual({ keys: ["a", "b", "c", "d", "e", "f", "i"], null_key: false, key_count: 9 })

    // "g" ties with the 6th by cost (to a float's rounding), so it is sent too; the null key
    // (no device) is among the 6 largest by tokens and is reported apart.
    expect(
      await picked(
        ["a", "b", "c", "d", "e", "f", "g", "h", null],
        [9, 8, 7, 6, 5, 4, 4 * (1 - 1e-12), 1, 0.5],
        [9, 8, 7, 6, 5, 4, 0, 0, 100]
      )
    ).toEqual({ keys: ["a", "b", "c", "d", "e", "f", "g"], null_key: true, key_count: 9 })

    // No keys (an empty range): nothing sent, no null key.
    expect(await picked([], [], [])).toEqual({ keys: [], null_key: false, key_count: 0 })
  })
})
