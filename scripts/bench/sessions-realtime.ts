// `npm run bench:sessions:realtime`: a machine appends messages to a session at 20 per second
// while a browser has that session open; how long from the moment the machine sends a message
// until the page's subscription hears it (target p95 < 250 ms). The writer inserts each message
// through the REST API with its own token (RLS, the message triggers, the change capture); the
// reader is a second supabase-js client subscribed exactly as the session page is
// (components/sessions/detail/use-session-realtime.ts: the private `session:<id>` channel,
// postgres_changes on cloud_messages filtered by session_id). Rendering is not included.
// Same-run yardsticks: the same appends written straight into the database at the same rate
// (no API, no RLS on the write: what change capture and delivery cost alone), and the insert
// request alone. (Broadcast cannot serve: the session topic is read-only, private channels
// only, so the page may not send on it.)
//   DATABASE_URL=postgres://… npm run bench:sessions:realtime [-- SECONDS]   (default 15)
import { randomUUID } from "node:crypto"

import { mintUser, subscribe } from "@lmx/supabase-local/testing/realtime"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { type Database } from "../../lib/database.types"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const RATE = 20
const SECONDS = Number(process.argv[2] ?? 15)
const WARM_UP = 10
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function main() {
  process.env.LMX_TEST_ENGINE = "postgres"
  process.env.DATABASE_URL ||= "postgres://lmx_ci:lmx_ci@127.0.0.1:5432/lmx_dev"
  const { startTestStack } = await import("@lmx/supabase-local/testing/test-stack")
  const stack = await startTestStack()
  const clients: SupabaseClient<Database>[] = []
  try {
    const user = await mintUser(stack)
    const sessionId = randomUUID()
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role)
        values ('${user.id}', '${user.email}', 'authenticated', 'authenticated');
      insert into public.cloud_sessions (id, user_id, title) values ('${sessionId}', '${user.id}', 'Live bench');
    `)
    const client = () => {
      const created = createClient<Database>(stack.url, stack.keys.anonKey, {
        accessToken: async () => user.token,
        realtime: {
          transport: WebSocket as unknown as typeof globalThis.WebSocket,
        },
      })
      clients.push(created)
      return created
    }
    const machine = client()
    const browser = client()
    await browser.realtime.setAuth(user.token)

    const sentAt = new Map<string, number>()
    const heardAt = new Map<string, number>()
    const channel = browser
      .channel(`session:${sessionId}`, {
        config: { private: true },
      })
      .on(
        "postgres_changes",
        {
          event: "INSERT",
          schema: "public",
          table: "cloud_messages",
          filter: `session_id=eq.${sessionId}`,
        },
        (payload) => {
          const id = (payload.new as { id?: string }).id
          if (id) heardAt.set(id, performance.now())
        }
      )
    await subscribe(channel)

    // 1. The machine appends messages at RATE per second, each on the one before.
    const total = SECONDS * RATE + WARM_UP
    const insertMs: number[] = []
    const pending: Promise<void>[] = []
    let parent: string | null = null
    const start = performance.now()
    for (let i = 0; i < total; i += 1) {
      await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()))
      const id = randomUUID()
      const row = {
        id,
        session_id: sessionId,
        user_id: user.id,
        parent_id: parent,
        message_index: i,
        role: i % 2 === 0 ? "user" : "assistant",
        content: `Live message ${i}: the model answers with a short paragraph.`,
      }
      parent = id
      const sent = performance.now()
      sentAt.set(id, sent)
      // Not awaited: the machine keeps its rate whatever one request costs.
      pending.push(
        (async () => {
          const { error } = await machine.from("cloud_messages").insert(row)
          if (error) throw new Error(`insert: ${error.message}`)
          if (i >= WARM_UP) insertMs.push(performance.now() - sent)
        })()
      )
    }
    await Promise.all(pending)
    const messageIds = [...sentAt.keys()].slice(WARM_UP)
    const deadline = performance.now() + 15_000
    while (messageIds.some((id) => !heardAt.has(id)) && performance.now() < deadline) {
      await sleep(50)
    }

    // 2. Yardstick: the same appends straight into the database, at the same rate.
    const pingIds: string[] = []
    const direct: Promise<unknown>[] = []
    const pingStart = performance.now()
    for (let i = 0; i < total; i += 1) {
      await sleep(Math.max(0, pingStart + (i * 1000) / RATE - performance.now()))
      const id = randomUUID()
      sentAt.set(id, performance.now())
      if (i >= WARM_UP) pingIds.push(id)
      direct.push(
        stack.db.query(
          `insert into public.cloud_messages (id, session_id, user_id, parent_id, message_index, role, content)
           values ($1, $2, $3, $4, $5, 'assistant', $6)`,
          [id, sessionId, user.id, parent, total + i, `Direct message ${i}`]
        )
      )
      parent = id
    }
    await Promise.all(direct)
    const pingDeadline = performance.now() + 15_000
    while (pingIds.some((id) => !heardAt.has(id)) && performance.now() < pingDeadline) {
      await sleep(50)
    }

    const latencies = (ids: string[]) =>
      ids.filter((id) => heardAt.has(id)).map((id) => heardAt.get(id)! - sentAt.get(id)!)
    const live = latencies(messageIds)
    const pings = latencies(pingIds)
    const line = (name: string, samples: number[], target = "") =>
      console.log(
        `  ${name.padEnd(46)} median ${formatMs(median(samples)).padStart(9)}   p95 ${formatMs(percentile(samples, 95)).padStart(9)}${target ? `   (target ${target})` : ""}`
      )
    console.log(
      `engine: ${stack.db.engine}; ${RATE} messages/s for ${SECONDS} s into one open session (${messageIds.length} measured, ${messageIds.length - live.length} never heard)`
    )
    line("machine sends → session page hears it", live, "p95 < 250 ms")
    line("  of which: the insert request alone", insertMs)
    line("yardstick: written straight into the database", pings)
    console.log(
      `  p95 / yardstick p95: ${(percentile(live, 95) / percentile(pings, 95)).toFixed(1)}x`
    )
    // A message never heard counts as missed: the figure is then not met, whatever its p95.
    const missed = messageIds.length - live.length
    record({
      name: "sessions-realtime.send_to_heard.p95",
      label:
        "machine sends → session page hears it, p95 (yardstick: written straight into the database)",
      value: missed > 0 ? Number.POSITIVE_INFINITY : percentile(live, 95),
      unit: "ms",
      yardstick: percentile(pings, 95),
      target: "p95 < 250 ms, none missed",
      check: (value) => value < 250,
    })
  } finally {
    for (const created of clients) {
      await created.removeAllChannels()
      created.realtime.disconnect()
    }
    await stack.stop()
  }
}

await main()
