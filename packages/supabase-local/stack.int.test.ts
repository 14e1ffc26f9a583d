import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { migratedTemplate } from "./db/migrated-image"
import { BOOTSTRAP_DIR, ChangedMigrationError, SqlFileError } from "./migrate"
import { type ServiceFactory } from "./service"
import { startLocalStack } from "./stack"
import {
  createPersistentStorage,
  createTestDatabase,
  PROJECT_ROOT,
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "./testing/test-stack"

function migrationsDir(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "lmx-migrations-"))
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql)

  return dir
}

describe(`local stack boot (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const dir = migrationsDir({
    "20250101000000_first.sql": "create table public.notes (id int primary key, body text);",
    "20250102000000_second.sql": "alter table public.notes add column tag text;",
  })
  const seed = path.join(migrationsDir({}), "seed.sql")
  writeFileSync(seed, "insert into public.notes (id, body) values (1, 'seeded');")

  beforeAll(async () => {
    stack = await startTestStack({ migrationsDir: dir, seedFiles: [seed], services: [] })
  })
  afterAll(async () => {
    await stack?.stop()
    rmSync(dir, { recursive: true, force: true })
    rmSync(path.dirname(seed), { recursive: true, force: true })
  })

  it("answers health", async () => {
    const response = await fetch(`${stack.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: "ok", database: TEST_ENGINE, migrations: 2 })
  })

  it("answers CORS preflights for browser clients", async () => {
    const response = await fetch(`${stack.url}/rest/v1/notes`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-headers": "apikey" },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get("access-control-allow-origin")).toBe("*")
    expect(response.headers.get("access-control-allow-headers")).toBe("apikey")
  })

  it("records migrations like the Supabase CLI", async () => {
    const { rows } = await stack.db.query<{ version: string; name: string }>(
      "select version, name from supabase_migrations.schema_migrations order by version"
    )
    expect(rows).toEqual([
      { version: "20250101000000", name: "first" },
      { version: "20250102000000", name: "second" },
    ])
  })

  it("applies the seed on a fresh database", async () => {
    const { rows } = await stack.db.query("select id, body, tag from public.notes")
    expect(rows).toEqual([{ id: 1, body: "seeded", tag: null }])
  })

  it("creates the platform roles, auth helpers and publication", async () => {
    const roles = await stack.db.query<{ rolname: string }>(
      "select rolname from pg_roles where rolname in ('anon','authenticated','service_role','authenticator') order by 1"
    )
    expect(roles.rows.map((r) => r.rolname)).toEqual([
      "anon",
      "authenticated",
      "authenticator",
      "service_role",
    ])
    const publication = await stack.db.query(
      "select 1 from pg_publication where pubname = 'supabase_realtime'"
    )
    expect(publication.rows).toHaveLength(1)
  })

  it("reads request.jwt.claims in auth.uid(), auth.role(), auth.email() and auth.jwt()", async () => {
    const claims = {
      sub: "7b0c1c4e-8f55-4b7e-9d1e-4d3f2a1b0c9d",
      role: "authenticated",
      email: "ada@example.com",
    }
    const row = await stack.db.transaction(async (tx) => {
      await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)])
      await tx.exec("set local role authenticated")
      const result = await tx.query(
        "select auth.uid()::text as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'sub' as sub"
      )
      return result.rows[0]
    })
    expect(row).toEqual({
      uid: claims.sub,
      role: claims.role,
      email: claims.email,
      sub: claims.sub,
    })
  })

  it("signs API keys it verifies itself", async () => {
    await expect(stack.keys.verify(stack.keys.anonKey)).resolves.toMatchObject({ role: "anon" })
    await expect(stack.keys.verify(`${stack.keys.anonKey}x`)).rejects.toMatchObject({
      reason: "invalid_signature",
    })
  })
})

