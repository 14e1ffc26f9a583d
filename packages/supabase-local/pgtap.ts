import { existsSync, readdirSync, readFileSync } from "node:fs"
import path from "node:path"

import type pg from "pg"

import { loadStackConfig } from "./config"
import { openDatabase, type StorageOptions } from "./db/open"
import { isPgError, type Database } from "./db/types"
import { extensionsNamedIn } from "./extensions"
import { prepareDatabase, sqlFiles } from "./migrate"
import { resolveSeedPaths } from "./seed-paths"

// `npm run supabase:local -- test`: a project's pgTAP tests, as `supabase test db` runs them
// (the Supabase CLI's internal/db/test/test.go): pgTAP enabled in schema extensions for the
// run (and dropped after when the run created it), then every .sql and .pg file under
// supabase/tests, recursively and in name order, as `pg_prove --ext .pg --ext .sql -r` does,
// each file on a session of its own with the migration role's search path.

export class PgTapError extends Error {}

/** Where Debian's postgresql-NN-pgtap puts pgTAP; newest server version first. */
const SYSTEM_EXTENSION_DIRS = ["/usr/share/postgresql"]

/**
 * pgTAP's control and script files from the system's Postgres packages. pgTAP is plain SQL
 * and PL/pgSQL (its control file names a module it never loads), so PGlite runs it as is.
 */
export function findPgTap(roots = SYSTEM_EXTENSION_DIRS): Record<string, string> | undefined {
  for (const root of roots) {
    if (!existsSync(root)) continue
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
    for (const version of versions) {
      const dir = path.join(root, version, "extension")
      const control = path.join(dir, "pgtap.control")
      if (!existsSync(control)) continue
      const text = readFileSync(control, "utf8")
      const defaultVersion = /default_version\s*=\s*'([^']+)'/.exec(text)?.[1]
      const script = `pgtap--${defaultVersion}.sql`
      if (!defaultVersion || !existsSync(path.join(dir, script))) continue

      return { "pgtap.control": text, [script]: readFileSync(path.join(dir, script), "utf8") }
    }
  }

  return undefined
}

/** Every test file under dir, recursively, as pg_prove -r finds them (.sql and .pg). */
export function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files.push(...testFiles(full))
    else if (/\.(sql|pg)$/.test(entry.name)) files.push(full)
  }

  return files.sort()
}

