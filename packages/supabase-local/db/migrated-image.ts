import { createHash, randomBytes } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs"
import { cp } from "node:fs/promises"
import path from "node:path"

import { IMAGE_CACHE_DIR, pgliteVersion } from "./pglite"
import { type Database } from "./types"

/**
 * A template of a migrated database for new PGlite directories, as Postgres's createdb copies
 * template1: the first start on a new directory applies the bootstrap and the migrations, then
 * keeps a copy of its data directory (before the seed and the stack's keys, which each
 * directory gets fresh). Later new directories are copied from it with the file system's own
 * copy and opened as existing data, instead of applying dozens of files again (or unpacking a
 * tar image inside PGlite's WebAssembly file system, which cost about four times the copy).
 * Named by a hash of the PGlite version and every bootstrap and migration file, so any edit
 * makes a new one and a stale one is never opened; the newest few are kept (switching
 * branches, test fixtures).
 */
export type MigratedTemplate = {
  /** The template's data directory. */
  dir: string
  /** Whether it exists for these files. */
  exists: boolean
}

const PREFIX = "pglite-migrated-"
const KEEP = 4

function sqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return []

  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => path.join(dir, name))
}

export function migratedTemplate(
  bootstrapDir: string,
  migrationsDir: string,
  /** The migrations' text when the caller has read it already (stack.ts reads it once). */
  migrations: { file: string; sql: string }[] = sqlFiles(migrationsDir).map((file) => ({
    file,
    sql: readFileSync(file, "utf8"),
  })),
  /** Where templates are kept; tests pass their own, so their saves never prune real ones. */
  cacheDir: string = IMAGE_CACHE_DIR
): MigratedTemplate {
  const hash = createHash("sha256").update(`${pgliteVersion()}\0`)
  for (const file of sqlFiles(bootstrapDir)) {
    hash.update(`bootstrap/${path.basename(file)}\0`).update(readFileSync(file))
  }
  for (const { file, sql } of migrations) {
    hash.update(`migrations/${path.basename(file)}\0`).update(sql)
  }
  const dir = path.join(cacheDir, `${PREFIX}${hash.digest("hex").slice(0, 24)}`)

  // Only a complete copy is ever renamed to this name (saveMigratedTemplate).
  return { dir, exists: existsSync(path.join(dir, "PG_VERSION")) }
}

/** Keeps the database's current state as the template; failing to is never an error. */
export async function saveMigratedTemplate(db: Database, template: MigratedTemplate) {
  if (!db.copyDataDir) return
  // Copied aside and renamed, so concurrent boots never open half a copy.
  const partial = `${template.dir}.${randomBytes(4).toString("hex")}.partial`
  // The folder the template was named in, never another: pruning below only sees its peers.
  const cacheDir = path.dirname(template.dir)
  try {
    mkdirSync(cacheDir, { recursive: true })
    await db.copyDataDir(partial)
    renameSync(partial, template.dir)
  } catch {
    // A read-only checkout still boots; new directories just apply the migrations each time.
    // Another boot may have renamed its copy first: theirs is as good as this one.
    rmSync(partial, { recursive: true, force: true })
    return
  }
  try {
    const names = readdirSync(cacheDir).filter((name) => name.startsWith(PREFIX))
    const older = names
      .filter((name) => !/\.(partial|tar|spare)$/.test(name))
      .map((name) => path.join(cacheDir, name))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
      .slice(KEEP)
      .flatMap((dir) => [dir, `${dir}.spare`])
    // The tar images earlier versions of the stack kept are never read now.
    const tars = names
      .filter((name) => name.endsWith(".tar"))
      .map((name) => path.join(cacheDir, name))
    // A copy left by a boot that died while making it (an hour is far longer than a copy).
    const abandoned = names
      .filter((name) => name.endsWith(".partial"))
      .map((name) => path.join(cacheDir, name))
      .filter((file) => statSync(file).mtimeMs < Date.now() - 3_600_000)
    for (const old of [...older, ...tars, ...abandoned])
      rmSync(old, { recursive: true, force: true })
  } catch {
    // Pruning is housekeeping; the next save tries again.
  }
}

/** A damaged template must not fail every later boot: the next new directory makes it again. */
export function dropMigratedTemplate(template: MigratedTemplate) {
  rmSync(template.dir, { recursive: true, force: true })
  rmSync(spareOf(template), { recursive: true, force: true })
}

/**
 * A ready copy of the template beside it, so a new directory is the spare renamed into place
 * (instant on one file system) rather than a copy made while the stack boots. The boot that
 * takes it makes the next one after it is up (replenishSpareTemplate).
 */
function spareOf(template: MigratedTemplate) {
  return `${template.dir}.spare`
}

/** Moves the spare copy to `dataDir` (new or empty); false when there is none or it cannot. */
export function takeSpareTemplate(template: MigratedTemplate, dataDir: string): boolean {
  const spare = spareOf(template)
  if (!existsSync(path.join(spare, "PG_VERSION"))) return false
  try {
    if (existsSync(dataDir) && readdirSync(dataDir).length === 0) rmdirSync(dataDir)
    mkdirSync(path.dirname(dataDir), { recursive: true })
    // Atomic: of two boots taking it at once, one gets it and the other copies the template.
    renameSync(spare, dataDir)
    return true
  } catch {
    // Another file system (EXDEV), or another boot took it first.
    return false
  }
}

/**
 * Makes the spare copy when there is none, without blocking the event loop (the stack is
 * serving by then). Failing to is never an error: the next new directory copies the template.
 */
export async function replenishSpareTemplate(template: MigratedTemplate): Promise<void> {
  const spare = spareOf(template)
  if (!existsSync(path.join(template.dir, "PG_VERSION")) || existsSync(spare)) return
  const partial = `${spare}.${randomBytes(4).toString("hex")}.partial`
  try {
    await cp(template.dir, partial, { recursive: true })
    renameSync(partial, spare)
  } catch {
    rmSync(partial, { recursive: true, force: true })
  }
}
