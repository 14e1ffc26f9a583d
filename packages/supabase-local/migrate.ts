import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import path from "node:path"

import { isPgError, type Database, type Queryable } from "./db/types"
import { createExtensionLine, missingExtension, missingExtensionMessage } from "./extensions"

export class SqlFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly cause: unknown
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const where = line === undefined ? file : `${file}:${line}`
    super(`${where}: ${reason}`)
  }
}

/** The 1-based line of a character offset that Postgres reports in error.position. */
function lineAt(sql: string, position: string | number | undefined): number | undefined {
  const offset = Number(position)
  if (!Number.isFinite(offset) || offset < 1) return undefined

  return sql.slice(0, offset - 1).split("\n").length
}

/** Relative to the current directory when the file is under it, absolute otherwise. */
function displayPath(file: string) {
  const relative = path.relative(process.cwd(), file)

  return relative && !relative.startsWith("..") ? relative : path.resolve(file)
}

/**
 * The search path migrations and seeds run with: hosted Supabase's for the postgres role that
 * runs them there ("$user", public, extensions; see bootstrap/60_platform_extensions.sql,
 * which makes it this database user's default). Set per file as well, since a connection
 * opened before that default existed keeps its old path, and a file's own session-level
 * `set search_path` (pg_dump writes one) must not leak into the next file.
 */
const PLATFORM_SEARCH_PATH = `set local search_path to "$user", public, extensions`

/**
 * Runs one SQL file in its own transaction, so a failure leaves nothing behind; `record`
 * runs in the same transaction, on its connection.
 */
async function applyFile(
  db: Database,
  file: string,
  record?: (tx: Queryable, sql: string) => Promise<unknown>,
  sql = readFileSync(file, "utf8")
) {
  try {
    await db.transaction(async (tx) => {
      await tx.exec(PLATFORM_SEARCH_PATH)
      await tx.exec(sql)
      if (record) await record(tx, sql)
    })
  } catch (error) {
    const missing = missingExtension(error)
    if (missing !== undefined) {
      const reason = missingExtensionMessage(missing, db.engine)
      throw new SqlFileError(displayPath(file), createExtensionLine(sql, missing), reason)
    }
    throw new SqlFileError(
      displayPath(file),
      isPgError(error) ? lineAt(sql, error.position) : undefined,
      error
    )
  }
}

/** A SQL file's path and text, read once per boot and shared by whoever needs the text. */
export type SqlText = { file: string; sql: string }

/** The .sql files of a folder with their text, in name order (none when it is missing). */
export function readSqlFiles(dir: string): SqlText[] {
  return sqlFiles(dir).map((file) => ({ file, sql: readFileSync(file, "utf8") }))
}

/** The .sql files of a folder, in name order (none when it is missing). */
export function sqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return []

  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => path.join(dir, name))
}

/**
 * Applies the local platform bootstrap (bootstrap/*.sql in this package): once per file,
 * recorded with its checksum. A file that changed after it was applied is reported, since
 * only a reset applies it again.
 */
export async function applyBootstrap(db: Database, dir: string): Promise<string[]> {
  await db.exec(`
    create schema if not exists _local;
    create table if not exists _local.bootstrap (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );
  `)
  const applied = new Map(
    (
      await db.query<{ name: string; checksum: string }>(
        "select name, checksum from _local.bootstrap"
      )
    ).rows.map((row) => [row.name, row.checksum])
  )
  const warnings: string[] = []
  for (const file of sqlFiles(dir)) {
    const name = path.basename(file)
    const checksum = createHash("sha256").update(readFileSync(file)).digest("hex")
    const previous = applied.get(name)
    if (previous === checksum) continue
    if (previous !== undefined) {
      warnings.push(`${name} changed since it was applied; run with --reset to apply it again`)
      continue
    }
    await applyFile(db, file, (tx) =>
      tx.query("insert into _local.bootstrap (name, checksum) values ($1, $2)", [name, checksum])
    )
  }

  return warnings
}

export type MigrationResult = { applied: string[]; total: number; fresh: boolean }

/**
 * A migration file that is no longer the text this database applied. Applying it again would
 * skip the change silently (its version is recorded), so the stack refuses to boot instead.
 */
export class ChangedMigrationError extends Error {
  constructor(readonly files: string[]) {
    const list = files.join(", ")
    super(
      `${list} changed since ${files.length === 1 ? "it was" : "they were"} applied to this database. ` +
        "An applied migration is never edited: put the change in a new migration, or start again " +
        "with --reset (npm run dev -- --reset) to rebuild the database from the current files, " +
        "losing its data."
    )
  }
}

