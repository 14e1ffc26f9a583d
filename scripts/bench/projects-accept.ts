// Accepting an invitation end to end, on the local stack over Postgres, as the console does it
// (target p95 < 500 ms, email delivery excluded):
//   1. the invitee opens the link: the invite page reads ops.get_invitation;
//   2. they accept: ops.accept_invitation;
//   3. the owner's open members tab hears the new membership on its private Realtime channel
//      ("project-members:<id>", components/projects/use-members-realtime.ts) and
//   4. re-reads the member list (ops.list_project_members), where the new member now appears.
// Each sample is timed from (1) to the end of (4), through supabase-js, REST and Realtime. The
// yardstick, measured in the same run with the same clients, is one REST call that reads the
// project (ops.project_summaries): the cheapest round trip the page could make.
// Usage: DATABASE_URL=… npm run bench:projects:accept [-- samples]
import { randomUUID } from "node:crypto"

import { startLocalStack } from "@lmx/supabase-local/stack"
import { mintUser, subscribe, type TestUser } from "@lmx/supabase-local/testing/realtime"
import { createThrowawayDatabase } from "@lmx/supabase-local/testing/throwaway-database"
import { createClient } from "@supabase/supabase-js"
import { WebSocket } from "ws"

import { formatMs, median, percentile } from "./stats"

const root = new URL("../..", import.meta.url).pathname
const SAMPLES = Number(process.argv[2] ?? 40)
const PROJECT = "5b000000-0000-4000-8000-00000000acce"

function client(url: string, anonKey: string, token: string) {
  return createClient(url, anonKey, {
    accessToken: async () => token,
    db: { schema: "ops" },
    realtime: {
      // realtime-js types its transport as the DOM WebSocket constructor; ws is compatible.
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
    },
  })
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.error("Set DATABASE_URL to a Postgres the bench may create a database in.")
    process.exit(2)
  }
  const database = await createThrowawayDatabase(databaseUrl, "lmx_bench_accept")
  const stack = await startLocalStack({
    root,
    port: 0,
    storage: { engine: "postgres", url: database.url, poolSize: 10 },
    seedFiles: [],
  })
  try {
    const owner = await mintUser(stack)
    const invitees: TestUser[] = []
    for (let i = 0; i < SAMPLES; i++) invitees.push(await mintUser(stack, { id: randomUUID() }))
    const users = [owner, ...invitees]
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role, email_confirmed_at)
      values ${users.map((u) => `('${u.id}', '${u.email}', 'authenticated', 'authenticated', now())`).join(",\n")};
      insert into ops.projects (id, name, slug, created_by)
        values ('${PROJECT}', 'Accept bench', 'accept-bench', '${owner.id}');
    `)
    // (A trigger makes the creator the owner.)

    const ownerClient = client(stack.url, stack.keys.anonKey, owner.token)
    await ownerClient.realtime.setAuth(owner.token)
    const waiting = new Map<string, () => void>()
    const channel = ownerClient
      .channel(`project-members:${PROJECT}`, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "INSERT",
          schema: "ops",
          table: "project_memberships",
          filter: `project_id=eq.${PROJECT}`,
        },
        (change) => waiting.get(String(change.new.user_id))?.()
      )
    await subscribe(channel)

    const tokens: string[] = []
    for (const invitee of invitees) {
      const { data, error } = await ownerClient.rpc("invite_member", {
        p_project_id: PROJECT,
        p_email: invitee.email,
        p_role: "developer",
      })
      if (error) throw new Error(`invite_member: ${error.message}`)
      tokens.push((data as { token: string }[])[0]!.token)
    }

    const yardstick: number[] = []
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now()
      const { error } = await ownerClient
        .from("project_summaries")
        .select("id")
        .eq("id", PROJECT)
        .single()
      if (error) throw new Error(`yardstick: ${error.message}`)
      yardstick.push(performance.now() - started)
    }

    const samples: number[] = []
    for (const [i, invitee] of invitees.entries()) {
      const inviteeClient = client(stack.url, stack.keys.anonKey, invitee.token)
      const heard = new Promise<void>((resolve) => waiting.set(invitee.id, resolve))
      const started = performance.now()
      const preview = await inviteeClient.rpc("get_invitation", { p_token: tokens[i] })
      if (preview.error) throw new Error(`get_invitation: ${preview.error.message}`)
      const accepted = await inviteeClient.rpc("accept_invitation", { p_token: tokens[i] })
      if (accepted.error) throw new Error(`accept_invitation: ${accepted.error.message}`)
      await heard
      const { data: members, error } = await ownerClient.rpc("list_project_members", {
        p_project_id: PROJECT,
      })
      if (error) throw new Error(`list_project_members: ${error.message}`)
      if (!(members as { user_id: string }[]).some((m) => m.user_id === invitee.id)) {
        throw new Error("the accepted member is missing from the owner's list")
      }
      samples.push(performance.now() - started)
      waiting.delete(invitee.id)
    }
    await ownerClient.removeAllChannels()

    const p95 = percentile(samples, 95)
    const yardstickP50 = median(yardstick)
    console.log("projects: accepting an invitation end to end (local stack on Postgres)")
    console.log(
      `  yardstick, one REST read of the project: p50 ${formatMs(yardstickP50)}, p95 ${formatMs(percentile(yardstick, 95))}`
    )
    console.log(
      `  link → accepted → owner's member list updated, ${samples.length} acceptances: p50 ${formatMs(median(samples))}, p95 ${formatMs(p95)} (${(median(samples) / yardstickP50).toFixed(1)}x the yardstick at p50; target p95 < 500 ms)`
    )
  } finally {
    await stack.stop()
    await database.drop()
  }
}

await main()
