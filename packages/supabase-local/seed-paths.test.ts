import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { resolveSeedPaths, segmentPattern } from "./seed-paths"

// `[db.seed] sql_paths` read as the Supabase CLI's Glob.Files reads it (pkg/config/config.go).
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), "lmx-seed-paths-"))
  dirs.push(dir)
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), "select 1;")
  }
  return dir
}

describe("seed paths as the Supabase CLI resolves them", () => {
  it("runs each pattern's matches sorted, patterns in the order written, each file once", () => {
    const dir = project(["seed.sql", "seeds/b.sql", "seeds/a.sql", "seeds/10.sql", "seeds/B.sql"])
    const files = resolveSeedPaths(dir, ["./seeds/b.sql", "./seed.sql", "./seeds/*.sql"])
    expect(files.map((file) => path.relative(dir, file))).toEqual([
      "seeds/b.sql",
      "seed.sql",
      // Byte order, as Go's sort.Strings: digits, then capitals, then lower case.
      "seeds/10.sql",
      "seeds/B.sql",
      "seeds/a.sql",
    ])
  })

  it("warns about a pattern that matches nothing and runs the others", () => {
    const dir = project(["seeds/a.sql"])
    const warnings: string[] = []
    const files = resolveSeedPaths(dir, ["./seed.sql", "./seeds/*.sql", "./other/*.sql"], (line) =>
      warnings.push(line)
    )
    expect(files.map((file) => path.relative(dir, file))).toEqual(["seeds/a.sql"])
    expect(warnings).toEqual([
      "WARN: no files matched pattern: ./seed.sql",
      "WARN: no files matched pattern: ./other/*.sql",
    ])
  })

  it("matches * within one directory level, ?, classes, and globs in directory names", () => {
    const dir = project(["seeds/a1.sql", "seeds/b2.sql", "seeds/deep/c3.sql", "more/x/d4.sql"])
    const rel = (patterns: string[]) =>
      resolveSeedPaths(dir, patterns).map((file) => path.relative(dir, file))
    expect(rel(["seeds/*.sql"])).toEqual(["seeds/a1.sql", "seeds/b2.sql"])
    expect(rel(["seeds/?2.sql"])).toEqual(["seeds/b2.sql"])
    expect(rel(["seeds/[a-b]1.sql"])).toEqual(["seeds/a1.sql"])
    expect(rel(["seeds/[^a]*.sql"])).toEqual(["seeds/b2.sql"])
    expect(rel(["*/*/*.sql"])).toEqual(["more/x/d4.sql", "seeds/deep/c3.sql"])
  })

  it("warns about a malformed pattern instead of failing", () => {
    const dir = project(["seed.sql"])
    const warnings: string[] = []
    expect(resolveSeedPaths(dir, ["./seeds/[a.sql", "seed.sql"], (l) => warnings.push(l))).toEqual([
      path.join(dir, "seed.sql"),
    ])
    expect(warnings).toEqual([
      "WARN: failed to glob files: syntax error in pattern: ./seeds/[a.sql",
    ])
  })

  it("reads path.Match's escapes and rejects what Go rejects", () => {
    expect(segmentPattern("a\\*b")?.test("a*b")).toBe(true)
    expect(segmentPattern("a\\*b")?.test("axb")).toBe(false)
    expect(segmentPattern("[]]")).toBeNull()
    expect(segmentPattern("x\\")).toBeNull()
  })
})
