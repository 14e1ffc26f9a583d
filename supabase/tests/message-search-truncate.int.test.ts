import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, ROWS, USERS } from "./core-fixtures"

// Truncating cloud_messages empties the search tables beside it: the delete trigger that
// removes a message's search rows does not fire on TRUNCATE.
describe(`truncating cloud_messages leaves no search rows (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  async function counts() {
    const { rows } = await database.db.query<{ indexed: number; pending: number }>(
      `select (select count(*)::int from private.message_search) as indexed,
              (select count(*)::int from private.message_search_pending) as pending`
    )

    return rows[0]
  }

  it("removes indexed and pending search rows with the messages", async () => {
    const insert = (from: number, count: number) =>
      database.db.exec(
        `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content)
         select '${ROWS.session}', '${USERS.owner}', '${DEVICES.owner}', i, 'user', 'truncate me ' || i
           from generate_series(${from}, ${from + count - 1}) as i`
      )
    // A small statement is indexed at once, a large one left pending.
    await insert(100, 3)
    await insert(200, 100)
    const before = await counts()
    expect(before?.indexed).toBeGreaterThanOrEqual(3)
    expect(before?.pending).toBeGreaterThanOrEqual(100)

    await database.db.exec("truncate public.cloud_messages cascade")

    expect(await counts()).toEqual({ indexed: 0, pending: 0 })
  })

  // The clearing triggers (search rows here, usage_speed_months beside usage_hourly) must not
  // truncate a table the same statement is already truncating: Postgres refuses that ("being
  // used by active queries"), which broke every suite resetting with `auth.users cascade`.
  it("lets a statement that already truncates the tables beside them go through", async () => {
    await database.db.exec(
      `insert into public.cloud_messages (session_id, user_id, device_id, message_index, role, content, model, input_tokens, output_tokens, tokens_per_second)
       select '${ROWS.session}', '${USERS.owner}', '${DEVICES.owner}', i, 'assistant', 'again ' || i, 'llama-3.1-8b', 10, 20, 40
         from generate_series(300, 302) as i`
    )
    const speedRows = async () => {
      const { rows } = await database.db.query<{ months: number; hours: number }>(
        `select (select count(*)::int from public.usage_speed_months) as months,
                (select count(*)::int from public.usage_hourly) as hours`
      )

      return rows[0]
    }
    expect((await speedRows())?.months).toBeGreaterThan(0)

    await database.db.exec(
      "truncate public.cloud_messages, private.message_search, private.message_search_pending cascade"
    )
    expect(await counts()).toEqual({ indexed: 0, pending: 0 })

    // usage_hourly and usage_speed_months both reference the account: one cascade empties both.
    await database.db.exec("truncate auth.users cascade")
    expect(await speedRows()).toEqual({ months: 0, hours: 0 })
  })
})
