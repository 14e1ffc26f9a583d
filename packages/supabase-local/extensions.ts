import { existsSync, readFileSync } from "node:fs"

import { PGLITE_EXTENSIONS } from "./db/pglite-extension-names"
import { isPgError } from "./db/types"

const CREATE_EXTENSION = /create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([\w-]+))/gi

/**
 * The PGlite extensions that SQL files name in `create extension`, so that PGlite loads
 * them (db/pglite-extension-names.ts): a project's migrations, seed and tests.
 */
export function extensionsNamedIn(
  files: string[],
  /** SQL the caller has read already (the stack reads its migrations once per boot). */
  texts: string[] = []
): string[] {
  const names = new Set<string>()
  const read = files.filter((file) => existsSync(file)).map((file) => readFileSync(file, "utf8"))
  for (const sql of [...texts, ...read]) {
    for (const match of sql.matchAll(CREATE_EXTENSION)) {
      names.add(match[1] ?? match[2]!.toLowerCase())
    }
  }

  return PGLITE_EXTENSIONS.filter((name) => names.has(name))
}

/**
 * The extension a failed `create extension` asked for, when the engine does not have it:
 * Postgres 15 cannot open its control file (58P01), Postgres 16+ and PGlite (17) say it is not
 * available (0A000).
 */
export function missingExtension(error: unknown): string | undefined {
  if (!isPgError(error)) return undefined
  if (error.code === "0A000") return /^extension "(.+)" is not available/.exec(error.message)?.[1]
  if (error.code === "58P01") {
    return /could not open extension control file ".*\/([^/]+)\.control"/.exec(error.message)?.[1]
  }

  return undefined
}

/**
 * Extensions hosted Supabase offers that only Supabase builds (its supabase/postgres image),
 * so no package installs them on another server: `supabase start` or a hosted project has them.
 */
const SUPABASE_ONLY = new Set([
  "pg_graphql",
  "pg_net",
  "pgsodium",
  "supabase_vault",
  "pgjwt",
  "wrappers",
  "pg_jsonschema",
  "index_advisor",
  "pg_hashids",
  "pg_tle",
  "pgmq",
  "plv8",
  "timescaledb",
  "pgroonga",
  "orioledb",
])

/** Debian 12's package for extensions it has for Postgres 15 (apt-get install …). */
const DEBIAN_PACKAGES: Record<string, string> = {
  postgis: "postgresql-15-postgis-3",
  postgis_raster: "postgresql-15-postgis-3",
  postgis_topology: "postgresql-15-postgis-3",
  postgis_tiger_geocoder: "postgresql-15-postgis-3",
  address_standardizer: "postgresql-15-postgis-3",
  pgtap: "postgresql-15-pgtap",
  pg_cron: "postgresql-15-cron",
  hypopg: "postgresql-15-hypopg",
  pg_repack: "postgresql-15-repack",
  pgaudit: "postgresql-15-pgaudit",
  plpgsql_check: "postgresql-15-plpgsql-check",
  rum: "postgresql-15-rum",
  pgrouting: "postgresql-15-pgrouting",
  pg_partman: "postgresql-15-partman",
}

/** Packaged for Postgres 15 by the PostgreSQL project's apt repository (apt.postgresql.org). */
const PGDG_PACKAGES: Record<string, string> = {
  http: "postgresql-15-http",
  vector: "postgresql-15-pgvector",
}

function whereAvailable(name: string): string {
  if (SUPABASE_ONLY.has(name)) {
    return `"${name}" is built by Supabase: hosted Supabase and \`supabase start\` have it, no other server does`
  }
  const debian = DEBIAN_PACKAGES[name]
  if (debian) return `on Postgres, Debian's ${debian} installs it (apt-get install ${debian})`
  const pgdg = PGDG_PACKAGES[name]
  if (pgdg) return `on Postgres, the apt.postgresql.org package ${pgdg} installs it`

  return `on Postgres, install it on the server; hosted Supabase lists what it offers at https://supabase.com/docs/guides/database/extensions`
}

/** Why boot stopped, and where the extension is available instead. */
export function missingExtensionMessage(name: string, engine: "pglite" | "postgres"): string {
  const where = whereAvailable(name)
  if (engine === "pglite" && (PGLITE_EXTENSIONS as readonly string[]).includes(name)) {
    return (
      `extension "${name}" was not loaded: PGlite ships it, and the stack loads the ones a ` +
      "migration, seed or test file names in a `create extension` statement; write one there."
    )
  }
  if (engine === "pglite") {
    // auto_explain is in PGlite's contrib set as a module one LOADs, not an extension.
    const ships = PGLITE_EXTENSIONS.filter((extension) => extension !== "auto_explain").join(", ")
    return (
      `extension "${name}" is not available on PGlite, which ships ${ships}. ` +
      `Run the stack on Postgres (--db-url or DATABASE_URL) instead: ${where}.`
    )
  }

  return `extension "${name}" is not installed on this Postgres server. ${where[0]!.toUpperCase()}${where.slice(1)}.`
}

/** The 1-based line of the `create extension` statement naming `name`, if the file has one. */
export function createExtensionLine(sql: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const pattern = new RegExp(
    `create\\s+extension\\s+(?:if\\s+not\\s+exists\\s+)?(?:"${escaped}"|${escaped}\\b)`,
    "i"
  )
  const match = pattern.exec(sql)
  if (!match) return undefined

  return sql.slice(0, match.index).split("\n").length
}
