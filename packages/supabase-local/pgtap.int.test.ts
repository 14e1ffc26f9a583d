import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { runPgTap } from "./pgtap"
import { createPersistentStorage, TEST_ENGINE } from "./testing/test-stack"

// `npm run supabase:local -- test` runs a project's supabase/tests as `supabase test db` does,
// on both engines (PGlite with pgTAP's SQL from the system's postgresql-15-pgtap).
const STARTER = path.join(import.meta.dirname, "testing/fixtures/hosted-starter")

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function starterWithTests(tests: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), "lmx-pgtap-"))
  cpSync(STARTER, root, { recursive: true })
  for (const [name, sql] of Object.entries(tests)) {
    writeFileSync(path.join(root, "supabase/tests/database", name), sql)
  }
  cleanups.push(() => rmSync(root, { recursive: true, force: true }))

  return root
}

async function run(root: string) {
  const throwaway = await createPersistentStorage()
  cleanups.push(() => throwaway.drop())
  const printed: string[] = []
  const result = await runPgTap({
    root,
    storage: throwaway.storage,
    print: (line) => printed.push(line),
  })

  return { ...result, printed }
}

describe(`pgTAP tests of a project (${TEST_ENGINE})`, () => {
  it("runs every test file with TAP output and passes when every test passes", async () => {
    const { passed, printed, files } = await run(STARTER)
    expect(files.map((file) => file.file)).toEqual([
      "supabase/tests/database/notes.sql",
      "supabase/tests/database/rls.test.sql",
    ])
    expect(printed).toContain("1..4")
    expect(printed).toContain("ok 4 - the seed wrote one note")
    expect(printed).toContain("ok 2 - anon cannot write notes")
    expect(printed.at(-1)).toBe("Result: PASS")
    expect(passed).toBe(true)
  })

  it("fails the run on a failing assertion, a short plan, or an SQL error", async () => {
    const root = starterWithTests({
      "wrong.sql":
        "begin; select plan(1); select is(1, 2, 'one is two'); select * from finish(); rollback;",
      "short.sql": "begin; select plan(3); select ok(true, 'only one'); rollback;",
      "broken.sql": "begin; select plan(1); select * from no_such_table; rollback;",
    })
    const { passed, printed, files } = await run(root)
    expect(passed).toBe(false)
    expect(printed).toContain("not ok 1 - one is two")
    const problems = Object.fromEntries(
      files.map((file) => [path.basename(file.file), file.problem])
    )
    expect(problems).toMatchObject({
      "wrong.sql": "failed 1/1",
      "short.sql": "planned 3 tests but ran 1",
      "broken.sql": expect.stringContaining('relation "no_such_table" does not exist'),
      "notes.sql": undefined,
    })
    expect(printed.at(-1)).toBe("Result: FAIL")
  })

  it.runIf(TEST_ENGINE === "pglite")("exits non-zero from the command on failure", () => {
    const root = starterWithTests({
      "wrong.sql": "begin; select plan(1); select ok(false, 'false is true'); rollback;",
    })
    const command = spawnSync(
      process.execPath,
      [path.join(import.meta.dirname, "bin/supabase-local.js"), "test", "--workdir", root],
      { encoding: "utf8", timeout: 120_000 }
    )
    expect(command.stdout).toContain("not ok 1 - false is true")
    expect(command.stdout).toContain("Result: FAIL")
    expect(command.status).toBe(1)
  })
})
