import { createHash, randomBytes } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import path from "node:path"

import { IMAGE_CACHE_DIR, pgliteVersion } from "./pglite"
import { type Database } from "./types"

/**
 * A template of a migrated database for new PGlite directories, as Postgres's createdb copies
 * template1: the first start on a new directory applies the bootstrap and the migrations, then
 * keeps a tar image of the result (before the seed and the stack's keys, which each directory
 * gets fresh). Later new directories unpack that image instead of applying dozens of files
 * again. Named by a hash of the PGlite version and every bootstrap and migration file, so any
 * edit makes a new one; the newest few are kept (switching branches, test fixtures).
 */
export type MigratedTemplate = {
  file: string
  /** The image, when one exists for these files. */
  image?: Blob
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
  }))
): MigratedTemplate {
  const hash = createHash("sha256").update(`${pgliteVersion()}\0`)
  for (const file of sqlFiles(bootstrapDir)) {
    hash.update(`bootstrap/${path.basename(file)}\0`).update(readFileSync(file))
  }
  for (const { file, sql } of migrations) {
    hash.update(`migrations/${path.basename(file)}\0`).update(sql)
  }
  const file = path.join(IMAGE_CACHE_DIR, `${PREFIX}${hash.digest("hex").slice(0, 24)}.tar`)
  if (!existsSync(file)) return { file }
  try {
    return { file, image: new Blob([readFileSync(file)]) }
  } catch {
    return { file }
  }
}

/** Keeps the database's current state as the template; failing to is never an error. */
export async function saveMigratedTemplate(db: Database, template: MigratedTemplate) {
  if (!db.dumpImage) return
  try {
    const image = await db.dumpImage()
    mkdirSync(IMAGE_CACHE_DIR, { recursive: true })
    // Written aside and renamed, so concurrent boots never read half a file.
    const partial = `${template.file}.${randomBytes(4).toString("hex")}.partial`
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
    renameSync(partial, template.file)
    const older = readdirSync(IMAGE_CACHE_DIR)
      .filter((name) => name.startsWith(PREFIX) && name.endsWith(".tar"))
      .map((name) => path.join(IMAGE_CACHE_DIR, name))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
      .slice(KEEP)
    for (const file of older) rmSync(file, { force: true })
  } catch {
    // A read-only checkout still boots; new directories just apply the migrations each time.
  }
}

/** A damaged template must not fail every later boot: the next new directory makes it again. */
export function dropMigratedTemplate(template: MigratedTemplate) {
  rmSync(template.file, { force: true })
}
