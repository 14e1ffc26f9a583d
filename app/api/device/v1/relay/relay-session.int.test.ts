import { restService } from "@lmx/supabase-local/rest"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import { relaySessionResponseSchema } from "@/lib/chat/relay-protocol"
import { deviceApiErrorSchema } from "@/lib/devices/schema"

import { DEMO_DEVICE_SECRET } from "../../../../../scripts/dev-demo-heartbeat"

// POST /api/device/v1/relay/session: the chat relay's device JWT (docs/chat-relay.md), for the
// seeded demo host "Studio Mac" (its public demo secret is in supabase/seed.sql).

// "server-only" throws outside Next's react-server build; here the handler runs in plain Node.
vi.mock("server-only", () => ({}))

const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const DEMO_USER = "00000000-0000-4000-a000-000000000001"

let stack: TestStack
let sessionPost: (request: Request) => Promise<Response>

const post = (secret?: string) =>
  sessionPost(
    new Request("http://localhost:3000/api/device/v1/relay/session", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-forwarded-for": "198.18.200.1",
        ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      },
      body: "{}",
    })
  )

describe(`relay session route (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    stack = await startTestStack({ services: [restService] })
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.NEXT_PUBLIC_SITE_URL = "https://console.lmx.test"
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    process.env.TRUSTED_PROXY_HOPS = "1"
    sessionPost = (await import("./session/route")).POST
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("gives the device a short-lived JWT naming it, and the port set in the console", async () => {
    const response = await post(DEMO_DEVICE_SECRET)
    expect(response.status).toBe(200)
    const body = relaySessionResponseSchema.parse(await response.json())
    expect(body).toMatchObject({ device_id: STUDIO_MAC, lan_port: 1234 })
    expect(body.realtime.url).toBe(stack.url)
    expect(body.realtime.expires_in).toBe(300)
    expect(decodeJwt(body.realtime.token)).toMatchObject({
      sub: DEMO_USER,
      device_id: STUDIO_MAC,
      role: "authenticated",
    })
  })

  it("refuses a missing secret and a revoked device", async () => {
    const missing = await post()
    expect(missing.status).toBe(401)
    expect(deviceApiErrorSchema.parse(await missing.json()).error).toBe(
      "missing_device_secret"
    )

    await stack.db.query(
      "update public.devices set revoked_at = now() where id = $1",
      [STUDIO_MAC]
    )
    const revoked = await post(DEMO_DEVICE_SECRET)
    expect(revoked.status).toBe(401)
    expect(deviceApiErrorSchema.parse(await revoked.json()).error).toBe(
      "device_revoked"
    )
  })
})
