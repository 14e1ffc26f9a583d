// `npm run bench:sessions:sync`: the device agent's `sync` end to end — JSONL files on disk →
// the agent (importer, state file, batches) → the sync push route handler over HTTP → the
// local stack's REST API → sync_push on Postgres (DATABASE_URL, else the machine's server).
//   1. 10,000 messages in 100 sessions, first sync            (target < 2 s)
//   2. the same files again, nothing changed                 (target < 300 ms)
//   3. one changed session among 1,000 synced (10 messages each) (target < 150 ms)
// Yardstick, same run and database: a plain batched upsert of the same 10,000 messages and
// 100 sessions as one SQL statement per 2,000 rows, without the API, RLS or sync_push.
// Then a profile of one more first sync: where its time goes (the agent alone, as a dry run;
// the route handler; the REST API; the database's statements), each layer's busy time within
// the one above it (busy-time.ts).
//   npm run bench:sessions:sync [-- RUNS]   (default 5 runs per case)
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { register } from "node:module"
import { tmpdir } from "node:os"
import path from "node:path"

import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { runDeviceCli } from "../../agent/cli"
import { writeDeviceConfig } from "../../agent/config"
import { BusyMeter, intersect, length, union } from "./busy-time"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const DEMO_USER = "00000000-0000-4000-a000-000000000001"
const WORDS =
  "the model answers with a short paragraph about quantisation memory bandwidth and tokens per second on the studio mac".split(
    " "
  )

function text(seed: number, words: number) {
  return Array.from({ length: words }, (_, i) => WORDS[(seed * 7 + i * 3) % WORDS.length]).join(" ")
}

/** One JSONL file per session, `messages` each, ids unique to `prefix`. */
async function writeChats(folder: string, prefix: string, sessions: number, messages: number) {
  await mkdir(folder, { recursive: true })
  for (let s = 0; s < sessions; s += 1) {
    const id = `${prefix}-s${s}`
    const lines = [
      JSON.stringify({ type: "session", id, title: `Bench chat ${s}`, model: "qwen3-coder-30b" }),
    ]
    for (let m = 0; m < messages; m += 1) {
      lines.push(
        JSON.stringify({
          type: "message",
          id: `m${m}`,
          parent_id: m === 0 ? null : `m${m - 1}`,
          role: m % 2 === 0 ? "user" : "assistant",
          content: text(s + m, 40),
          model: "qwen3-coder-30b",
          usage: { input_tokens: 200 + m, output_tokens: 80 },
          tokens_per_second: 55.5,
          created_at: new Date(Date.UTC(2026, 11, 1, 0, s, m)).toISOString(),
        })
      )
    }
    await writeFile(path.join(folder, `${id}.jsonl`), `${lines.join("\n")}\n`)
  }
}

