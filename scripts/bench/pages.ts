// `npm run bench:pages`: how fast the console serves the Devices page to a user with 50
// devices (server response time, median and p95, measured from outside as a browser would
// fetch it with its session cookie), and how long after Approve a pairing device holds its
// secret. It runs the production build against the local stack exactly as the e2e run does
// (scripts/e2e-server.ts: the stack on a fresh in-memory database, `next build`, `next start`).
//   npm run bench:pages [-- --requests 100] [-- --reuse-build]   (--reuse-build: skip
//   `next build` when .next holds a build from an earlier e2e or bench run)
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { parseArgs } from "node:util"

import { createServerClient } from "@supabase/ssr"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import { SignJWT } from "jose"
import WebSocket from "ws"
import { z } from "zod"

import { E2E_APP_URL, E2E_STACK_URL } from "../../e2e/fixtures/urls"
import { sessionCookieOptions } from "../../lib/supabase/cookie-options"
import { DEVICE_API_ROLE } from "../../lib/supabase/device-api-role"
import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const DEVICES = 50
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "50" },
    "pairing-runs": { type: "string", default: "10" },
    "reuse-build": { type: "boolean", default: false },
  },
})
const REQUESTS = z.coerce.number().int().min(5).max(1000).parse(values.requests)
const PAIRING_RUNS = z.coerce.number().int().min(1).max(10).parse(values["pairing-runs"])
// Node 20 has no global WebSocket, and supabase-js builds its Realtime client eagerly.
const transport = WebSocket as unknown as typeof globalThis.WebSocket

async function answers(url: string) {
  try {
    await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) })

    return true
  } catch {
    return false
  }
}

async function startConsole() {
  if ((await answers(E2E_APP_URL)) || (await answers(`${E2E_STACK_URL}/health`))) {
    throw new Error(
      `Something already listens on ${E2E_APP_URL} or ${E2E_STACK_URL} (an e2e run?); stop it first.`
    )
  }
  const reuse = values["reuse-build"] && existsSync(path.join(root, ".next", "BUILD_ID"))
  console.log(reuse ? "Reusing the build in .next" : "Building the app (next build)…")
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/e2e-server.ts"], {
    cwd: root,
    env: { ...process.env, ...(reuse ? { E2E_SKIP_BUILD: "1" } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let log = ""
  child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()))
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) =>
      reject(new Error(`the console exited (${code}):\n${log.slice(-4000)}`))
    )
  )
  const ready = (async () => {
    for (;;) {
      if (await answers(`${E2E_APP_URL}/sign-in`)) return
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  })()
  await Promise.race([ready, exited])
  exited.catch(() => undefined)

  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
}

const stackSchema = z.object({
  url: z.string(),
  anonKey: z.string(),
  serviceRoleKey: z.string(),
  jwtSecret: z.string(),
})

async function createUser(stack: z.infer<typeof stackSchema>) {
  const email = `bench-pages-${Date.now().toString(36)}@example.com`
  const password = "bench-pages-password"
  const response = await fetch(`${stack.url}/auth/v1/admin/users`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      apikey: stack.serviceRoleKey,
      authorization: `Bearer ${stack.serviceRoleKey}`,
    },
    body: JSON.stringify({ email, password, email_confirm: true }),
  })
  if (!response.ok) throw new Error(`creating the bench user failed: ${response.status}`)

  return { email, password }
}

/** The session cookies @supabase/ssr writes for this user, as a browser would send them. */
async function cookieHeader(stack: z.infer<typeof stackSchema>, email: string, password: string) {
  const jar = new Map<string, string>()
  const supabase = createServerClient(stack.url, stack.anonKey, {
    realtime: { transport },
    cookieOptions: sessionCookieOptions(E2E_APP_URL),
    cookies: {
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      setAll: (cookies) => {
        for (const { name, value } of cookies) {
          if (value) jar.set(name, value)
          else jar.delete(name)
        }
      },
    },
  })
  const { error } = await supabase.auth.signInWithPassword({ email, password })
  if (error) throw error
  await supabase.auth.getSession()
  if (jar.size === 0) throw new Error("no session cookie was written")

  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ")
}

/**
 * The pairing functions are the device API's alone (20261203000730_device_api_role.sql): the
 * bench acts as that API does, with its short-lived role token (lib/supabase/device.ts).
 */
async function deviceApiClient(stack: z.infer<typeof stackSchema>) {
  const now = Math.floor(Date.now() / 1000)
  const token = await new SignJWT({ role: DEVICE_API_ROLE })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(stack.jwtSecret))

  return createClient(stack.url, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport },
    global: { headers: { Authorization: `Bearer ${token}` } },
  })
}

/**
 * 50 devices the way real ones arrive: a pairing request (through the device API, each from an
 * address of its own, as the API records it), approved by the user, exchanged for a secret, and for half of them a heartbeat through the device API
 * with hardware and loaded models, so the page renders online and offline cards alike.
 */
