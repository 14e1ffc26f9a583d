import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { deriveOnlineState } from "@/lib/devices/online"

import { signInWithPassword } from "./console-clients"
import { MISMATCHES_SQL } from "./core-fixtures"

// The demo data the lead's `npm run dev` prints credentials for: the accounts sign in through
// Supabase Auth with the printed password, and the data behind the console's pages is there.
const DEMO = {
  id: "00000000-0000-4000-a000-000000000001",
  email: "demo@lmx.local",
}
const SAM = {
  id: "00000000-0000-4000-a000-000000000002",
  email: "sam@lmx.local",
}
const PASSWORD = "lmx-demo-password"
const WORK_LAPTOP = "00000000-0000-4000-b000-000000000002"

describe(`demo seed (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    // The stack's own boot: bootstrap, migrations, then config.toml's [db.seed] sql_paths.
    stack = await startTestStack()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  function signIn(email: string) {
    return signInWithPassword(stack, { email, password: PASSWORD })
  }

  it("has ~200 sessions and ~7,500 messages over the last 30 days, with branches, forks and tool calls", async () => {
    const { rows } = await stack.db.query<Record<string, string>>(`
      select
        (select count(*) from public.cloud_sessions) as sessions,
        (select count(*) from public.cloud_messages) as messages,
        (select count(distinct model) from public.cloud_messages) as models,
        (select count(*) from public.cloud_messages where tool_calls is not null) as tool_calls,
        (select count(*) from public.cloud_messages where role = 'tool') as tool_results,
        (select count(*) from public.cloud_sessions where parent_id is not null) as forks,
        (select count(*) from (select parent_id, message_index from public.cloud_messages
           where parent_id is not null group by 1, 2 having count(*) > 1) b) as branch_points,
        (select count(*) from public.cloud_messages
          where created_at < now() - interval '30 days' or created_at > now()) as outside_30_days,
        (select count(*) from public.model_prices) as prices`)
    const counts = Object.fromEntries(
      Object.entries(rows[0]!).map(([key, value]) => [key, Number(value)])
    )
    // seed.sql's 200 and seed_sessions.sql's 4 (one of them 2,400 messages long).
    expect(counts.sessions).toBe(204)
    expect(counts.messages).toBeGreaterThan(4500 + 2400)
    expect(counts.messages).toBeLessThan(5500 + 2500)
    expect(counts.models).toBeGreaterThanOrEqual(5)
    expect(counts.tool_calls).toBeGreaterThan(100)
    expect(counts.tool_results).toBeGreaterThan(100)
    expect(counts.forks).toBe(8)
    expect(counts.branch_points).toBe(20 + 3)
    expect(counts.outside_30_days).toBe(0)
    expect(counts.prices).toBeGreaterThanOrEqual(6)
    expect((await stack.db.query(MISMATCHES_SQL)).rows).toEqual([])
  })

  it("stores each message's local cost and cloud equivalent as the per-row pricing would, and hourly rollups that add up", async () => {
    // seed.sql writes its messages set-based with the per-row triggers off (as sync_push
    // does): the stored prices must still be the ones those triggers compute.
    const { rows } = await stack.db.query<{ what: string; n: number }>(`
      select 'local cost' as what, count(*)::int as n
        from public.cloud_messages m
       where m.local_cost_usd <> coalesce(private.message_local_cost(
               m.device_id, m.output_tokens, m.tokens_per_second, m.time_to_first_token_ms), 0)::numeric(16, 8)
      union all
      select 'cloud equivalent', count(*)::int
        from public.cloud_messages m
       where m.cloud_equivalent_usd <> coalesce(private.message_cloud_equivalent(
               m.user_id, m.model, m.created_at, m.input_tokens, m.output_tokens, m.cached_tokens), 0)
      union all
      select 'priced messages', count(*)::int
        from public.cloud_messages m where m.cost_usd > 0 and m.local_cost_usd > 0 and m.cloud_equivalent_usd > 0
      union all
      select 'hourly rollup', count(*)::int from (
        select user_id, date_trunc('hour', created_at, 'UTC') as hour, coalesce(model, 'unknown') as model,
               device_id, project_id, count(*) as messages, sum(m.cost_usd) as cost,
               sum(local_cost_usd) as local_cost, sum(cloud_equivalent_usd) as cloud_equivalent
          from public.cloud_messages m where deleted_at is null group by 1, 2, 3, 4, 5
        except
        select user_id, hour, model, device_id, project_id, message_count, cost_usd, local_cost_usd,
               cloud_equivalent_usd
          from public.usage_hourly
      ) missing`)
    const found = Object.fromEntries(rows.map((row) => [row.what, Number(row.n)]))
    expect(found["local cost"]).toBe(0)
    expect(found["cloud equivalent"]).toBe(0)
    expect(found["hourly rollup"]).toBe(0)
    // The check above compares real prices, not zeros on both sides.
    expect(found["priced messages"]).toBeGreaterThan(1000)
  })

  it("leaves every demo message indexed for search (seed_zz_search_index.sql)", async () => {
    const { rows } = await stack.db.query<{ vectors: number; pending: number; messages: number }>(`
      select (select count(*)::int from private.message_search) as vectors,
             (select count(*)::int from private.message_search_pending) as pending,
             (select count(*)::int from public.cloud_messages) as messages`)
    expect(rows[0]!.pending).toBe(0)
    expect(rows[0]!.vectors).toBe(rows[0]!.messages)
  })

  it("has the session page's demo sessions (seed_sessions.sql) and real last-activity times", async () => {
    const { rows } = await stack.db.query<Record<string, string>>(`
      with s as (select id from public.cloud_sessions where id in (
        md5('lmx-demo-session-branches')::uuid, md5('lmx-demo-session-tools')::uuid,
        md5('lmx-demo-session-reasoning')::uuid, md5('lmx-demo-session-long')::uuid))
      select
        (select count(*) from s) as sessions,
        (select count(*) from (select m.parent_id from public.cloud_messages m
           where m.session_id = md5('lmx-demo-session-branches')::uuid and m.parent_id is not null
           group by 1 having count(*) > 1) f) as forks,
        (select count(*) from public.cloud_messages
          where session_id = md5('lmx-demo-session-tools')::uuid and tool_calls is not null) as tool_calls,
        (select count(*) from public.cloud_messages
          where session_id = md5('lmx-demo-session-reasoning')::uuid and reasoning is not null) as reasoning,
        (select message_count from public.cloud_sessions
          where id = md5('lmx-demo-session-long')::uuid) as long_messages,
        (select count(distinct date_trunc('hour', updated_at)) from public.cloud_sessions) as update_hours,
        (select count(*) from public.cloud_sessions s2 where s2.updated_at <> greatest(s2.created_at,
           (select max(m.created_at) from public.cloud_messages m where m.session_id = s2.id))) as stale`)
    expect(Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]))).toEqual({
      sessions: 4,
      forks: 3,
      tool_calls: 3,
      reasoning: 2,
      long_messages: 2400,
      update_hours: expect.any(Number),
      stale: 0,
    })
    expect(Number(rows[0]!.update_hours)).toBeGreaterThan(100)
  })

  it("signs the demo account in with the printed password and shows it its three devices and its usage", async () => {
    const demo = await signIn(DEMO.email)
    const { data: devices, error } = await demo
      .from("devices")
      .select("name, role, lan_ip, lan_port, last_seen_at, revoked_at")
      .order("name")
    expect(error).toBeNull()
    // The seed puts the Studio Mac's last heartbeat 20 s before boot; without a running agent
    // it goes offline 70 s later, so only the long-silent machines are asserted offline.
    expect(devices?.map(({ last_seen_at: _, revoked_at: __, ...device }) => device)).toEqual([
      {
        name: "Home Desktop",
        role: "workstation",
        lan_ip: "192.168.188.31",
        lan_port: 1234,
      },
      {
        name: "Studio Mac",
        role: "llm_host",
        lan_ip: "192.168.188.11",
        lan_port: 1234,
      },
      {
        name: "Work Laptop",
        role: "workstation",
        lan_ip: "192.168.188.24",
        lan_port: 1234,
      },
    ])
    expect(
      devices
        ?.filter((device) => device.role === "workstation")
        .map((device) => deriveOnlineState(device, Date.now()))
    ).toEqual(["offline", "offline"])

    const { data: profile } = await demo
      .from("profiles")
      .select("display_name")
      .eq("id", DEMO.id)
      .single()
    expect(profile).toEqual({ display_name: "Demo User" })

    const { data: days } = await demo.from("usage_by_day").select("day, message_count, cost_usd")
    const { rows } = await stack.db.query<{ n: string }>(
      "select count(*) as n from public.cloud_messages where user_id = $1 and deleted_at is null",
      [DEMO.id]
    )
    const total = (days ?? []).reduce((sum, day) => sum + Number(day.message_count), 0)
    expect(total).toBe(Number(rows[0]!.n))
    expect((days ?? []).length).toBeGreaterThan(20)

    const { data: sessions } = await demo.from("cloud_sessions").select("id").limit(1000)
    expect(sessions).toHaveLength(184)
  })

  it("signs the second account in and shows it only its own data", async () => {
    const sam = await signIn(SAM.email)
    const { data: devices } = await sam.from("devices").select("id")
    expect(devices).toEqual([])
    const { data: sessions } = await sam.from("cloud_sessions").select("user_id").limit(1000)
    expect(sessions?.length).toBe(20)
    expect(new Set(sessions?.map((session) => session.user_id))).toEqual(new Set([SAM.id]))
  })

  // Last: it changes the seeded Work Laptop.
  it("lets the demo account rename and revoke its machine through the API, audited, and keeps Sam out", async () => {
    const demo = await signIn(DEMO.email)
    const sam = await signIn(SAM.email)

    const { data: stolen } = await sam
      .from("devices")
      .update({ name: "mine now" })
      .eq("id", WORK_LAPTOP)
      .select("id")
    expect(stolen).toEqual([])

    const { data: renamed, error } = await demo
      .from("devices")
      .update({ name: "Old Laptop" })
      .eq("id", WORK_LAPTOP)
      .select("name")
    expect(error).toBeNull()
    expect(renamed).toEqual([{ name: "Old Laptop" }])
    const { error: revokeError } = await demo
      .from("devices")
      .update({ revoked_at: new Date().toISOString() })
      .eq("id", WORK_LAPTOP)
    expect(revokeError).toBeNull()

    const { data: audit } = await demo
      .from("audit_log")
      .select("action")
      .eq("target_id", WORK_LAPTOP)
      .order("created_at")
    expect(audit?.map((entry) => entry.action)).toEqual([
      "device.pairing_approved",
      "device.renamed",
      "device.revoked",
    ])

    const { error: undo } = await demo
      .from("devices")
      .update({ revoked_at: null })
      .eq("id", WORK_LAPTOP)
    expect(undo?.message).toMatch(/stays revoked/)
  })
})