async function main() {
  const runs = Number(process.argv[2] ?? 5)
  process.env.LMX_TEST_ENGINE = "postgres"
  process.env.DATABASE_URL ||= "postgres://lmx_ci:lmx_ci@127.0.0.1:5432/lmx_dev"
  // The route handlers import "server-only", which throws outside Next's server build.
  register(
    `data:text/javascript,${encodeURIComponent(`export async function resolve(specifier, context, next) {
      return specifier === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(specifier, context)
    }`)}`
  )
  const { startTestStack } = await import("@lmx/supabase-local/testing/test-stack")
  const { restService } = await import("@lmx/supabase-local/rest")
  const { serveDeviceApi } = await import("./pages-pairing")
  const stack = await startTestStack({ services: [restService] })
  const work = await mkdtemp(path.join(tmpdir(), "lmx-bench-sync-"))
  let api: { url: string; close(): Promise<void> } | undefined
  try {
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    process.env.NEXT_PUBLIC_SITE_URL = "http://localhost:3000"
    // The profile's meters: when the push route handler, its REST calls (the stack runs in
    // this process) and the database statements REST runs were busy. Off until the profile.
    const meters = { route: new BusyMeter(), rest: new BusyMeter(), db: new BusyMeter() }
    const metering = (on: boolean) => {
      for (const meter of Object.values(meters)) meter.on = on
    }
    const pushRoute = (await import("../../app/api/device/v1/sync/push/route")).POST
    const realFetch = globalThis.fetch
    globalThis.fetch = (input, init) =>
      String(input instanceof Request ? input.url : input).startsWith(stack.url)
        ? meters.rest.time(() => realFetch(input, init))
        : realFetch(input, init)
    // Every way REST reaches the database: one-statement requests go as named prepared
    // statements (db.prepared, on both engines), the rest in a transaction.
    const db = stack.db
    const realQuery = db.query.bind(db)
    const realTransaction = db.transaction.bind(db)
    const realScript = db.script.bind(db)
    const realPrepared = db.prepared.bind(db)
    db.query = ((sql: string, params?: unknown[]) =>
      meters.db.time(() => realQuery(sql, params))) as typeof db.query
    db.transaction = ((fn: Parameters<typeof realTransaction>[0], options) =>
      meters.db.time(() => realTransaction(fn, options))) as typeof db.transaction
    db.script = ((sql: string, options) =>
      meters.db.time(() => realScript(sql, options))) as typeof db.script
    db.prepared = ((statements: Parameters<typeof realPrepared>[0], options) =>
      meters.db.time(() => realPrepared(statements, options))) as typeof realPrepared
    api = await serveDeviceApi({
      "/api/device/v1/pair": (await import("../../app/api/device/v1/pair/route")).POST,
      "/api/device/v1/pair/token": (await import("../../app/api/device/v1/pair/token/route")).POST,
      "/api/device/v1/sync/push": (request) => meters.route.time(() => pushRoute(request)),
    })
    const server = api.url

    // A paired device, as the agent gets one.
    const post = async (route: string, body: unknown) =>
      (await fetch(`${server}/api/device/v1/${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json())) as Record<string, string>
    const started = await post("pair", { name: "Bench Mac" })
    const token = await stack.keys.signAccessToken({
      sub: DEMO_USER,
      role: "authenticated",
      aud: "authenticated",
      exp: Math.floor(Date.now() / 1000) + 3600,
    })
    const user = createClient(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
      global: { headers: { Authorization: `Bearer ${token}` } },
    })
    const approved = await user.rpc("pairing_approve", { user_code: started.user_code! })
    if (approved.error) throw new Error(approved.error.message)
    await stack.db.query(
      "update private.pairing_requests set last_polled_at = now() - interval '1 hour'"
    )
    const grant = await post("pair/token", { device_code: started.device_code })
    const configPath = path.join(work, "config", "device.json")
    await writeDeviceConfig(configPath, {
      version: 1,
      server,
      device_id: grant.device_id!,
      device_name: "Bench Mac",
      device_secret: grant.access_token!,
      account: { id: DEMO_USER, email: "demo@lmx.local" },
      paired_at: new Date().toISOString(),
    })
    const statePath = path.join(work, "config", "sync-state.json")

    const sync = async (folder: string, extra: string[] = []) => {
      const lines: string[] = []
      const errors: string[] = []
      const started = performance.now()
      const code = await runDeviceCli(
        ["sync", folder, "--source", "jsonl", "--config", configPath, ...extra],
        {
          log: (line) => lines.push(line),
          error: (line) => errors.push(line),
          env: {},
        }
      )
      const ms = performance.now() - started
      if (code !== 0) throw new Error(`sync failed:\n${[...lines, ...errors].join("\n")}`)

      return { ms, lines }
    }

    // 1. First sync of 10,000 messages, fresh ids and a fresh state each run; 2. re-sync.
    const first: number[] = []
    const again: number[] = []
    let lastSummary = ""
    for (let run = 0; run < runs + 1; run += 1) {
      const folder = path.join(work, `full-${run}`)
      await writeChats(folder, `full${run}`, 100, 100)
      await rm(statePath, { force: true })
      const done = await sync(folder)
      lastSummary = done.lines.find((l) => l.startsWith("console:")) ?? ""
      const repeat = await sync(folder)
      if (run === 0) continue // warm-up: JIT, connection pools, the schema cache
      first.push(done.ms)
      again.push(repeat.ms)
    }

    // 3. One changed session among 1,000 synced.
    const big = path.join(work, "thousand")
    await rm(statePath, { force: true })
    await writeChats(big, "k", 1000, 10)
    await sync(big)
    const oneChanged: number[] = []
    for (let run = 0; run < runs + 1; run += 1) {
      const file = path.join(big, `k-s${run * 7}.jsonl`)
      await writeFile(
        file,
        JSON.stringify({
          type: "message",
          id: `extra${run}`,
          role: "user",
          content: `one more ${run}`,
        }) + "\n",
        { flag: "a" }
      )
      const done = await sync(big)
      if (run > 0) oneChanged.push(done.ms)
    }

    // Yardstick: the same 100 sessions and 10,000 messages, plain upserts in batches.
    const yardstick: number[] = []
    for (let run = 0; run < runs + 1; run += 1) {
      const sessions = Array.from({ length: 100 }, (_, s) => ({
        id: crypto.randomUUID(),
        title: `Yardstick ${s}`,
      }))
      const messages = sessions.flatMap((session, s) =>
        Array.from({ length: 100 }, (_, m) => ({
          id: crypto.randomUUID(),
          session_id: session.id,
          message_index: m,
          role: m % 2 === 0 ? "user" : "assistant",
          content: text(s + m, 40),
          model: "qwen3-coder-30b",
          input_tokens: 200 + m,
          output_tokens: 80,
        }))
      )
      const started = performance.now()
      await stack.db.query(
        `insert into public.cloud_sessions (id, user_id, title)
         select x.id, $2, x.title from jsonb_to_recordset($1::jsonb) as x(id uuid, title text)
         on conflict (id) do update set title = excluded.title`,
        [JSON.stringify(sessions), DEMO_USER]
      )
      for (let i = 0; i < messages.length; i += 2000) {
        await stack.db.query(
          `insert into public.cloud_messages (id, session_id, user_id, message_index, role, content, model, input_tokens, output_tokens)
           select x.id, x.session_id, $2, x.message_index, x.role, x.content, x.model, x.input_tokens, x.output_tokens
             from jsonb_to_recordset($1::jsonb) as x(id uuid, session_id uuid, message_index int, role text,
                  content text, model text, input_tokens int, output_tokens int)
           on conflict (id) do update set content = excluded.content`,
          [JSON.stringify(messages.slice(i, i + 2000)), DEMO_USER]
        )
      }
      if (run > 0) yardstick.push(performance.now() - started)
    }

    // Profile: the agent alone (a dry run reads, parses, hashes and plans, sends nothing),
    // then one metered first sync of fresh files.
    const profileFolder = path.join(work, "profile")
    await writeChats(profileFolder, "profile", 100, 100)
    await rm(statePath, { force: true })
    const dryRun = await sync(profileFolder, ["--dry-run"])
    await rm(statePath, { force: true })
    metering(true)
    const profiled = await sync(profileFolder)
    // The search indexing the route starts after answering runs on beside the agent.
    await meters.rest.settled()
    metering(false)

    const line = (name: string, samples: number[], target: string) =>
      console.log(
        `  ${name.padEnd(44)} median ${formatMs(median(samples)).padStart(9)}   p95 ${formatMs(percentile(samples, 95)).padStart(9)}   (target ${target})`
      )
    console.log(
      `engine: ${stack.db.engine}; agent → route handler over HTTP → REST → Postgres; ${runs} runs each`
    )
    line("10,000 messages in 100 sessions, first sync", first, "< 2 s")
    line("re-sync, nothing changed", again, "< 300 ms")
    line("one changed session in 1,000 synced", oneChanged, "< 150 ms")
    line("yardstick: plain batched upsert, same rows", yardstick, "—")
    console.log(
      `  first sync / yardstick: ${(median(first) / median(yardstick)).toFixed(1)}x   (${lastSummary})`
    )
    record({
      name: "sessions-sync.first_sync_10000_messages.median",
      label: "first sync of 10,000 messages, median (yardstick: plain batched upsert, same rows)",
      value: median(first),
      unit: "ms",
      yardstick: median(yardstick),
      target: "< 2,000 ms",
      check: (value) => value < 2000,
    })
    record({
      name: "sessions-sync.resync_unchanged.median",
      label: "re-sync, nothing changed, median (yardstick: plain batched upsert of the 10,000)",
      value: median(again),
      unit: "ms",
      yardstick: median(yardstick),
      target: "< 300 ms",
      check: (value) => value < 300,
    })
    record({
      name: "sessions-sync.one_changed_in_1000.median",
      label:
        "one changed session in 1,000 synced, median (yardstick: plain batched upsert of the 10,000)",
      value: median(oneChanged),
      unit: "ms",
      yardstick: median(yardstick),
      target: "< 150 ms",
      check: (value) => value < 150,
    })
    const share = (ms: number) =>
      `${formatMs(ms).padStart(9)} (${((100 * ms) / profiled.ms).toFixed(0).padStart(3)}%)`
    // Each layer inside the one above it; REST work outside every route call (the search
    // indexing started after a reply) is shown apart, as it overlaps the agent's own work.
    const route = union(meters.route.intervals)
    const restInRoute = intersect(meters.rest.intervals, route)
    const dbInRoute = intersect(meters.db.intervals, restInRoute)
    const restAfter = length(meters.rest.intervals) - length(restInRoute)
    const dbAfter = length(meters.db.intervals) - length(dbInRoute)
    console.log(`profile of one first sync, ${formatMs(profiled.ms)} in all (busy time per layer):`)
    console.log(`  agent alone (dry run: read, parse, hash, plan)  ${share(dryRun.ms)}`)
    console.log(
      `  agent and HTTP outside the route handler        ${share(profiled.ms - length(route))}`
    )
    console.log(
      `  route handler outside its REST calls           ${share(length(route) - length(restInRoute))}`
    )
    console.log(
      `  REST API outside the database (${meters.rest.calls} calls)        ${share(length(restInRoute) - length(dbInRoute))}`
    )
    console.log(
      `  database statements (${meters.db.calls} calls)             ${share(length(dbInRoute))}`
    )
    console.log(
      `  after the replies, beside the agent (search indexing): REST ${formatMs(restAfter)}, of it database ${formatMs(dbAfter)}`
    )
  } finally {
    await api?.close()
    await stack.stop()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