/** The TAP lines among a result's values: psql prints every row, the TAP parser keeps these. */
function tapLines(values: unknown[]): string[] {
  return values
    .filter((value): value is string => typeof value === "string")
    .flatMap((value) => value.split("\n"))
    .filter((line) => /^(ok\b|not ok\b|#|1\.\.\d+|Bail out!)/.test(line))
}

export type FileOutcome = { file: string; tap: string[]; passed: boolean; problem?: string }

/**
 * Judges one file's TAP as TAP::Harness does: every test ok (or TODO), the count matching the
 * plan, no bail-out.
 */
export function judge(tap: string[]): { passed: boolean; problem?: string } {
  const plan = tap.map((line) => /^1\.\.(\d+)/.exec(line)?.[1]).find(Boolean)
  const results = tap.filter((line) => /^(ok|not ok)\b/.test(line))
  const failed = results.filter((line) => line.startsWith("not ok") && !/#\s*TODO/i.test(line))
  if (tap.some((line) => line.startsWith("Bail out!")))
    return { passed: false, problem: "bailed out" }
  if (plan === undefined) return { passed: false, problem: "no plan" }
  if (Number(plan) !== results.length) {
    return { passed: false, problem: `planned ${plan} tests but ran ${results.length}` }
  }
  if (failed.length > 0) return { passed: false, problem: `failed ${failed.length}/${plan}` }

  return { passed: true }
}

type Session = { run(sql: string): Promise<unknown[][]>; close(): Promise<void> }

/** A session of its own per file: PGlite's one session, or a new Postgres connection. */
async function openSession(db: Database, storage: StorageOptions): Promise<Session> {
  if (storage.engine === "postgres") {
    // Loaded here: the stack's start (the same bundle) does not need node-postgres.
    const { default: pg } = await import("pg")
    const client = new pg.Client({ connectionString: storage.url })
    await client.connect()
    return {
      async run(sql) {
        const results = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[]
        return (Array.isArray(results) ? results : [results]).map((result) =>
          (result.rows ?? []).flatMap((row: Record<string, unknown>) => Object.values(row))
        )
      },
      close: () => client.end(),
    }
  }

  return {
    async run(sql) {
      const results = await db.scriptResults!(sql)
      return results.map((result) => result.rows.flatMap((row) => Object.values(row)))
    },
    // A file that failed inside its own BEGIN leaves the session in that transaction.
    close: () => db.exec("rollback").catch(() => undefined),
  }
}

export type PgTapRun = { files: FileOutcome[]; passed: boolean }

/**
 * Runs the project's pgTAP tests. On PGlite, on a new in-memory database built from the
 * project's migrations and seed (never on a data directory a running stack may hold), with
 * pgTAP's SQL from the system's postgresql-NN-pgtap package; on Postgres, on that database,
 * with its pending migrations applied first, as the running stack would.
 */
export async function runPgTap({
  root,
  storage,
  print,
}: {
  root: string
  storage: StorageOptions
  print: (line: string) => void
}): Promise<PgTapRun> {
  const supabaseDir = path.join(root, "supabase")
  const config = loadStackConfig(path.join(supabaseDir, "config.toml"))
  const files = testFiles(path.join(supabaseDir, "tests"))
  const migrationsDir = path.join(supabaseDir, "migrations")
  const seedFiles = config.db.seed.enabled
    ? resolveSeedPaths(supabaseDir, config.db.seed.sql_paths, (line) =>
        process.stderr.write(`${line}\n`)
      )
    : []
  const target: StorageOptions =
    storage.engine === "pglite"
      ? {
          engine: "pglite",
          extensions: extensionsNamedIn([...sqlFiles(migrationsDir), ...seedFiles, ...files]),
        }
      : storage
  const db = await openDatabase(target)
  try {
    await prepareDatabase(db, { migrationsDir, seedFiles })
    if (db.addExtensionFiles) {
      const pgtap = findPgTap()
      if (!pgtap) {
        throw new PgTapError(
          "pgTAP is not installed. Its SQL runs on PGlite as it is; install Debian's " +
            "postgresql-15-pgtap (apt-get install postgresql-15-pgtap) and run again."
        )
      }
      await db.addExtensionFiles(pgtap)
    }
    const existed = await db.query("select 1 from pg_extension where extname = 'pgtap'")
    try {
      await db.exec("create extension if not exists pgtap with schema extensions")
    } catch (error) {
      const reason = isPgError(error) ? error.message : String(error)
      throw new PgTapError(
        `failed to enable pgTAP: ${reason}. On Postgres, install it on the server ` +
          "(Debian: apt-get install postgresql-15-pgtap)."
      )
    }

    const outcomes: FileOutcome[] = []
    for (const file of files) {
      const shown = path.relative(root, file)
      print(`# ${shown}`)
      const session = await openSession(db, target)
      let outcome: FileOutcome
      try {
        await session.run(`set search_path to "$user", public, extensions`)
        const tap = (await session.run(readFileSync(file, "utf8"))).flatMap(tapLines)
        for (const line of tap) print(line)
        outcome = { file: shown, tap, ...judge(tap) }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        print(`# ${shown}: ${reason}`)
        outcome = { file: shown, tap: [], passed: false, problem: `error: ${reason}` }
      } finally {
        await session.close()
      }
      outcomes.push(outcome)
    }
    if (existed.rows.length === 0 && storage.engine === "postgres") {
      await db.exec("drop extension if exists pgtap")
    }

    const tests = outcomes.reduce(
      (sum, outcome) => sum + outcome.tap.filter((line) => /^(ok|not ok)\b/.test(line)).length,
      0
    )
    for (const outcome of outcomes.filter((outcome) => !outcome.passed)) {
      print(`${outcome.file}: ${outcome.problem}`)
    }
    const passed = outcomes.every((outcome) => outcome.passed)
    print(`Files=${outcomes.length}, Tests=${tests}`)
    print(
      outcomes.length === 0
        ? `Result: NOTESTS (no .sql or .pg files under ${path.relative(root, path.join(supabaseDir, "tests")) || "."})`
        : `Result: ${passed ? "PASS" : "FAIL"}`
    )

    return { files: outcomes, passed }
  } finally {
    await db.close()
  }
}
