import { type SupabaseClient } from "@supabase/supabase-js"
import { expectTypeOf } from "vitest"

import { type Database, type Enums, type Tables, type TablesInsert } from "@/lib/database.types"

/**
 * Compile-time checks of what scripts/gen-types.ts writes: rows, inserts, enums, embedded
 * relations and RPC results as supabase-js types them. `npm run typecheck` fails on a
 * mismatch; the function is never called (database-types.int.test.ts checks that the file is
 * a fresh generation).
 */
export async function checkGeneratedTypes(client: SupabaseClient<Database>) {
  expectTypeOf<Enums<"device_role">>().toEqualTypeOf<"llm_host" | "workstation">()
  expectTypeOf<Tables<"devices">["lan_port"]>().toEqualTypeOf<number>()
  expectTypeOf<Tables<"devices">["tunnel_url"]>().toEqualTypeOf<string | null>()
  expectTypeOf<TablesInsert<{ schema: "ops" }, "run_logs">["search"]>().toEqualTypeOf<undefined>()
  expectTypeOf<Tables<"usage_by_day">["cost_usd"]>().toEqualTypeOf<number | null>()
  expectTypeOf<Tables<{ schema: "ops" }, "runs">["status"]>().toEqualTypeOf<string>()

  const { data: sessions } = await client
    .from("cloud_sessions")
    .select("id, title, devices(name)")
    .eq("user_id", "x")
  expectTypeOf(sessions).toEqualTypeOf<
    { id: string; title: string; devices: { name: string } | null }[] | null
  >()
  const { data: pushed } = await client.rpc("sync_push", {
    batch: { sessions: [] },
  })
  expectTypeOf(pushed?.[0]?.status).toEqualTypeOf<string | undefined>()
}
