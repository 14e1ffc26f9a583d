import { readFileSync } from "node:fs"

import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest"
import WebSocket from "ws"

import {
  type Database,
  type Enums,
  type Tables,
  type TablesInsert,
} from "@/lib/database.types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { generateDatabaseTypes, TYPES_FILE } from "@/scripts/gen-types"

// lib/database.types.ts is generated (npm run db:types); this keeps it from going stale or
// being edited by hand. On the postgres project it also shows both engines agree.
describe(`generated database types (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("lib/database.types.ts equals a fresh generation from the migrations (run npm run db:types)", async () => {
    const fresh = await generateDatabaseTypes(database.db)
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(fresh)
  })

  it("types rows, inserts, enums and supabase-js queries", () => {
    expectTypeOf<Enums<"device_role">>().toEqualTypeOf<
      "llm_host" | "workstation"
    >()
    expectTypeOf<Tables<"devices">["lan_port"]>().toEqualTypeOf<number>()
    expectTypeOf<Tables<"devices">["tunnel_url"]>().toEqualTypeOf<
      string | null
    >()
    expectTypeOf<
      TablesInsert<"cloud_messages">["search"]
    >().toEqualTypeOf<undefined>()
    expectTypeOf<Tables<"usage_by_day">["cost_usd"]>().toEqualTypeOf<
      number | null
    >()
    expectTypeOf<
      Tables<{ schema: "ops" }, "runs">["status"]
    >().toEqualTypeOf<string>()

    // Building a query sends nothing; only its types are checked here.
    const client = createClient<Database>("http://127.0.0.1:9", "anon-key", {
      // Node 20 has no global WebSocket; realtime-js wants a transport even when unused.
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const sessions = client
      .from("cloud_sessions")
      .select("id, title, devices(name)")
      .eq("user_id", "x")
    type SessionRow = NonNullable<Awaited<typeof sessions>["data"]>[number]
    expectTypeOf<SessionRow["title"]>().toEqualTypeOf<string>()
    expectTypeOf<SessionRow["devices"]>().toEqualTypeOf<{
      name: string
    } | null>()
    const push = client.rpc("sync_push", { batch: { sessions: [] } })
    type PushRow = NonNullable<Awaited<typeof push>["data"]>[number]
    expectTypeOf<PushRow["status"]>().toEqualTypeOf<string>()
    expect([typeof sessions.then, typeof push.then]).toEqual([
      "function",
      "function",
    ])
  })
})
