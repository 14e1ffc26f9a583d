import { type Extension } from "@electric-sql/pglite"

/** db/pglite-extensions.mjs: PGlite's contrib extensions by the name `create extension` takes. */
export declare const pgliteExtensions: Record<string, Extension>
