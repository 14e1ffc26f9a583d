import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { openDatabase } from "./db/open"
import { PGLITE_EXTENSIONS } from "./db/pglite-extension-names"
import { prepareDatabase, SqlFileError } from "./migrate"
import { anonClient } from "./testing/auth"
import {
  createPersistentStorage,
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "./testing/test-stack"

/**
 * A project written for hosted Supabase (testing/fixtures/hosted-starter: the config.toml
 * `supabase init` writes, its own migrations and seed, nothing of LMX Console's) boots on the
 * local stack as it would on `supabase start`.
 */
const STARTER = path.join(import.meta.dirname, "testing/fixtures/hosted-starter")

/** A copy of the starter project with extra migrations, in a folder of its own. */
function starterWith(migrations: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), "lmx-project-"))
  cpSync(STARTER, root, { recursive: true })
  for (const [name, sql] of Object.entries(migrations)) {
    writeFileSync(path.join(root, "supabase/migrations", name), sql)
  }

  return root
}

describe(`a hosted-Supabase project on the local stack (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const logged: string[] = []

  beforeAll(async () => {
    stack = await startTestStack({ root: STARTER, log: (line) => logged.push(line) })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("boots from the project's own migrations and seed", async () => {
    expect(stack.migrations.applied).toEqual([
      "20240101000000_notes.sql",
      "20240102000000_note_public_id.sql",
    ])
    const { data, error } = await anonClient(stack).from("notes").select("body, share_token")
    expect(error).toBeNull()
    expect(data).toEqual([
      {
        body: "seeded by the project's own seed.sql",
        share_token: expect.stringMatching(/^[0-9a-f]{24}$/),
      },
    ])
  })

  it("resolves unqualified extension functions in defaults, triggers and RPCs as hosted does", async () => {
    const client = anonClient(stack)
    const { data: session, error: signUpError } = await client.auth.signUp({
      email: "starter@example.com",
      password: "a long enough password",
    })
    expect(signUpError).toBeNull()
    expect(session.session).not.toBeNull()

    const { data: note, error } = await client
      .from("notes")
      .insert({ body: "written through the API" })
      .select("id, public_id, share_token, author")
      .single()
    expect(error).toBeNull()
    expect(note).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      public_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      share_token: expect.stringMatching(/^[0-9a-f]{24}$/),
      author: session.user?.id,
    })

    const token = await client.rpc("random_token", { bytes: 4 })
    expect(token.error).toBeNull()
    expect(token.data).toMatch(/^[0-9a-f]{8}$/)
  })

  it("has hosted's default extensions in schema extensions and its search path for postgres", async () => {
    const { rows } = await stack.db.query<{ extname: string; schema: string }>(`
      select e.extname, n.nspname as schema
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname in ('pgcrypto', 'uuid-ossp', 'pg_stat_statements')
      order by 1
    `)
    // PGlite loads pg_stat_statements only for a project that creates it.
    expect(rows).toEqual([
      ...(TEST_ENGINE === "postgres"
        ? [{ extname: "pg_stat_statements", schema: "extensions" }]
        : []),
      { extname: "pgcrypto", schema: "extensions" },
      { extname: "uuid-ossp", schema: "extensions" },
    ])
    const setting = await stack.db.query<{ setconfig: string[] }>(`
      select s.setconfig from pg_db_role_setting s
      join pg_database d on d.oid = s.setdatabase
      where d.datname = current_database() and s.setrole = (select oid from pg_roles where rolname = current_user)
    `)
    expect(setting.rows[0]?.setconfig).toContain(`search_path="$user", public, extensions`)
  })

  it("accepts the CLI's keys for services it does not run, and says so in one line", () => {
    const lines = logged.filter((line) => line.startsWith("[config]"))
    expect(lines).toHaveLength(1)
    for (const key of [
      "studio",
      "inbucket",
      "edge_runtime",
      "analytics",
      "db.pooler",
      "functions",
      "storage.s3_protocol",
      "experimental",
    ]) {
      expect(lines[0]).toMatch(new RegExp(`[:,] ${key.replace(".", "\\.")}(,|$)`))
    }
  })
})

describe(`extensions a project asks for (${TEST_ENGINE})`, () => {
  it("stops boot at an extension the engine lacks, naming it, the file and line, and where it is available", async () => {
    const root = starterWith({
      "20240103000000_http.sql":
        "-- calls out over HTTP\n\ncreate extension if not exists http with schema extensions;\n",
    })
    try {
      const boot = startTestStack({ root, services: [] })
      await expect(boot).rejects.toBeInstanceOf(SqlFileError)
      const message = await boot.then(
        () => "",
        (error: Error) => error.message
      )
      expect(message).toContain("20240103000000_http.sql:3:")
      expect(message).toContain('extension "http" is not')
      expect(message).toContain("apt.postgresql.org package postgresql-15-http")
      if (TEST_ENGINE === "pglite") {
        expect(message).toMatch(/PGlite, which ships .*pgcrypto.*uuid-ossp/)
        expect(message).toContain("--db-url or DATABASE_URL")
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it("serves an extension a migration names beyond the defaults (PGlite loads it on demand)", async () => {
    const root = starterWith({
      "20240103000000_citext.sql":
        "create extension if not exists citext with schema extensions;\n" +
        "create table public.tags (name citext primary key);\n" +
        "insert into public.tags values ('Red');\n",
    })
    try {
      const stack = await startTestStack({ root })
      try {
        // citext's case-blind = resolves through the request's search path (extensions).
        const { data, error } = await anonClient(stack)
          .from("tags")
          .select("name")
          .eq("name", "RED")
        expect(error).toBeNull()
        expect(data).toEqual([{ name: "Red" }])
      } finally {
        await stack.stop()
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it("creates every extension the engine has with schema extensions", async () => {
    const migrationsDir = path.join(STARTER, "supabase/migrations")
    // On PGlite: its whole contrib set, loaded at once; on Postgres: what the server has.
    const database =
      TEST_ENGINE === "pglite"
        ? await (async () => {
            const db = await openDatabase({ engine: "pglite", extensions: "all" })
            await prepareDatabase(db, { migrationsDir, seedFiles: [] })
            return { db, dispose: () => db.close() }
          })()
        : await (async () => {
            // Prepared, then opened again: the platform bootstrap sets the migration role's
            // search path (bootstrap/60_platform_extensions.sql) for new connections, as hosted
            // sets it for postgres, and PostGIS's scripts read the session's default path.
            const storage = await createPersistentStorage()
            const first = await openDatabase(storage.storage)
            await prepareDatabase(first, { migrationsDir, seedFiles: [] }).finally(() =>
              first.close()
            )
            const db = await openDatabase(storage.storage)
            return { db, dispose: () => db.close().finally(() => storage.drop()) }
          })()
    try {
      const { rows } = await database.db.query<{ name: string }>(`
        select name from pg_available_extensions
        where installed_version is null
        order by name
      `)
      // Debian's PostGIS packages also list version-pinned aliases (postgis-3,
      // postgis_raster-3, …) that have no install script of their own: no server can create
      // them, and hosted Supabase offers only the base names.
      const all = rows.map((row) => row.name)
      const names = all.filter(
        (name) => !(/-\d+$/.test(name) && all.includes(name.replace(/-\d+$/, "")))
      )
      if (TEST_ENGINE === "pglite") {
        // auto_explain is a module one LOADs, not an extension.
        // With every bundle loaded, the bootstrap created pg_stat_statements too.
        const installed = ["pgcrypto", "uuid-ossp", "pg_stat_statements", "auto_explain"]
        expect(names).toEqual(
          expect.arrayContaining(PGLITE_EXTENSIONS.filter((name) => !installed.includes(name)))
        )
      } else {
        expect(names.length).toBeGreaterThan(20)
      }
      const failed: string[] = []
      for (const name of names) {
        await database.db
          .transaction(async (tx) => {
            await tx.exec(`create extension "${name}" with schema extensions cascade`)
            // Leave the database as it was: the next extension starts from the same state.
            throw new Error("rollback")
          })
          .catch((error: Error) => {
            if (error.message !== "rollback") failed.push(`${name}: ${error.message}`)
          })
      }
      expect(failed).toEqual([])
    } finally {
      await database.dispose()
    }
  })
})
