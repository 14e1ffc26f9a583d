import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { startTestStack, TEST_ENGINE, type TestStack } from "./testing/test-stack"

// A project whose `[db.seed] sql_paths` uses globs ("./seeds/*.sql", as `supabase init`'s
// config.toml suggests) boots with its seed files run as the Supabase CLI runs them.
const STARTER = path.join(import.meta.dirname, "testing/fixtures/hosted-starter")

describe(`glob seed paths (${TEST_ENGINE})`, () => {
  let root: string
  let stack: TestStack
  const logged: string[] = []

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "lmx-seed-glob-"))
    cpSync(STARTER, root, { recursive: true })
    const config = path.join(root, "supabase/config.toml")
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace(
        'sql_paths = ["./seed.sql"]',
        'sql_paths = ["./seed.sql", "./seeds/*.sql", "./seeds/01_first.sql", "./fixtures/*.sql"]'
      )
    )
    mkdirSync(path.join(root, "supabase/seeds"))
    const seed = (name: string, sql: string) =>
      writeFileSync(path.join(root, "supabase/seeds", name), sql)
    seed("01_first.sql", "create table public.seed_runs (n serial, file text);\n" + run("01_first"))
    seed("10_third.sql", run("10_third"))
    seed("02_second.sql", run("02_second"))
    stack = await startTestStack({ root, log: (line) => logged.push(line) })
  })
  afterAll(async () => {
    await stack?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  function run(file: string) {
    return `insert into public.seed_runs (file) values ('${file}');\n`
  }

  it("runs each pattern's files in sorted order, each once, after the files before it", async () => {
    const { rows } = await stack.db.query<{ file: string }>(
      "select file from public.seed_runs order by n"
    )
    expect(rows.map((row) => row.file)).toEqual(["01_first", "02_second", "10_third"])
    const notes = await stack.db.query<{ n: number }>("select count(*)::int as n from public.notes")
    expect(notes.rows[0]?.n).toBe(1)
  })

  it("logs a pattern that matches nothing, as the CLI warns, and still boots", () => {
    expect(logged).toContain("[seed] WARN: no files matched pattern: ./fixtures/*.sql")
  })
})
