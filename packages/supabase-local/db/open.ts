import { openPglite } from "./pglite"
import { openPostgres, redactUrl } from "./postgres"
import { type Database } from "./types"

export type StorageOptions =
  | {
      engine: "pglite"
      dataDir?: string
      /** a new directory is copied from this data directory (a migrated template) */
      templateDir?: string
      /** PGlite extensions to load besides the defaults (db/pglite-extension-names.ts), or all */
      extensions?: readonly string[] | "all"
    }
  | { engine: "postgres"; url: string; poolSize?: number }

export class StorageError extends Error {}

/** Opens the storage engine, turning connection failures into messages that name the setting. */
export async function openDatabase(options: StorageOptions): Promise<Database> {
  if (options.engine === "pglite") {
    return openPglite(options.dataDir, options.templateDir, options.extensions)
  }
  try {
    return await openPostgres(options.url, { max: options.poolSize })
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error)
    throw new StorageError(`DATABASE_URL (${redactUrl(options.url)}) is unreachable: ${reason}`)
  }
}
