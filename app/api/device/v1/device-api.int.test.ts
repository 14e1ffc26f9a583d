import { randomBytes } from "node:crypto"

import { restService } from "@lmx/supabase-local/rest"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"

import { deriveOnlineState } from "@/lib/devices/online"
import {
  deviceApiErrorSchema,
  devicePairStartResponseSchema,
  devicePairTokenResponseSchema,
} from "@/lib/devices/schema"
import { type mintDeviceJwt as MintDeviceJwtFn } from "@/lib/supabase/device"

// The device API's route handlers, called directly with Request objects, against a local
// stack (REST only: user tokens are minted with the stack's keys, as Auth would sign them).

// "server-only" throws outside Next's react-server build; here the handlers run in plain Node.
vi.mock("server-only", () => ({}))

const DEMO_USER = "00000000-0000-4000-a000-000000000001"
const DEMO_EMAIL = "demo@lmx.local"
const SITE_URL = "https://console.lmx.test"

type MintDeviceJwt = typeof MintDeviceJwtFn
type Handler = (request: Request) => Promise<Response>

let stack: TestStack
let pairPost: Handler
let tokenPost: Handler
let heartbeatPost: Handler
let mintDeviceJwt: MintDeviceJwt

let ipCounter = 0
/** Each test speaks from its own address so per-address limits never leak between tests. */
function nextIp() {
  ipCounter += 1

  return `198.18.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`
}

