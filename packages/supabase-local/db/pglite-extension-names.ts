/**
 * The extensions PGlite ships (its contrib set; db/pglite-extensions.mjs maps each to its
 * bundle), by the name `create extension` takes.
 */
export const PGLITE_EXTENSIONS = [
  "amcheck",
  "auto_explain",
  "bloom",
  "btree_gin",
  "btree_gist",
  "citext",
  "cube",
  "dict_int",
  "dict_xsyn",
  "earthdistance",
  "file_fdw",
  "fuzzystrmatch",
  "hstore",
  "intarray",
  "isn",
  "lo",
  "ltree",
  "moddatetime",
  "pageinspect",
  "pg_buffercache",
  "pg_freespacemap",
  "pg_stat_statements",
  "pg_surgery",
  "pg_trgm",
  "pg_visibility",
  "pg_walinspect",
  "pgcrypto",
  "seg",
  "tablefunc",
  "tcn",
  "tsm_system_rows",
  "tsm_system_time",
  "unaccent",
  "uuid-ossp",
] as const

/**
 * Loaded into every PGlite database: hosted's defaults in schema extensions
 * (bootstrap/60_platform_extensions.sql) and pg_trgm, which databases made before the others
 * were loadable may hold. Each loaded bundle costs PGlite's open time (all of them together
 * make the open about 1.5× slower), so the rest load only when the project's SQL names them
 * (extensionsNamedIn in extensions.ts).
 */
export const DEFAULT_PGLITE_EXTENSIONS = ["pgcrypto", "uuid-ossp", "pg_stat_statements", "pg_trgm"]
