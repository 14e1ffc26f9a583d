import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { describe, expect, it } from "vitest"

import { PGLITE_EXTENSIONS } from "./db/pglite-extension-names"
import { pgliteExtensions } from "./db/pglite-extensions.mjs"
import {
  createExtensionLine,
  extensionsNamedIn,
  missingExtension,
  missingExtensionMessage,
} from "./extensions"

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })

describe("a missing extension", () => {
  it("is read from Postgres 15's missing control file and from Postgres 16+/PGlite's message", () => {
    expect(
      missingExtension(
        pgError(
          "58P01",
          'could not open extension control file "/usr/share/postgresql/15/extension/http.control": No such file or directory'
        )
      )
    ).toBe("http")
    expect(missingExtension(pgError("0A000", 'extension "pg_net" is not available'))).toBe("pg_net")
    expect(
      missingExtension(pgError("42883", "function gen_random_bytes(integer) does not exist"))
    ).toBeUndefined()
    expect(missingExtension(new Error('extension "x" is not available'))).toBeUndefined()
  })

  it("is found at the line of its create extension, quoted or not", () => {
    const sql =
      '-- one\n\ncreate extension if not exists "uuid-ossp";\nCREATE  EXTENSION http\n  with schema extensions;\n'
    expect(createExtensionLine(sql, "uuid-ossp")).toBe(3)
    expect(createExtensionLine(sql, "http")).toBe(4)
    expect(createExtensionLine(sql, "httpx")).toBeUndefined()
  })

  it("says where the extension is available", () => {
    expect(missingExtensionMessage("postgis", "pglite")).toMatch(
      /^extension "postgis" is not available on PGlite, which ships amcheck, .*pgcrypto, .*uuid-ossp\. Run the stack on Postgres \(--db-url or DATABASE_URL\) instead: on Postgres, Debian's postgresql-15-postgis-3 installs it \(apt-get install postgresql-15-postgis-3\)\.$/
    )
    expect(missingExtensionMessage("pg_net", "postgres")).toBe(
      'extension "pg_net" is not installed on this Postgres server. "pg_net" is built by ' +
        "Supabase: hosted Supabase and `supabase start` have it, no other server does."
    )
    expect(missingExtensionMessage("citext", "pglite")).toContain(
      "PGlite ships it, and the stack loads the ones a migration, seed or test file names"
    )
  })
})

describe("the PGlite extensions a project names", () => {
  it("are read from its create extension statements, quoted or not, any case", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lmx-extensions-"))
    const file = path.join(dir, "one.sql")
    writeFileSync(
      file,
      'create extension if not exists "uuid-ossp" with schema extensions;\nCREATE EXTENSION CITEXT;\ncreate extension http;\n'
    )
    try {
      expect(extensionsNamedIn([file, path.join(dir, "missing.sql")])).toEqual([
        "citext",
        "uuid-ossp",
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("are the names db/pglite-extensions.mjs loads", () => {
    expect(Object.keys(pgliteExtensions).sort()).toEqual([...PGLITE_EXTENSIONS].sort())
  })
})
