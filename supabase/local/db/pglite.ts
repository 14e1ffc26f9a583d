import { existsSync, mkdirSync } from "node:fs"
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

/** Opens PGlite in a directory (created if missing) or in memory when dataDir is undefined. */
export async function openPglite(dataDir?: string): Promise<Database> {
  // Extensions hosted Supabase offers that migrations may create.
  const extensions = { pgcrypto, pg_trgm }
  let pg: PGlite
  if (!dataDir) {
    pg = await PGlite.create({ extensions })
  } else if (existsSync(path.join(dataDir, "PG_VERSION"))) {
    pg = await PGlite.create({ dataDir, extensions })
  } else {
    // initdb straight onto the host file system costs several seconds of small synced
    // writes; initdb in memory and unpacking the resulting cluster takes a fraction of that.
    mkdirSync(dataDir, { recursive: true })
    const scratch = await PGlite.create()
    const image = await scratch.dumpDataDir("none")
    await scratch.close()
    pg = await PGlite.create({ dataDir, extensions, loadDataDir: image })
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
    async close() {
      // close() checkpoints and syncs the data directory, so nothing written is lost.
      if (!pg.closed) await pg.close()
    },
  }
}