function sha256(text: string) {
  return createHash("sha256").update(text).digest("hex")
}

/**
 * Applies supabase/migrations/<version>_<name>.sql in order, each in its own transaction,
 * recorded in supabase_migrations.schema_migrations as the Supabase CLI records them.
 * Before applying anything it checks that every applied file is still the text it applied.
 */
export async function applyMigrations(
  db: Database,
  dir: string,
  texts: SqlText[] = readSqlFiles(dir)
): Promise<MigrationResult> {
  const existed = await db.query<{ present: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present"
  )
  const fresh = !existed.rows[0]?.present
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );
  `)
  // `statements` already records what was applied (the CLI's column; this stack stores the
  // whole file as its one element), so the check needs no column of its own: its checksum is
  // compared with the file's. Rows in another shape (the CLI splits a file into statements)
  // cannot be compared and are trusted. The database hashes them, so a warm boot does not
  // carry every applied file's text back to compare it.
  const recorded = new Map(
    (
      await db.query<{ version: string; checksum: string | null }>(
        `select version,
                case when cardinality(statements) = 1
                  then encode(sha256(convert_to(statements[1], 'UTF8')), 'hex') end as checksum
           from supabase_migrations.schema_migrations`
      )
    ).rows.map((row) => [row.version, row.checksum ?? undefined])
  )
  const files = texts.map(({ file, sql }) => {
    const match = /^(\d+)_(.+)\.sql$/.exec(path.basename(file))
    if (!match) {
      throw new SqlFileError(
        displayPath(file),
        undefined,
        "migration files are named <timestamp>_<name>.sql"
      )
    }

    return { file, version: match[1]!, name: match[2]!, sql }
  })
  const changed = files.filter(({ version, sql }) => {
    const checksum = recorded.get(version)

    return checksum !== undefined && checksum !== sha256(sql)
  })
  if (changed.length > 0)
    throw new ChangedMigrationError(changed.map(({ file }) => displayPath(file)))

  const applied: string[] = []
  for (const { file, version, name, sql } of files) {
    if (recorded.has(version)) continue
    await applyFile(
      db,
      file,
      (tx) =>
        tx.query(
          "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
          [version, [sql], name]
        ),
      sql
    )
    applied.push(path.basename(file))
  }

  return { applied, total: files.length, fresh }
}

/** Runs the seed files in one transaction. */
export async function applySeed(db: Database, files: string[]): Promise<string[]> {
  const present = files.filter((file) => existsSync(file))
  for (const file of present) await applyFile(db, file)

  return present.map(displayPath)
}

export const BOOTSTRAP_DIR = path.join(import.meta.dirname, "bootstrap")

/**
 * Boot order: platform bootstrap, migrations, then the seed on a fresh database.
 * `fromTemplate`: the database was unpacked from a migrated template of these very files
 * (db/migrated-image.ts), so it counts as fresh: every migration was applied for it, and it
 * gets the seed. `onMigrated` runs on a fresh database between the migrations and the seed.
 */
export async function prepareDatabase(
  db: Database,
  {
    migrationsDir,
    migrationTexts,
    seedFiles,
    fromTemplate = false,
    onMigrated,
    onPhase,
  }: {
    migrationsDir: string
    /** The migrations' text when the caller has read it already (stack.ts). */
    migrationTexts?: SqlText[]
    seedFiles: string[]
    fromTemplate?: boolean
    onMigrated?: () => Promise<void>
    /** Called as the migrations ("migrate") and then the seed ("seed") are done, for timings. */
    onPhase?: (phase: "migrate" | "seed") => void
  }
) {
  const warnings = await applyBootstrap(db, BOOTSTRAP_DIR)
  // PGlite's one session opened before bootstrap/60 made this its role's default on a new
  // database; it serves every query after boot, so it takes the platform path now as well.
  if (db.engine === "pglite") await db.exec(PLATFORM_SEARCH_PATH.replace("set local", "set"))
  let migrations = await applyMigrations(db, migrationsDir, migrationTexts)
  if (fromTemplate) {
    migrations = {
      ...migrations,
      applied: sqlFiles(migrationsDir).map((file) => path.basename(file)),
      fresh: true,
    }
  } else if (migrations.fresh) {
    await onMigrated?.()
  }
  onPhase?.("migrate")
  const seeded = migrations.fresh ? await applySeed(db, seedFiles) : []
  if (migrations.fresh) onPhase?.("seed")

  return { warnings, migrations, seeded }
}