describe(`failed migrations (${TEST_ENGINE})`, () => {
  it("names the file and line, and leaves nothing half-applied", async () => {
    const dir = migrationsDir({
      "20250101000000_ok.sql": "create table public.kept (id int primary key);",
      "20250102000000_broken.sql":
        "create table public.half (id int primary key);\n\nselect 1;\ninsert into nowhere values (1);\n",
    })
    const failure = await createTestDatabase({ migrationsDir: dir, seedFiles: [] }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(failure).toBeInstanceOf(SqlFileError)
    expect((failure as SqlFileError).message).toMatch(
      /20250102000000_broken\.sql:4: relation "nowhere" does not exist/
    )
    rmSync(dir, { recursive: true, force: true })
  })

  it("keeps the migrations that succeeded and drops the one that failed", async () => {
    const dir = migrationsDir({
      "20250101000000_ok.sql": "create table public.kept (id int primary key);",
    })
    const { db, dispose } = await createTestDatabase({ migrationsDir: dir, seedFiles: [] })
    try {
      writeFileSync(
        path.join(dir, "20250102000000_broken.sql"),
        "create table public.half (id int primary key);\nselect * from nowhere;"
      )
      const { applyMigrations } = await import("./migrate")
      await expect(applyMigrations(db, dir)).rejects.toBeInstanceOf(SqlFileError)
      const tables = await db.query<{ present: boolean; half: boolean }>(
        "select to_regclass('public.kept') is not null as present, to_regclass('public.half') is not null as half"
      )
      expect(tables.rows[0]).toEqual({ present: true, half: false })
      const versions = await db.query("select version from supabase_migrations.schema_migrations")
      expect(versions.rows).toEqual([{ version: "20250101000000" }])
    } finally {
      await dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe(`changed migrations on a persisted database (${TEST_ENGINE})`, () => {
  it("refuses to boot, naming the file and --reset, and boots again after --reset", async () => {
    const dir = migrationsDir({
      "20250101000000_first.sql": "create table public.notes (id int primary key);",
      "20250102000000_second.sql": "alter table public.notes add column body text;",
    })
    const { storage, drop } = await createPersistentStorage()
    const boot = (reset = false) =>
      startLocalStack({
        root: PROJECT_ROOT,
        port: 0,
        storage,
        migrationsDir: dir,
        seedFiles: [],
        services: [],
        reset,
      })
    try {
      await (await boot()).stop()
      // Unchanged files boot again, and a new one is applied on top.
      writeFileSync(
        path.join(dir, "20250103000000_third.sql"),
        "alter table public.notes add column tag text;"
      )
      const second = await boot()
      expect(second.migrations.applied).toEqual(["20250103000000_third.sql"])
      await second.stop()

      writeFileSync(
        path.join(dir, "20250102000000_second.sql"),
        "alter table public.notes add column body text not null default '';"
      )
      const refusal = await boot().then(
        async (stack) => {
          await stack.stop()
          return undefined
        },
        (error: unknown) => error
      )
      expect(refusal).toBeInstanceOf(ChangedMigrationError)
      const { message } = refusal as ChangedMigrationError
      expect(message).toMatch(/20250102000000_second\.sql changed since it was applied/)
      expect(message).not.toMatch(/_first\.sql|_third\.sql/)
      expect(message).toContain("--reset")

      const reset = await boot(true)
      try {
        expect(reset.migrations.applied).toHaveLength(3)
        const body = await reset.db.query<{ is_nullable: string }>(
          "select is_nullable from information_schema.columns where table_schema = 'public' and table_name = 'notes' and column_name = 'body'"
        )
        expect(body.rows).toEqual([{ is_nullable: "NO" }])
      } finally {
        await reset.stop()
      }
      await (await boot()).stop()
    } finally {
      await drop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.runIf(TEST_ENGINE === "pglite")("new PGlite directories (migrated template)", () => {
  it("start from the migrated template of the first one, and still get their seed and keys", async () => {
    // The migration leaves a random value: equal in both directories only if the second was
    // unpacked from the first one's template rather than migrated again.
    const dir = migrationsDir({
      "20250101000000_first.sql": `create table public.made (token text not null); -- ${randomUUID()}
        insert into public.made values (gen_random_uuid()::text);`,
      "20250102000000_second.sql": "create table public.notes (id int primary key, body text);",
    })
    const seed = path.join(migrationsDir({}), "seed.sql")
    writeFileSync(seed, "insert into public.notes (id, body) values (1, 'seeded');")
    const first = await createPersistentStorage()
    const second = await createPersistentStorage()
    const boot = (storage: typeof first.storage) =>
      startLocalStack({
        root: PROJECT_ROOT,
        port: 0,
        storage,
        migrationsDir: dir,
        seedFiles: [seed],
        services: [],
        migratedTemplate: true,
      })
    const read = async (stack: Awaited<ReturnType<typeof boot>>) => ({
      made: (await stack.db.query<{ token: string }>("select token from public.made")).rows,
      notes: (await stack.db.query("select id, body from public.notes")).rows,
      applied: stack.migrations.applied,
      seeded: stack.seeded.length,
      secret: stack.keys.jwtSecret,
    })
    try {
      const a = await boot(first.storage)
      const fromA = await read(a)
      await a.stop()
      expect(migratedTemplate(BOOTSTRAP_DIR, dir).exists).toBe(true)
      // And a spare copy of it, made behind the boot, that the next new directory takes.
      const spare = `${migratedTemplate(BOOTSTRAP_DIR, dir).dir}.spare`
      expect(existsSync(path.join(spare, "PG_VERSION"))).toBe(true)

      const b = await boot(second.storage)
      const fromB = await read(b)
      await b.stop()
      expect(fromB.made).toEqual(fromA.made)
      expect(fromB.applied).toEqual(["20250101000000_first.sql", "20250102000000_second.sql"])
      expect(fromB.seeded).toBe(1)
      expect(fromB.notes).toEqual([{ id: 1, body: "seeded" }])
      expect(fromB.secret).not.toBe(fromA.secret)

      // An edited migration set has no template yet: it is migrated, not unpacked.
      writeFileSync(
        path.join(dir, "20250103000000_third.sql"),
        "alter table public.notes add column tag text;"
      )
      const third = await createPersistentStorage()
      try {
        const c = await boot(third.storage)
        const fromC = await read(c)
        await c.stop()
        expect(fromC.made).not.toEqual(fromA.made)
        expect(fromC.applied).toHaveLength(3)
      } finally {
        await third.drop()
      }
    } finally {
      await first.drop()
      await second.drop()
      rmSync(dir, { recursive: true, force: true })
      rmSync(path.dirname(seed), { recursive: true, force: true })
    }
  }, 300_000) // three PGlite directories on disk, on a shared machine
})

describe(`services brought up behind the open port (${TEST_ENGINE})`, () => {
  const dir = migrationsDir({})
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** A service whose factory waits for `gate`, then answers "up" (or fails to start). */
  function gatedService(gate: Promise<void>, fail = false): ServiceFactory {
    return async () => {
      await gate
      if (fail) throw new Error("the slow service broke")

      return {
        name: "slow",
        prefix: "/slow",
        handle(_req, res) {
          res.writeHead(200, { "content-type": "text/plain" })
          res.end("up")
        },
      }
    }
  }

  it("answers health at once, holds a request until its service has started, then serves it", async () => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const stack = await startTestStack({
      migrationsDir: dir,
      seedFiles: [],
      services: [gatedService(gate)],
      servicesInBackground: true,
    })
    try {
      expect((await fetch(`${stack.url}/health`)).status).toBe(200)
      const answer = fetch(`${stack.url}/slow/thing`)
      // The gate is shut, so the request can only be waiting: it must not be refused or 404.
      const early = await Promise.race([
        answer.then(() => "answered"),
        new Promise((resolve) => setTimeout(() => resolve("waiting"), 300)),
      ])
      expect(early).toBe("waiting")
      open()
      const response = await answer
      expect(response.status).toBe(200)
      expect(await response.text()).toBe("up")
      expect(Object.keys(await stack.ready)).toEqual(["slow"])
      expect(stack.timings.slow).toBeTypeOf("number")
    } finally {
      await stack.stop()
    }
  })

  it("answers 503 with the reason and rejects ready when a service cannot start", async () => {
    const stack = await startTestStack({
      migrationsDir: dir,
      seedFiles: [],
      services: [gatedService(Promise.resolve(), true)],
      servicesInBackground: true,
    })
    try {
      await expect(stack.ready).rejects.toThrow("the slow service broke")
      const response = await fetch(`${stack.url}/slow/thing`)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({
        message: expect.stringContaining("the slow service broke"),
      })
    } finally {
      await stack.stop()
    }
  })
})