function request(
  path: string,
  body: unknown,
  {
    ip,
    secret,
    headers = {},
    raw = false,
  }: {
    ip: string
    secret?: string
    headers?: Record<string, string>
    raw?: boolean
  }
) {
  return new Request(`http://localhost:3000/api/device/v1/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": ip,
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      ...headers,
    },
    body: raw ? (body as string) : JSON.stringify(body),
  })
}

async function errorOf(response: Response) {
  return deviceApiErrorSchema.parse(await response.json())
}

const DEVICE = {
  name: "Bench Box",
  hostname: "bench.local",
  platform: "Linux 6.8 (x64)",
  app_version: "0.1.0",
  role: "llm_host",
}

async function startPairing(ip = nextIp(), body: unknown = DEVICE) {
  const response = await pairPost(request("pair", body, { ip }))
  expect(response.status).toBe(200)

  return devicePairStartResponseSchema.parse(await response.json())
}

const poll = (deviceCode: string, ip: string) =>
  tokenPost(request("pair/token", { device_code: deviceCode }, { ip }))

/** Lets the next poll through without slow_down, as if the device had waited its interval. */
async function forgetLastPoll() {
  await stack.db.query(
    "update private.pairing_requests set last_polled_at = now() - interval '1 hour'"
  )
}

async function userClient(userId = DEMO_USER, email = DEMO_EMAIL) {
  const token = await stack.keys.signAccessToken({
    sub: userId,
    role: "authenticated",
    aud: "authenticated",
    email,
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

async function approve(userCode: string, name?: string) {
  const user = await userClient()
  const { data, error } = await user.rpc("pairing_approve", {
    user_code: userCode,
    ...(name ? { device_name: name } : {}),
  })
  expect(error).toBeNull()
  expect(typeof data).toBe("string")

  return data as string
}

/** Pairs a device end to end and returns its secret and id. */
async function pairDevice(ip = nextIp()) {
  const started = await startPairing(ip)
  await approve(started.user_code)
  await forgetLastPoll()
  const response = await poll(started.device_code, ip)
  expect(response.status).toBe(200)

  return devicePairTokenResponseSchema.parse(await response.json())
}

async function deviceRow(id: string) {
  const { rows } = await stack.db.query<{
    last_seen_at: string | null
    hostname: string | null
    lan_ip: string | null
    lan_port: number
    tunnel_url: string | null
    capabilities: Record<string, unknown>
    app_version: string | null
    name: string
  }>(
    "select last_seen_at, hostname, host(lan_ip) as lan_ip, lan_port, tunnel_url, capabilities, app_version, name from public.devices where id = $1",
    [id]
  )

  return rows[0]
}

describe(`device API route handlers (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    stack = await startTestStack({ services: [restService] })
    // lib/env.ts parses process.env on first use and caches it: set everything before the
    // handlers are imported (and therefore before any of them runs).
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.NEXT_PUBLIC_SITE_URL = SITE_URL
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    // As behind one reverse proxy: each test's request names its address in X-Forwarded-For.
    process.env.TRUSTED_PROXY_HOPS = "1"
    pairPost = (await import("./pair/route")).POST
    tokenPost = (await import("./pair/token/route")).POST
    heartbeatPost = (await import("./heartbeat/route")).POST
    mintDeviceJwt = (await import("@/lib/supabase/device")).mintDeviceJwt
  })
  afterAll(async () => {
    await stack?.stop()
  })

  describe("the whole pairing flow", () => {
    it("start → pending → approve → secret once → heartbeat → revoke → refused", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      expect(started.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
      expect(started.verification_uri).toBe(`${SITE_URL}/pair`)
      expect(started.verification_uri_complete).toBe(
        `${SITE_URL}/pair?code=${started.user_code}`
      )
      expect(started.interval).toBe(5)
      expect(started.expires_in).toBeGreaterThan(590)
      expect(started.expires_in).toBeLessThanOrEqual(600)

      // The pair page sees what is asking, including the address it asked from.
      const user = await userClient()
      const looked = await user.rpc("pairing_lookup", {
        user_code: started.user_code,
      })
      expect(looked.error).toBeNull()
      expect(looked.data).toMatchObject([
        {
          device_name: "Bench Box",
          hostname: "bench.local",
          platform: "Linux 6.8 (x64)",
          app_version: "0.1.0",
          device_role: "llm_host",
          requested_ip: ip,
        },
      ])

      const pending = await poll(started.device_code, ip)
      expect(pending.status).toBe(400)
      expect(pending.headers.get("cache-control")).toContain("no-store")
      expect(await pending.json()).toEqual({
        error: "authorization_pending",
        message: expect.any(String),
        error_description: expect.any(String),
        interval: 5,
      })

      const deviceId = await approve(started.user_code, "Renamed Box")
      await forgetLastPoll()
      const granted = await poll(started.device_code, ip)
      expect(granted.status).toBe(200)
      expect(granted.headers.get("cache-control")).toContain("no-store")
      const grant = devicePairTokenResponseSchema.parse(await granted.json())
      expect(grant).toEqual({
        access_token: expect.stringMatching(/^lmxd_[0-9a-f]{64}$/),
        token_type: "Bearer",
        device_id: deviceId,
        device_name: "Renamed Box",
        account: { id: DEMO_USER, email: DEMO_EMAIL },
      })

      // The secret is handed out exactly once.
      await forgetLastPoll()
      const again = await poll(started.device_code, ip)
      expect(again.status).toBe(400)
      expect((await errorOf(again)).error).toBe("expired_token")

      const before = await deviceRow(deviceId)
      expect(before?.last_seen_at).toBeNull()
      const beat = await heartbeatPost(
        request(
          "heartbeat",
          {
            hostname: "bench.local",
            platform: "Linux 6.8 (x64)",
            app_version: "0.1.1",
            lan_ip: "192.168.1.20",
            lan_port: 1234,
            tunnel_url: "https://bench.tunnel.example",
            capabilities: {
              gpu: "NVIDIA RTX 4090 24 GB",
              memory_gb: 64,
              server: "lmstudio",
              models_loaded: ["qwen3-coder-30b-a3b"],
              llm_server: { port: 1234, reachable: true, latency_ms: 3 },
            },
          },
          { ip, secret: grant.access_token }
        )
      )
      expect(beat.status).toBe(200)
      expect(await beat.json()).toEqual({
        device_id: deviceId,
        device_name: "Renamed Box",
        last_seen_at: expect.any(String),
        lan_port: 1234,
        next_heartbeat_in: 30,
      })
      const after = await deviceRow(deviceId)
      expect(after).toMatchObject({
        hostname: "bench.local",
        app_version: "0.1.1",
        lan_ip: "192.168.1.20",
        lan_port: 1234,
        tunnel_url: "https://bench.tunnel.example",
        capabilities: {
          gpu: "NVIDIA RTX 4090 24 GB",
          models_loaded: ["qwen3-coder-30b-a3b"],
        },
      })
      expect(after?.last_seen_at).not.toBeNull()

      // The console shows it online.
      const listed = await user
        .from("devices")
        .select("last_seen_at, revoked_at")
        .eq("id", deviceId)
        .single()
      expect(listed.error).toBeNull()
      expect(listed.data && deriveOnlineState(listed.data, Date.now())).toBe(
        "online"
      )

      const revoked = await user
        .from("devices")
        .update({ revoked_at: new Date().toISOString() })
        .eq("id", deviceId)
        .select("id")
      expect(revoked.error).toBeNull()
      expect(revoked.data).toHaveLength(1)

      const refused = await heartbeatPost(
        request("heartbeat", {}, { ip, secret: grant.access_token })
      )
      expect(refused.status).toBe(401)
      const body = await errorOf(refused)
      expect(body.error).toBe("device_revoked")
      expect(body.message).toContain("revoked from the console")
      expect(body.message).toContain("npm run device -- pair")
    })

    it("answers slow_down and a longer interval to a device polling too fast", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      expect((await errorOf(await poll(started.device_code, ip))).error).toBe(
        "authorization_pending"
      )
      const fast = await poll(started.device_code, ip)
      expect(fast.status).toBe(400)
      expect(await errorOf(fast)).toMatchObject({
        error: "slow_down",
        interval: 10,
      })
    })

    it("answers access_denied after the user denies, and never a secret", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      const user = await userClient()
      const denied = await user.rpc("pairing_deny", {
        user_code: started.user_code,
      })
      expect(denied.data).toBe(true)
      await forgetLastPoll()
      const response = await poll(started.device_code, ip)
      expect(response.status).toBe(400)
      expect(await errorOf(response)).toMatchObject({
        error: "access_denied",
        error_description: "The pairing was denied in the console.",
      })
    })

    it("answers expired_token once the code has expired, even if approved", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      await approve(started.user_code)
      await stack.db.query(
        "update private.pairing_requests set expires_at = now() - interval '1 second', created_at = now() - interval '11 minutes' where user_code_hash = private.hash_code($1)",
        [started.user_code.replace("-", "")]
      )
      await forgetLastPoll()
      const response = await poll(started.device_code, ip)
      expect(response.status).toBe(400)
      expect((await errorOf(response)).error).toBe("expired_token")
    })

    it("answers invalid_grant for a device code that matches nothing", async () => {
      const response = await poll("0".repeat(64), nextIp())
      expect(response.status).toBe(400)
      expect((await errorOf(response)).error).toBe("invalid_grant")
    })

    it("hands the secret to exactly one of two concurrent polls", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      await approve(started.user_code)
      await forgetLastPoll()
      const responses = await Promise.all([
        poll(started.device_code, ip),
        poll(started.device_code, ip),
      ])
      expect(responses.map((r) => r.status).sort()).toEqual([200, 400])
    })

    it("mints device JWTs of a few minutes that the stack accepts", async () => {
      const now = Math.floor(Date.now() / 1000)
      const token = await mintDeviceJwt(
        { deviceId: "00000000-0000-4000-b000-000000000001", userId: DEMO_USER },
        now
      )
      const claims = await stack.keys.verify(token)
      expect(claims).toMatchObject({
        sub: DEMO_USER,
        role: "authenticated",
        aud: "authenticated",
        device_id: "00000000-0000-4000-b000-000000000001",
        iat: now,
        exp: now + 300,
      })
    })
  })

  describe("bad input", () => {
    const cases: {
      name: string
      body: string
      status: number
      error: string
    }[] = [
      {
        name: "malformed JSON",
        body: "{name:",
        status: 400,
        error: "invalid_json",
      },
      { name: "an empty body", body: "", status: 400, error: "invalid_json" },
      {
        name: "a JSON array",
        body: "[]",
        status: 422,
        error: "invalid_request",
      },
      {
        name: "a wrong type",
        body: JSON.stringify({ name: 42 }),
        status: 422,
        error: "invalid_request",
      },
      {
        name: "an unknown field",
        body: JSON.stringify({ name: "Box", user_id: DEMO_USER }),
        status: 422,
        error: "invalid_request",
      },
      {
        name: "an unknown role",
        body: JSON.stringify({ name: "Box", role: "admin" }),
        status: 422,
        error: "invalid_request",
      },
      {
        name: "a name over 80 characters",
        body: JSON.stringify({ name: "x".repeat(81) }),
        status: 422,
        error: "invalid_request",
      },
    ]

    for (const c of cases) {
      it(`pair: ${c.name} → ${c.status} ${c.error}, nothing stored`, async () => {
        const ip = nextIp()
        const response = await pairPost(
          request("pair", c.body, { ip, raw: true })
        )
        expect(response.status).toBe(c.status)
        const body = await errorOf(response)
        expect(body.error).toBe(c.error)
        expect(body.message.length).toBeGreaterThan(0)
        const { rows } = await stack.db.query(
          "select 1 from private.pairing_requests where requested_ip = $1::inet",
          [ip]
        )
        expect(rows).toHaveLength(0)
      })
    }

    it("pair: names the unknown field and the wrong type in issues", async () => {
      const response = await pairPost(
        request("pair", { name: 7, owner: "me" }, { ip: nextIp() })
      )
      expect(response.status).toBe(422)
      const body = await errorOf(response)
      expect(body.issues).toEqual(
        expect.arrayContaining([
          { path: "", message: "Unknown field: owner." },
          { path: "name", message: "Name is required and must be text." },
        ])
      )
    })

    it("pair: a body over 4 KiB → 413, counted as it streams", async () => {
      const response = await pairPost(
        request(
          "pair",
          JSON.stringify({ name: "Box", hostname: "h".repeat(5000) }),
          { ip: nextIp(), raw: true }
        )
      )
      expect(response.status).toBe(413)
      expect((await errorOf(response)).error).toBe("payload_too_large")
    })

    it("pair: a declared Content-Length over the limit → 413 before reading", async () => {
      const response = await pairPost(
        request("pair", "{}", {
          ip: nextIp(),
          raw: true,
          headers: { "content-length": "1000000" },
        })
      )
      expect(response.status).toBe(413)
    })

    it("pair: a non-JSON content type → 415", async () => {
      const response = await pairPost(
        request("pair", "name=Box", {
          ip: nextIp(),
          raw: true,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        })
      )
      expect(response.status).toBe(415)
      expect((await errorOf(response)).error).toBe("unsupported_media_type")
    })

    it("pair/token: malformed JSON, wrong types, unknown fields, wrong grant → 400", async () => {
      const bodies = [
        "{",
        JSON.stringify({ device_code: 12 }),
        JSON.stringify({ device_code: "abc", client_secret: "x" }),
        JSON.stringify({ device_code: "abc", grant_type: "password" }),
        JSON.stringify({}),
      ]
      for (const body of bodies) {
        const response = await tokenPost(
          request("pair/token", body, { ip: nextIp(), raw: true })
        )
        expect(response.status, body).toBe(400)
        const error = await errorOf(response)
        expect(["invalid_json", "invalid_request"]).toContain(error.error)
        expect(error.error_description).toBe(error.message)
      }
    })

    it("pair/token: accepts RFC 8628's grant_type", async () => {
      const ip = nextIp()
      const started = await startPairing(ip)
      const response = await tokenPost(
        request(
          "pair/token",
          {
            device_code: started.device_code,
            grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          },
          { ip }
        )
      )
      expect((await errorOf(response)).error).toBe("authorization_pending")
    })

    it("pair/token: a body over 1 KiB → 413", async () => {
      const response = await tokenPost(
        request(
          "pair/token",
          { device_code: "a".repeat(2000) },
          { ip: nextIp() }
        )
      )
      expect(response.status).toBe(413)
    })

    it("heartbeat: settles its owner's runs whose worker stopped renewing the lease", async () => {
      // A worker on this device died holding a run; no other worker claims. The device's
      // next heartbeat (here, the same device back after a restart) puts the run back in the
      // queue (supabase/migrations/20261205020000_run_leases_reaped_on_read.sql).
      const ip = nextIp()
      const grant = await pairDevice(ip)
      const { rows } = await stack.db.query<{ id: string }>(
        `insert into ops.runs (project_id, workflow_id, status, claimed_by, claimed_at,
           lease_expires_at, attempts, max_attempts, started_at)
         select w.project_id, w.id, 'running', $2, now() - interval '5 minutes',
                now() - interval '1 minute', 1, 3, now() - interval '5 minutes'
           from ops.workflows w
           join ops.project_memberships m on m.project_id = w.project_id
          where m.user_id = $1 and m.role in ('owner', 'admin', 'developer')
          limit 1
         returning id`,
        [DEMO_USER, grant.device_id]
      )
      const runId = rows[0]!.id
      const response = await heartbeatPost(
        request("heartbeat", {}, { ip, secret: grant.access_token })
      )
      expect(response.status).toBe(200)
      // Settled once the device has its answer.
      await expect
        .poll(
          async () =>
            (
              await stack.db.query<{ status: string }>(
                "select status from ops.runs where id = $1",
                [runId]
              )
            ).rows[0]?.status,
          { timeout: 20_000 }
        )
        .toBe("queued")
    })

    it("heartbeat: bad bodies → 400/422/413 and the row stays as it was", async () => {
      const ip = nextIp()
      const grant = await pairDevice(ip)
      const before = await deviceRow(grant.device_id)
      const bad: [string, number][] = [
        ["{oops", 400],
        [JSON.stringify({ lan_port: "1234" }), 422],
        [JSON.stringify({ lan_port: 70000 }), 422],
        [JSON.stringify({ lan_ip: "not-an-ip" }), 422],
        [JSON.stringify({ tunnel_url: "javascript:alert(1)" }), 422],
        [JSON.stringify({ name: "taken over" }), 422],
        [JSON.stringify({ capabilities: { gpu: "x", secret: true } }), 422],
        [JSON.stringify({ capabilities: { models_loaded: "llama" } }), 422],
        [JSON.stringify({ hostname: "h".repeat(70_000) }), 413],
      ]
      for (const [body, status] of bad) {
        const response = await heartbeatPost(
          request("heartbeat", body, {
            ip,
            secret: grant.access_token,
            raw: true,
          })
        )
        expect(response.status, body.slice(0, 60)).toBe(status)
      }
      expect(await deviceRow(grant.device_id)).toEqual(before)
    })

    it("heartbeat: no secret, a malformed one, an unknown one → 401 with a code", async () => {
      const ip = nextIp()
      const none = await heartbeatPost(request("heartbeat", {}, { ip }))
      expect(none.status).toBe(401)
      expect((await errorOf(none)).error).toBe("missing_device_secret")

      const malformed = await heartbeatPost(
        request("heartbeat", {}, { ip, secret: "hunter2" })
      )
      expect(malformed.status).toBe(401)
      expect((await errorOf(malformed)).error).toBe("invalid_device_secret")

      const unknown = await heartbeatPost(
        request(
          "heartbeat",
          {},
          {
            ip,
            secret: `lmxd_${randomBytes(32).toString("hex")}`,
          }
        )
      )
      expect(unknown.status).toBe(401)
      expect((await errorOf(unknown)).error).toBe("invalid_device_secret")
    })

    it("heartbeat: a secret sent as a cookie is not a secret", async () => {
      const grant = await pairDevice()
      const response = await heartbeatPost(
        request(
          "heartbeat",
          {},
          {
            ip: nextIp(),
            headers: { cookie: `device_secret=${grant.access_token}` },
          }
        )
      )
      expect(response.status).toBe(401)
    })
  })

  describe("rate limits", () => {
    it("pair: an 11th request within a minute from one address → 429 with Retry-After", async () => {
      const ip = nextIp()
      for (let i = 0; i < 10; i += 1) await startPairing(ip)
      const response = await pairPost(request("pair", DEVICE, { ip }))
      expect(response.status).toBe(429)
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0)
      expect((await errorOf(response)).error).toBe("rate_limited")
    })

    it("pair: the database's limit of 20 requests per address per 10 minutes → 429", async () => {
      const ip = nextIp()
      for (let i = 0; i < 20; i += 1) {
        await stack.db.query(
          "select public.pairing_start('Flood', null, null, null, 'workstation', $1::inet)",
          [ip]
        )
      }
      const response = await pairPost(request("pair", DEVICE, { ip }))
      expect(response.status).toBe(429)
      expect((await errorOf(response)).error).toBe("rate_limited")
    })

    it("pair/token: a 61st poll within a minute from one address → 429", async () => {
      const ip = nextIp()
      for (let i = 0; i < 60; i += 1) {
        expect((await poll("f".repeat(64), ip)).status).toBe(400)
      }
      const response = await poll("f".repeat(64), ip)
      expect(response.status).toBe(429)
    })

    it("heartbeat: a 13th heartbeat within a minute → 429", async () => {
      const ip = nextIp()
      const grant = await pairDevice(ip)
      for (let i = 0; i < 12; i += 1) {
        const response = await heartbeatPost(
          request("heartbeat", {}, { ip, secret: grant.access_token })
        )
        expect(response.status).toBe(200)
      }
      const response = await heartbeatPost(
        request("heartbeat", {}, { ip, secret: grant.access_token })
      )
      expect(response.status).toBe(429)
      expect((await errorOf(response)).message).toContain("every 30 seconds")
    })

    it("heartbeat: a 31st failed authentication from one address → 429", async () => {
      const ip = nextIp()
      const secret = `lmxd_${randomBytes(32).toString("hex")}`
      for (let i = 0; i < 30; i += 1) {
        const response = await heartbeatPost(
          request("heartbeat", {}, { ip, secret })
        )
        expect(response.status).toBe(401)
      }
      const response = await heartbeatPost(
        request("heartbeat", {}, { ip, secret })
      )
      expect(response.status).toBe(429)
    })
  })
})
