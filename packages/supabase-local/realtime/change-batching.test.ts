import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"

import { type Database, type QueryResult } from "../db/types"
import { ChangeFeed, type ChangeSubscriber } from "./changes"

// How ChangeFeed forms its check batches on Postgres and keeps commit order when checks overlap,
// against a database double whose checks answer only when the test says so: the order in which
// checks answer is what is under test, and a real database would leave it to the machine.

type HeldCheck = { ids: string[]; answer: () => void }

function result<Row>(rows: Row[]): QueryResult<Row> {
  return { rows, rowCount: rows.length, fields: [] }
}

function fakePostgres() {
  const checks: HeldCheck[] = []
  const listeners = new Map<string, (payload: string) => void>()
  const db = {
    engine: "postgres",
    location: "test",
    async exec() {},
    async listen(channel: string, onNotify: (payload: string) => void) {
      listeners.set(channel, onNotify)
      return async () => void listeners.delete(channel)
    },
    async query(sql: string, params: unknown[] = []) {
      if (sql.includes("jsonb_build_object(\n         'rls'")) {
        const meta = {
          rls: true,
          replica_identity: "d",
          columns: [{ name: "id", type: "int8" }],
          pk: ["id"],
          roles: { authenticated: ["id"] },
        }
        return result([{ meta }])
      }
      if (sql.includes("_realtime.check_change_batch")) {
        const rows = JSON.parse(params[1] as string) as { id: number }[]
        return new Promise<QueryResult>((resolve) => {
          checks.push({
            ids: rows.map((row) => String(row.id)),
            answer: () =>
              resolve(
                result([
                  {
                    result: JSON.stringify({
                      filters: [rows.map(() => true)],
                      visible: [rows.map((_, index) => index)],
                    }),
                  },
                ])
              ),
          })
        })
      }
      return result([])
    },
  } as unknown as Database

  const notify = (id: number) =>
    listeners.get("lmx_realtime_changes")!(
      JSON.stringify({
        xid: "1",
        id: String(id),
        schema_name: "public",
        table_name: "notes",
        op: "INSERT",
        new_row: { id },
        old_row: null,
        commit_timestamp: "2026-01-01T00:00:00.000Z",
      })
    )

  return { db, checks, notify }
}

/** Lets every queued promise callback run (the feed's pump is a chain of awaits). */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe("ChangeFeed check batches (Postgres)", () => {
  let feed: ChangeFeed | undefined
  let held: HeldCheck[] = []
  beforeEach(() => {
    // The outbox sweep runs on an interval; it must not run in these tests.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] })
  })
  afterEach(async () => {
    vi.useRealTimers()
    // stop() waits for the deliveries in flight, which wait for their checks.
    for (const check of held) check.answer()
    await feed?.stop()
    feed = undefined
  })

  async function started() {
    const fake = fakePostgres()
    const delivered: number[] = []
    const subscriber: ChangeSubscriber = {
      role: "authenticated",
      claims: { sub: "00000000-0000-4000-8000-000000000001", role: "authenticated" },
      deliverChange(_ids, dataJson) {
        delivered.push((JSON.parse(dataJson) as { record: { id: number } }).record.id)
      },
    }
    feed = new ChangeFeed(
      fake.db,
      () => undefined,
      () => undefined
    )
    held = fake.checks
    await feed.start()
    feed.add({ id: 1, event: "*", schema: "public", table: "notes", filters: [], subscriber })

    return { ...fake, delivered }
  }

  it("checks a lone change at once", async () => {
    const { checks, notify } = await started()
    notify(1)
    await settle()
    expect(checks.map((check) => check.ids)).toEqual([["1"]])
  })

  it("delivers in commit order when a later check answers first", async () => {
    const { checks, notify, delivered } = await started()
    notify(1)
    await settle()
    notify(2)
    await settle()
    // Two checks overlap on Postgres's pool.
    expect(checks.map((check) => check.ids)).toEqual([["1"], ["2"]])
    checks[1]!.answer()
    await settle()
    expect(delivered).toEqual([])
    checks[0]!.answer()
    await settle()
    expect(delivered).toEqual([1, 2])
  })

  it("checks the changes that commit while every slot is busy as one batch", async () => {
    const { checks, notify, delivered } = await started()
    for (const id of [1, 2, 3, 4, 5]) {
      notify(id)
      await settle()
    }
    expect(checks.map((check) => check.ids)).toEqual([["1"], ["2"]])
    checks[0]!.answer()
    await settle()
    expect(checks.map((check) => check.ids)).toEqual([["1"], ["2"], ["3", "4", "5"]])
    checks[2]!.answer()
    checks[1]!.answer()
    await settle()
    expect(delivered).toEqual([1, 2, 3, 4, 5])
  })
})
