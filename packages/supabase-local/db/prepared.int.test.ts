import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { TEST_ENGINE } from "../testing/test-stack"
import { createThrowawayDatabase, type ThrowawayDatabase } from "../testing/throwaway-database"
import { openPglite } from "./pglite"
import { openPostgres } from "./postgres"
import { MAX_PREPARED_PER_CONNECTION } from "./prepared-names.mjs"
import { type Database } from "./types"

// Both engines run a batch the same way: named prepared statements, values bound, one Sync
// (Postgres: postgres-prepared.ts; PGlite: its thread, pglite-worker.mjs).
describe(`prepared batches (${TEST_ENGINE})`, () => {
  let database: ThrowawayDatabase | undefined
  let db: Database
  const prepared = (statements: { text: string; values: unknown[] }[]) => db.prepared(statements)
  const preparedHere = async (text: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          "select count(*) as n from pg_prepared_statements where statement = $1",
          [text]
        )
      ).rows[0]!.n
    )

  beforeAll(async () => {
    if (TEST_ENGINE === "pglite") {
      db = await openPglite()
      return
    }
    database = await createThrowawayDatabase(process.env.DATABASE_URL!, "lmx_prepared")
    // One connection, so every batch and check sees the same session's prepared statements.
    db = await openPostgres(database.url, { max: 1 })
  })

  afterAll(async () => {
    await db?.close()
    await database?.drop()
  })

  it("keeps the first statement's local settings for the next one, and only inside the batch", async () => {
    const { rows } = await prepared([
      { text: "select set_config('lmx.probe', $1, true)", values: ["on"] },
      { text: "select current_setting('lmx.probe', true) as value", values: [] },
    ])
    expect(rows).toEqual([{ value: "on" }])
    const after = await db.query<{ value: string | null }>(
      "select nullif(current_setting('lmx.probe', true), '') as value"
    )
    expect(after.rows).toEqual([{ value: null }])
  })

  it("parses a repeated statement once per connection and answers with the last rows", async () => {
    const text = "select $1::int + 1 as next"
    for (const n of [1, 2, 3]) {
      const result = await prepared([{ text, values: [n] }])
      expect(result.rows).toEqual([{ next: n + 1 }])
      expect(result.fields.map((f) => f.name)).toEqual(["next"])
    }
    expect(await preparedHere(text)).toBe(1)
  })

  it("rolls back every statement of a batch when one fails, and the connection keeps working", async () => {
    await db.exec("create table batch_rows (n int)")
    await expect(
      prepared([
        { text: "insert into batch_rows values ($1) returning n", values: [1] },
        { text: "select 1 / $1::int as boom", values: [0] },
      ])
    ).rejects.toMatchObject({ code: "22012" })
    const { rows } = await db.query("select count(*)::int as n from batch_rows")
    expect(rows).toEqual([{ n: 0 }])
    const again = await prepared([{ text: "select $1::text as ok", values: ["yes"] }])
    expect(again.rows).toEqual([{ ok: "yes" }])
  })

  it("parses a statement again after the batch that first parsed it failed", async () => {
    const text = "select count(*)::int as n from later_table"
    await expect(prepared([{ text, values: [] }])).rejects.toMatchObject({ code: "42P01" })
    await db.exec("create table later_table (id int); insert into later_table values (1)")
    const { rows } = await prepared([{ text, values: [] }])
    expect(rows).toEqual([{ n: 1 }])
  })

  it("binds a value as a parameter, never as text of the statement: NUL is Postgres's 22021", async () => {
    // A 100,000-character value with quotes and backslashes arrives exactly as it was.
    const value = `'\\"${"x".repeat(100_000)}`
    const { rows } = await prepared([
      { text: "select length($1::text) as n, left($1, 3) as head", values: [value] },
    ])
    expect(rows).toEqual([{ n: 100_003, head: `'\\"` }])
    await expect(
      prepared([{ text: "select $1::text as nul", values: ["a\u0000b"] }])
    ).rejects.toMatchObject({ code: "22021" })
  })

  it("closes the least recently used statement past the per-connection bound", async () => {
    const text = (i: number) => `select ${i} as i, $1::text as v`
    for (let i = 0; i <= MAX_PREPARED_PER_CONNECTION; i++)
      await prepared([{ text: text(i), values: ["x"] }])
    // The close of the evicted one goes out with the next batch.
    await prepared([{ text: text(1), values: ["x"] }])
    expect(await preparedHere(text(0))).toBe(0)
    expect(await preparedHere(text(MAX_PREPARED_PER_CONNECTION))).toBe(1)
    const { rows } = await prepared([{ text: text(0), values: ["y"] }])
    expect(rows).toEqual([{ i: 0, v: "y" }])
  })
})
