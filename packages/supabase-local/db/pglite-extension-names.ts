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
 * Loaded into every PGlite database: hosted's defaults in schema extensions that migrations
 * call unqualified (pgcrypto, uuid-ossp; bootstrap/60_platform_extensions.sql) and pg_trgm,
 * which databases made before the others were loadable may hold. Each loaded bundle adds to
 * PGlite's open (all of them together made it about 1.5x slower; pg_stat_statements alone
 * about 1.13x, for views that stay empty without its preload), so the rest, pg_stat_statements
 * included, load only when the project's SQL names them (extensionsNamedIn in extensions.ts).
 */
export const DEFAULT_PGLITE_EXTENSIONS = ["pgcrypto", "uuid-ossp", "pg_trgm"]
