import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, afterEach, describe, expect, it } from "vitest"

import {
  dropMigratedTemplate,
  migratedTemplate,
  replenishSpareTemplate,
  saveMigratedTemplate,
  takeSpareTemplate,
} from "./migrated-image"
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
// The tests' templates live in a folder of their own: saved into the stack's real cache, they
// would be its newest and prune the templates the other suites boot from.
const cacheDir = mkdtempSync(path.join(tmpdir(), "lmx-template-cache-"))
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }))
const templateOf = (dirs: ReturnType<typeof project>, cache = cacheDir) =>
  migratedTemplate(dirs.bootstrap, dirs.migrations, undefined, cache)

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

describe("the template's spare copy", () => {
  it("is made from the template, moved whole into one new directory, and made again", async () => {
    const dirs = project(BOOTSTRAP, { "20250101000000_only.sql": `-- ${Math.random()}` })
    const template = templateOf(dirs)
    made.push(template.dir, `${template.dir}.spare`)
    const data = mkdtempSync(path.join(tmpdir(), "lmx-spare-"))
    made.push(data)
    // No template yet: no spare, and none is made.
    await replenishSpareTemplate(template)
    expect(takeSpareTemplate(template, path.join(data, "a"))).toBe(false)

    await saveMigratedTemplate(
      {
        async copyDataDir(target: string) {
          mkdirSync(path.join(target, "base"), { recursive: true })
          writeFileSync(path.join(target, "PG_VERSION"), "17")
          writeFileSync(path.join(target, "base", "table"), "rows")
        },
      } as Database,
      template
    )
    await replenishSpareTemplate(template)
    // An empty directory (as the stack makes it) is replaced by the spare.
    mkdirSync(path.join(data, "a"))
    expect(takeSpareTemplate(template, path.join(data, "a"))).toBe(true)
    expect(readFileSync(path.join(data, "a", "base", "table"), "utf8")).toBe("rows")
    // Taken: the next directory copies the template until a new spare is made.
    expect(takeSpareTemplate(template, path.join(data, "b"))).toBe(false)
    await replenishSpareTemplate(template)
    expect(takeSpareTemplate(template, path.join(data, "b"))).toBe(true)
    // A directory that already holds files is never replaced.
    await replenishSpareTemplate(template)
    writeFileSync(path.join(data, "c"), "")
    mkdirSync(path.join(data, "d"))
    writeFileSync(path.join(data, "d", "mine"), "keep")
    expect(takeSpareTemplate(template, path.join(data, "d"))).toBe(false)
    expect(readFileSync(path.join(data, "d", "mine"), "utf8")).toBe("keep")

    // Dropping a damaged template drops its spare too.
    dropMigratedTemplate(template)
    expect(existsSync(`${template.dir}.spare`)).toBe(false)
    expect(takeSpareTemplate(template, path.join(data, "e"))).toBe(false)
  })
})

describe("pruning old templates", () => {
  const copying = {
    async copyDataDir(target: string) {
      mkdirSync(target)
      writeFileSync(path.join(target, "PG_VERSION"), "17")
    },
  } as Database

  it("keeps the newest four of its own folder with their spares, and touches no other folder", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "lmx-template-prune-"))
    const other = mkdtempSync(path.join(tmpdir(), "lmx-template-other-"))
    made.push(cache, other)
    const bystander = templateOf(project(BOOTSTRAP, { "20250101000000_x.sql": "-- other" }), other)
    await saveMigratedTemplate(copying, bystander)

    const saved = []
    for (let i = 0; i < 6; i++) {
      const template = templateOf(
        project(BOOTSTRAP, { "20250101000000_only.sql": `-- ${i}` }),
        cache
      )
      await saveMigratedTemplate(copying, template)
      await replenishSpareTemplate(template)
      saved.push(template)
      // Pruning orders by modification time; a millisecond clock can tie two saves.
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const kept = saved.map((t) => [existsSync(t.dir), existsSync(`${t.dir}.spare`)])
    // Each save prunes before its own spare is made, so the last save's pruning saw five.
    expect(kept).toEqual([
      [false, false],
      [false, false],
      [true, true],
      [true, true],
      [true, true],
      [true, true],
    ])
    expect(
      templateOf(project(BOOTSTRAP, { "20250101000000_x.sql": "-- other" }), other).exists
    ).toBe(true)
  })
})
