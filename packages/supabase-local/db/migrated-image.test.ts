import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { migratedTemplate, saveMigratedTemplate } from "./migrated-image"
import { type Database } from "./types"

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A bootstrap folder and a migrations folder with the given files. */
function project(bootstrap: Record<string, string>, migrations: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), "lmx-template-"))
  made.push(root)
  const dirs = {
    bootstrap: path.join(root, "bootstrap"),
    migrations: path.join(root, "migrations"),
  }
  for (const [dir, files] of [
    [dirs.bootstrap, bootstrap],
    [dirs.migrations, migrations],
  ] as const) {
    mkdirSync(dir)
    for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql)
  }

  return dirs
}

const BOOTSTRAP = { "10_roles.sql": "create role anon;" }
const MIGRATIONS = {
  "20250101000000_first.sql": "create table a (id int);",
  "20250102000000_second.sql": "create table b (id int);",
}
const templateOf = (dirs: ReturnType<typeof project>) =>
  migratedTemplate(dirs.bootstrap, dirs.migrations)

describe("the migrated template's name", () => {
  it("is the same for the same files wherever they are", () => {
    expect(templateOf(project(BOOTSTRAP, MIGRATIONS)).dir).toBe(
      templateOf(project(BOOTSTRAP, MIGRATIONS)).dir
    )
  })

  it("changes with any edit to a migration or a bootstrap file, so a stale one is never opened", () => {
    const base = templateOf(project(BOOTSTRAP, MIGRATIONS)).dir
    const variants = [
      project(BOOTSTRAP, {
        ...MIGRATIONS,
        "20250102000000_second.sql": "create table b (id bigint);",
      }),
      project(BOOTSTRAP, { ...MIGRATIONS, "20250103000000_third.sql": "select 1;" }),
      project(BOOTSTRAP, {
        "20250101000000_first.sql": MIGRATIONS["20250101000000_first.sql"],
        "20250102000000_renamed.sql": MIGRATIONS["20250102000000_second.sql"],
      }),
      project({ "10_roles.sql": "create role anon nologin;" }, MIGRATIONS),
    ]
    const names = variants.map((dirs) => templateOf(dirs).dir)
    expect(new Set([base, ...names]).size).toBe(variants.length + 1)
  })
})

describe("saving the migrated template", () => {
  it("exists only once the whole copy is in place, and never for a copy that failed", async () => {
    const dirs = project(BOOTSTRAP, { "20250101000000_only.sql": `-- ${Math.random()}` })
    const template = templateOf(dirs)
    made.push(template.dir)
    expect(template.exists).toBe(false)

    const failing: Pick<Database, "copyDataDir"> = {
      async copyDataDir(target) {
        mkdirSync(target)
        writeFileSync(path.join(target, "PG_VERSION"), "17")
        throw new Error("disk full")
      },
    }
    await saveMigratedTemplate(failing as Database, template)
    expect(templateOf(dirs).exists).toBe(false)

    const copying: Pick<Database, "copyDataDir"> = {
      async copyDataDir(target) {
        mkdirSync(target)
        writeFileSync(path.join(target, "PG_VERSION"), "17")
      },
    }
    await saveMigratedTemplate(copying as Database, template)
    expect(templateOf(dirs).exists).toBe(true)
  })
})
