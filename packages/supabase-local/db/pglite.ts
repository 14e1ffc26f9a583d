import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"

import { PGlite, types } from "@electric-sql/pglite"
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm"
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto"

import { type Database, type Queryable, type QueryResult } from "./types"

// The local stack hands rows to JSON serialisers of its own; keep timestamps and bigints as
// the text Postgres sends so both engines return the same values.
const textParsers = {
  [types.TIMESTAMPTZ]: (value: string) => value,
  [types.TIMESTAMP]: (value: string) => value,
  [types.DATE]: (value: string) => value,
  [types.INT8]: (value: string) => value,
  [types.NUMERIC]: (value: string) => value,
}

function wrap(target: Pick<PGlite, "query" | "exec">): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params, { parsers: textParsers })
      return {
        rows: result.rows,
        rowCount: result.affectedRows ?? result.rows.length,
        fields: result.fields,
      }
    },
    async exec(sql: string) {
      await target.exec(sql)
    },
  }
}

// A freshly initialised cluster (initdb's output) is the same every time for one PGlite
// version, and initdb is most of a cold start: keep its image once and unpack it after.
// Inside this package, so the cache never depends on the layout of the project it serves.
export const IMAGE_CACHE_DIR = path.resolve(import.meta.dirname, "../.local/cache")

export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite")
  let dir = path.dirname(entry)
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir)

  return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string })
    .version
}

function imageCacheFile(): string {
  return path.join(IMAGE_CACHE_DIR, `pglite-${pgliteVersion()}-initdb.tar`)
}

async function initdbImage(): Promise<Blob> {
  const file = imageCacheFile()
  if (existsSync(file)) return new Blob([readFileSync(file)])
  const scratch = await PGlite.create()
  const image = await scratch.dumpDataDir("none")
  await scratch.close()
  try {
    // Written aside and renamed, so concurrent boots never read half a file.
    mkdirSync(IMAGE_CACHE_DIR, { recursive: true })
    const partial = `${file}.${randomBytes(4).toString("hex")}.partial`
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()))
    renameSync(partial, file)
  } catch {
    // A read-only checkout still boots; it just runs initdb each time.
  }

  return image
}

/**
 * Opens PGlite in a directory (created if missing) or in memory when dataDir is undefined. A new
 * directory starts from `image` when given (a migrated template, see migrated-image.ts), else
 * from the initdb image.
 */
export async function openPglite(dataDir?: string, image?: Blob): Promise<Database> {
  // Extensions hosted Supabase offers that migrations may create.
  const extensions = { pgcrypto, pg_trgm }
  let pg: PGlite
  if (dataDir && existsSync(path.join(dataDir, "PG_VERSION"))) {
    pg = await PGlite.create({ dataDir, extensions })
  } else {
    // initdb straight onto the host file system costs seconds of small synced writes;
    // unpacking the initdb image (made in memory once, then cached) takes a fraction of that.
    if (dataDir) mkdirSync(dataDir, { recursive: true })
    try {
      pg = await PGlite.create({
        dataDir,
        extensions,
        loadDataDir: image ?? (await initdbImage()),
      })
    } catch (error) {
      // A damaged image must not fail every later boot: the next one makes it again.
      if (!image) rmSync(imageCacheFile(), { force: true })
      throw error
    }
  }
  const base = wrap(pg)

  return {
    engine: "pglite",
    location: dataDir ?? "memory",
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onNotify) {
      const unlisten = await pg.listen(channel, onNotify)
      return async () => unlisten()
    },
    async dumpImage() {
      await pg.query("checkpoint")
      return pg.dumpDataDir("none")
    },
    async close() {
      // close() checkpoints and syncs the data directory, so nothing written is lost.
      if (!pg.closed) await pg.close()
    },
  }
}
