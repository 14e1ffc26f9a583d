// The harness the agent's sync integration tests share (sync-agent.int.test.ts,
// attachments.int.test.ts): a local test stack, the console's device routes called in-process
// instead of over HTTP, a device paired through the API as the agent pairs (approved by the
// demo user), and the real CLI run against a config in a scratch folder. A test file still
// mocks "server-only" itself (vi.mock is hoisted per file).
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { type ServiceFactory } from "@lmx/supabase-local/service"
import {
  startTestStack,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import { expect } from "vitest"
import WebSocket from "ws"

import { devicePairTokenResponseSchema } from "@/lib/devices/schema"

import { runDeviceCli } from "../cli"
import { writeDeviceConfig } from "../config"

export const DEMO_USER = "00000000-0000-4000-a000-000000000001"
export const SERVER = "http://localhost:3000"

type Handler = (request: Request) => Promise<Response>

/**
 * The device routes a harness can serve, imported only once the stack's URL and keys are in
 * the environment (the route modules read them when they load).
 */
const ROUTES = {
  pair: async () => (await import("@/app/api/device/v1/pair/route")).POST,
  "pair/token": async () =>
    (await import("@/app/api/device/v1/pair/token/route")).POST,
  heartbeat: async () =>
    (await import("@/app/api/device/v1/heartbeat/route")).POST,
  "sync/push": async () =>
    (await import("@/app/api/device/v1/sync/push/route")).POST,
  "sync/pull": async () =>
    (await import("@/app/api/device/v1/sync/pull/route")).GET,
  "sync/attachments": async () =>
    (await import("@/app/api/device/v1/sync/attachments/route")).POST,
} satisfies Record<string, () => Promise<Handler>>

export type DeviceRoute = keyof typeof ROUTES

export type SyncHarness = {
  stack: TestStack
  /** The scratch folder; the agent's config is in its `config` folder. */
  work: string
  configPath: string
  deviceId: string
  /** The agent's fetch: console routes in-process, the stack's URL through `stackFetch`. */
  fetch: typeof fetch
  /** Runs `npm run device -- <args>` with the harness's config. */
  agent(...args: string[]): Promise<{ code: number; out: string; err: string }>
  /** A supabase-js client signed in as a user (an access token as Auth mints it). */
  userClient(sub: string): Promise<SupabaseClient>
  stop(): Promise<void>
}

export async function startSyncHarness(options: {
  services: ServiceFactory[]
  /** The console routes served; pairing's two are always there. */
  routes: DeviceRoute[]
  deviceName: string
  /** The client address the routes see. */
  forwardedFor: string
  /** The scratch folder's name prefix. */
  workPrefix: string
  /** Requests to the stack's own URL (Storage uploads); without it they fail as offline. */
  stackFetch?: typeof fetch
}): Promise<SyncHarness> {
  const stack = await startTestStack({ services: options.services })
  let work: string | undefined
  try {
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.NEXT_PUBLIC_SITE_URL = SERVER
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    const handlers: Record<string, Handler> = {}
    for (const route of new Set<DeviceRoute>([
      "pair",
      "pair/token",
      ...options.routes,
    ]))
      handlers[`/api/device/v1/${route}`] = await ROUTES[route]()

    const fetchThroughHandlers: typeof fetch = async (input, init) => {
      const url = new URL(String(input))
      if (options.stackFetch && url.origin === new URL(stack.url).origin)
        return options.stackFetch(input, init)
      const handler = handlers[url.pathname]
      if (!handler) throw new TypeError("fetch failed")
      const headers = new Headers(init?.headers)
      headers.set("x-forwarded-for", options.forwardedFor)

      return handler(
        new Request(`${SERVER}${url.pathname}${url.search}`, {
          ...init,
          headers,
        })
      )
    }

    const userClient = async (sub: string) => {
      const token = await stack.keys.signAccessToken({
        sub,
        role: "authenticated",
        aud: "authenticated",
        exp: Math.floor(Date.now() / 1000) + 600,
      })

      return createClient(stack.url, stack.keys.anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: {
          transport: WebSocket as unknown as typeof globalThis.WebSocket,
        },
        global: { headers: { Authorization: `Bearer ${token}` } },
      })
    }

    // Pair through the API as the agent would, approving as the demo user.
    const started = await (
      await fetchThroughHandlers(`${SERVER}/api/device/v1/pair`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: options.deviceName }),
      })
    ).json()
    const demo = await userClient(DEMO_USER)
    expect(
      (await demo.rpc("pairing_approve", { user_code: started.user_code }))
        .error
    ).toBeNull()
    await stack.db.query(
      "update private.pairing_requests set last_polled_at = now() - interval '1 hour'"
    )
    const grant = devicePairTokenResponseSchema.parse(
      await (
        await fetchThroughHandlers(`${SERVER}/api/device/v1/pair/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ device_code: started.device_code }),
        })
      ).json()
    )
    work = await mkdtemp(path.join(tmpdir(), options.workPrefix))
    const configPath = path.join(work, "config", "device.json")
    await writeDeviceConfig(configPath, {
      version: 1,
      server: SERVER,
      device_id: grant.device_id,
      device_name: grant.device_name,
      device_secret: grant.access_token,
      account: grant.account,
      paired_at: new Date().toISOString(),
    })
    const scratch = work

    return {
      stack,
      work,
      configPath,
      deviceId: grant.device_id,
      fetch: fetchThroughHandlers,
      async agent(...args) {
        const out: string[] = []
        const err: string[] = []
        const code = await runDeviceCli([...args, "--config", configPath], {
          log: (line) => out.push(line),
          error: (line) => err.push(line),
          env: {},
          fetch: fetchThroughHandlers,
          sleep: async () => {},
        })

        return { code, out: out.join("\n"), err: err.join("\n") }
      },
      userClient,
      async stop() {
        await stack.stop()
        await rm(scratch, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await stack.stop()
    if (work) await rm(work, { recursive: true, force: true })
    throw error
  }
}
