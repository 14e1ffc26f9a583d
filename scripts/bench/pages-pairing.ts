// Pair-approve → device-receives-secret latency: how long after the user clicks Approve the
// agent holds its device secret. The agent is the real one (agent/), polling at the
// console's interval, so the figure is dominated by that interval, as a user experiences it;
// the token request that hands over the secret is timed separately (the server's share).
// `measurePairingLatency` works against any console (e.g. `next start`, for bench:pages);
// run directly, this file serves the device API route handlers in-process over a local stack:
//   tsx scripts/bench/pages-pairing.ts [runs]
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { register } from "node:module"
import { type AddressInfo } from "node:net"
import { Readable } from "node:stream"
import { pathToFileURL } from "node:url"

import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { createDeviceApiClient } from "../../agent/api-client"
import { pairDevice } from "../../agent/pairing"
import { formatMs, median, percentile } from "./stats"

export type PairingLatency = {
  runs: number
  /** Approve returned → the agent has the secret. */
  approveToSecretMs: { median: number; p95: number; samples: number[] }
  /** The one token request that answered the secret. */
  tokenExchangeMs: { median: number; p95: number; samples: number[] }
}

/**
 * Pairs `runs` devices one after another; for each, `approve` is called (as the signed-in
 * user would click Approve) at a random moment within the first poll interval. The console
 * allows 20 pairing requests per address per 10 minutes: keep `runs` at 20 or fewer.
 */
export async function measurePairingLatency({
  server,
  approve,
  runs = 10,
  random = Math.random,
}: {
  server: string
  approve: (userCode: string) => Promise<void>
  runs?: number
  random?: () => number
}): Promise<PairingLatency> {
  const approveToSecret: number[] = []
  const exchanges: number[] = []

  for (let run = 0; run < runs; run += 1) {
    let tokenStartedAt = 0
    let lastExchangeMs = 0
    // Times the token request whose answer carries the secret.
    const timedFetch: typeof fetch = async (input, init) => {
      const isToken = String(input).endsWith("/pair/token")
      if (isToken) tokenStartedAt = performance.now()
      const response = await fetch(input, init)
      if (isToken && response.status === 200) {
        lastExchangeMs = performance.now() - tokenStartedAt
      }

      return response
    }
    const client = createDeviceApiClient({ server, fetch: timedFetch })
    let approvedAt = 0
    let approval: Promise<void> = Promise.resolve()

    const grant = await pairDevice({
      client,
      info: { name: `Bench device ${run + 1}`, role: "workstation" },
      onCode: (started) => {
        const delay = random() * started.interval * 1000
        approval = new Promise<void>((resolve) => setTimeout(resolve, delay))
          .then(() => approve(started.user_code))
          .then(() => {
            approvedAt = performance.now()
          })
      },
    })
    const receivedAt = performance.now()
    await approval
    if (!grant.access_token || approvedAt === 0) {
      throw new Error("the agent finished pairing without an approval")
    }
    approveToSecret.push(receivedAt - approvedAt)
    exchanges.push(lastExchangeMs)
  }

  return {
    runs,
    approveToSecretMs: {
      median: median(approveToSecret),
      p95: percentile(approveToSecret, 95),
      samples: approveToSecret,
    },
    tokenExchangeMs: {
      median: median(exchanges),
      p95: percentile(exchanges, 95),
      samples: exchanges,
    },
  }
}

export function printPairingLatency(result: PairingLatency) {
  console.log(
    `pair-approve → device receives secret (${result.runs} pairings, agent polling at the console's interval)`
  )
  console.log(
    `  approve → secret   median ${formatMs(result.approveToSecretMs.median)}   p95 ${formatMs(result.approveToSecretMs.p95)}`
  )
  console.log(
    `  token exchange     median ${formatMs(result.tokenExchangeMs.median)}   p95 ${formatMs(result.tokenExchangeMs.p95)}`
  )
}

type Handler = (request: Request) => Promise<Response>

/** Serves the device API route handlers over HTTP on 127.0.0.1, as `next start` would. */
export async function serveDeviceApi(
  routes: Record<string, Handler>
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const handler = req.method === "POST" ? routes[url.pathname] : undefined
    if (!handler) {
      res.writeHead(404).end()

      return
    }
    const headers = new Headers()
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(key, value)
    }
    // What `next start` adds when no proxy stands in front of it.
    if (!headers.has("x-forwarded-for") && req.socket.remoteAddress) {
      headers.set("x-forwarded-for", req.socket.remoteAddress)
    }
    const response = await handler(
      new Request(url, {
        method: "POST",
        headers,
        body: Readable.toWeb(req) as ReadableStream,
        duplex: "half",
      } as RequestInit)
    )
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function main() {
  const runs = Number(process.argv[2] ?? 10)
  // The route handlers import "server-only", which throws outside Next's server build.
  const stubServerOnly = `export async function resolve(specifier, context, next) {
    return specifier === "server-only"
      ? { url: "data:text/javascript,", shortCircuit: true }
      : next(specifier, context)
  }`
  register(`data:text/javascript,${encodeURIComponent(stubServerOnly)}`)
  const { startTestStack } = await import("@lmx/supabase-local/testing/test-stack")
  const { restService } = await import("@lmx/supabase-local/rest")
  const stack = await startTestStack({ services: [restService] })
  const api = { url: "", close: async () => {} }
  try {
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    process.env.NEXT_PUBLIC_SITE_URL = "http://localhost:3000"
    const served = await serveDeviceApi({
      "/api/device/v1/pair": (await import("../../app/api/device/v1/pair/route")).POST,
      "/api/device/v1/pair/token": (await import("../../app/api/device/v1/pair/token/route")).POST,
      "/api/device/v1/heartbeat": (await import("../../app/api/device/v1/heartbeat/route")).POST,
    })
    Object.assign(api, served)

    const token = await stack.keys.signAccessToken({
      sub: "00000000-0000-4000-a000-000000000001",
      role: "authenticated",
      aud: "authenticated",
      email: "demo@lmx.local",
      exp: Math.floor(Date.now() / 1000) + 3600,
    })
    const user = createClient(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
      global: { headers: { Authorization: `Bearer ${token}` } },
    })
    const result = await measurePairingLatency({
      server: api.url,
      runs,
      approve: async (userCode) => {
        const { data, error } = await user.rpc("pairing_approve", {
          user_code: userCode,
        })
        if (error || !data) throw new Error(`approve failed: ${error?.message ?? "no device"}`)
      },
    })
    console.log(`engine: ${stack.db.engine}; device API in-process over HTTP`)
    printPairingLatency(result)
  } finally {
    await api.close()
    await stack.stop()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