async function pairDevices(deviceApi: SupabaseClient, user: SupabaseClient) {
  for (let i = 0; i < DEVICES; i += 1) {
    const started = await deviceApi.rpc("pairing_start", {
      device_name: `Bench device ${i + 1}`,
      hostname: `bench-${i + 1}.local`,
      platform: i % 2 ? "macOS 15.3 (arm64)" : "Linux 6.8 (x86_64)",
      app_version: "1.8.2",
      device_role: i % 3 ? "workstation" : "llm_host",
      requested_ip: `10.0.${i}.1`,
    })
    if (started.error) throw started.error
    const { device_code, user_code } = (
      started.data as { device_code: string; user_code: string }[]
    )[0]!
    const approved = await user.rpc("pairing_approve", { user_code })
    if (approved.error) throw approved.error
    const exchanged = await deviceApi.rpc("pairing_exchange", { device_code })
    if (exchanged.error) throw exchanged.error
    if (i % 2) continue
    const secret = (exchanged.data as { device_secret: string }[])[0]!.device_secret
    const beat = await fetch(`${E2E_APP_URL}/api/device/v1/heartbeat`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${secret}`,
      },
      body: JSON.stringify({
        lan_ip: `192.168.1.${i + 10}`,
        lan_port: 1234,
        capabilities: {
          gpu: "NVIDIA RTX 4090 24 GB",
          memory_gb: 64,
          server: "lmstudio",
          models_loaded: ["qwen3-coder-30b-a3b", "gpt-oss-20b", "mistral-small-3.2-24b"],
          llm_server: { port: 1234, reachable: true, latency_ms: 3 },
          tokens_per_second: 42.5,
        },
      }),
    })
    if (beat.status !== 200)
      throw new Error(`heartbeat answered ${beat.status}: ${await beat.text()}`)
  }
}

async function timePage(cookie: string) {
  const started = performance.now()
  const response = await fetch(`${E2E_APP_URL}/devices`, {
    headers: { cookie },
    redirect: "manual",
  })
  const firstByte = performance.now() - started
  const html = await response.text()
  const total = performance.now() - started
  if (response.status !== 200 || !html.includes("Bench device 50")) {
    throw new Error(`/devices answered ${response.status} without the devices (signed out?)`)
  }

  return { firstByte, total }
}

async function main() {
  const stop = await startConsole()
  try {
    const stack = stackSchema.parse(
      JSON.parse(readFileSync(path.join(root, ".local/e2e/stack.json"), "utf8"))
    )
    const { email, password } = await createUser(stack)
    const options = {
      realtime: { transport },
      auth: { persistSession: false, autoRefreshToken: false },
    }
    const user = createClient(stack.url, stack.anonKey, options)
    const signedIn = await user.auth.signInWithPassword({ email, password })
    if (signedIn.error) throw signedIn.error
    await pairDevices(await deviceApiClient(stack), user)
    const cookie = await cookieHeader(stack, email, password)

    // Warm-up: the first requests compile routes and fill caches in `next start`.
    for (let i = 0; i < 5; i += 1) await timePage(cookie)
    const firstBytes: number[] = []
    const totals: number[] = []
    for (let i = 0; i < REQUESTS; i += 1) {
      const { firstByte, total } = await timePage(cookie)
      firstBytes.push(firstByte)
      totals.push(total)
    }
    console.log(
      `\nDevices page, ${DEVICES} devices, ${REQUESTS} sequential requests (next start, local stack on PGlite in memory)`
    )
    console.log(
      `  first byte         median ${formatMs(median(firstBytes))}   p95 ${formatMs(percentile(firstBytes, 95))}`
    )
    console.log(
      `  full response      median ${formatMs(median(totals))}   p95 ${formatMs(percentile(totals, 95))}`
    )
    // Yardstick, same run: the page's main query (lib/devices/queries.ts listDevices) made
    // directly through the local stack's REST API, so the ratio is what rendering adds.
    const direct: number[] = []
    for (let i = 0; i < REQUESTS; i += 1) {
      const started = performance.now()
      const { data, error } = await user
        .from("devices")
        .select("*")
        .order("updated_at", { ascending: false })
        .limit(500)
      if (error || data.length < DEVICES) throw new Error(`devices query failed: ${error?.message}`)
      direct.push(performance.now() - started)
    }
    console.log(
      `  yardstick, the devices query alone through REST: median ${formatMs(median(direct))}   p95 ${formatMs(percentile(direct, 95))}`
    )
    record({
      name: "pages.devices_page.p95",
      label: `/devices with ${DEVICES} devices, full response p95 (yardstick: its devices query alone)`,
      value: percentile(totals, 95),
      unit: "ms",
      yardstick: percentile(direct, 95),
    })

    const pairing = await import("./pages-pairing").catch(() => null)
    if (!pairing) {
      console.log(
        "\npair-approve → secret: scripts/bench/pages-pairing.ts is missing; not measured"
      )

      return
    }
    const result = await pairing.measurePairingLatency({
      server: E2E_APP_URL,
      runs: PAIRING_RUNS,
      // The approval the pair page's server action makes, as the signed-in user.
      approve: async (userCode) => {
        const { data, error } = await user.rpc("pairing_approve", {
          user_code: userCode,
        })
        if (error || !data) throw new Error(`approve failed: ${error?.message ?? "no device"}`)
      },
    })
    console.log("")
    pairing.printPairingLatency(result)
    // The agent polls at the interval the console answers, so the approval waits up to one
    // poll: the token exchange that answers the secret is the part the console controls.
    record({
      name: "pages.pairing.approve_to_secret.p95",
      label: "pair-approve → the agent holds its secret, p95 (yardstick: the token exchange p95)",
      value: result.approveToSecretMs.p95,
      unit: "ms",
      yardstick: result.tokenExchangeMs.p95,
    })
  } finally {
    await stop()
  }
}

await main()
