import { restService } from "@lmx/supabase-local/rest"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"

import {
  deviceApiErrorSchema,
  devicePairTokenResponseSchema,
} from "@/lib/devices/schema"
import {
  accountNamespace,
  messageCloudId,
  sessionCloudId,
} from "@/lib/devices/sync-ids"
import {
  syncPullResponseSchema,
  syncPushResponseSchema,
} from "@/lib/devices/sync-schema"

// The sync route handlers, called directly with Request objects, as a device paired through
// the pairing handlers, against a local stack (REST only).

// "server-only" throws outside Next's react-server build; here the handlers run in plain Node.
vi.mock("server-only", () => ({}))

const DEMO_USER = "00000000-0000-4000-a000-000000000001"
const PRIYA = "00000000-0000-4000-a000-000000000101"

type Handler = (request: Request) => Promise<Response>

let stack: TestStack
let pairPost: Handler
let tokenPost: Handler
let pushPost: Handler
let pullGet: Handler
let secret: string
let deviceId: string

let ipCounter = 0
function nextIp() {
  ipCounter += 1

  return `198.19.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`
}

function post(
  path: string,
  body: unknown,
  options: {
    secret?: string
    raw?: boolean
    headers?: Record<string, string>
  } = {}
) {
  return new Request(`http://localhost:3000/api/device/v1/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": nextIp(),
      ...(options.secret ? { authorization: `Bearer ${options.secret}` } : {}),
      ...options.headers,
    },
    body: options.raw ? (body as string) : JSON.stringify(body),
  })
}

const push = async (body: unknown, key = secret) =>
  pushPost(post("sync/push", body, { secret: key }))
const pull = (query: string, key = secret) =>
  pullGet(
    new Request(`http://localhost:3000/api/device/v1/sync/pull${query}`, {
      headers: { authorization: `Bearer ${key}`, "x-forwarded-for": nextIp() },
    })
  )

async function pairDevice() {
  const ip = nextIp()
  const started = await (
    await pairPost(
      post("pair", { name: "Sync Box" }, { headers: { "x-forwarded-for": ip } })
    )
  ).json()
  const token = await stack.keys.signAccessToken({
    sub: DEMO_USER,
    role: "authenticated",
    aud: "authenticated",
    email: "demo@lmx.local",
    exp: Math.floor(Date.now() / 1000) + 600,
  })
  const user = createClient(stack.url, stack.keys.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: {
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
    },
    global: { headers: { Authorization: `Bearer ${token}` } },
  })
  const approved = await user.rpc("pairing_approve", {
    user_code: started.user_code,
  })
  expect(approved.error).toBeNull()
  await stack.db.query(
    "update private.pairing_requests set last_polled_at = now() - interval '1 hour'"
  )
  const response = await tokenPost(
    post(
      "pair/token",
      { device_code: started.device_code },
      { headers: { "x-forwarded-for": ip } }
    )
  )
  expect(response.status).toBe(200)

  return devicePairTokenResponseSchema.parse(await response.json())
}

const session = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  sync_version: 1,
  title: `Chat ${clientId}`,
  ...extra,
})
const message = (
  sessionClientId: string,
  clientId: string,
  index: number,
  extra: Record<string, unknown> = {}
) => ({
  client_id: clientId,
  session_client_id: sessionClientId,
  sync_version: 1,
  message_index: index,
  role: index % 2 === 0 ? "user" : "assistant",
  content: `message ${clientId}`,
  ...extra,
})

describe(`sync route handlers (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    stack = await startTestStack({ services: [restService] })
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.NEXT_PUBLIC_SITE_URL = "https://console.lmx.test"
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    pairPost = (await import("../pair/route")).POST
    tokenPost = (await import("../pair/token/route")).POST
    pushPost = (await import("./push/route")).POST
    pullGet = (await import("./pull/route")).GET
    const grant = await pairDevice()
    secret = grant.access_token
    deviceId = grant.device_id
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("applies a batch under derived ids with the client ids kept, and a replay is all duplicates", async () => {
    const batch = {
      sessions: [session("s1")],
      messages: [
        message("s1", "m0", 0),
        message("s1", "m1", 1, {
          parent_client_id: "m0",
          input_tokens: 10,
          output_tokens: 5,
        }),
      ],
    }
    const first = await push(batch)
    expect(first.status).toBe(200)
    const body = syncPushResponseSchema.parse(await first.json())
    expect(body.summary).toEqual({
      applied: 3,
      duplicate: 0,
      conflict: 0,
      rejected: 0,
    })

    const namespace = accountNamespace(DEMO_USER)
    const sessionId = sessionCloudId(namespace, "s1")
    expect(body.results[0]).toMatchObject({
      kind: "session",
      index: 0,
      client_id: "s1",
      id: sessionId,
      server_version: 1,
    })
    const { rows } = await stack.db.query<{
      id: string
      client_id: string
      parent_id: string | null
      device_id: string
    }>(
      "select id, client_id, parent_id, device_id from public.cloud_messages where session_id = $1 order by message_index",
      [sessionId]
    )
    expect(rows).toEqual([
      {
        id: messageCloudId(namespace, sessionId, "m0"),
        client_id: "m0",
        parent_id: null,
        device_id: deviceId,
      },
      {
        id: messageCloudId(namespace, sessionId, "m1"),
        client_id: "m1",
        parent_id: messageCloudId(namespace, sessionId, "m0"),
        device_id: deviceId,
      },
    ])

    const again = syncPushResponseSchema.parse(await (await push(batch)).json())
    expect(again.summary).toEqual({
      applied: 0,
      duplicate: 3,
      conflict: 0,
      rejected: 0,
    })
  })

  it("answers for every item of a batch larger than PostgREST's max_rows (1,000)", async () => {
    const messages = Array.from({ length: 1500 }, (_, i) =>
      message("big", `m${i}`, i)
    )
    const response = await push({ sessions: [session("big")], messages })
    expect(response.status).toBe(200)
    const body = syncPushResponseSchema.parse(await response.json())
    expect(body.summary).toEqual({
      applied: 1501,
      duplicate: 0,
      conflict: 0,
      rejected: 0,
    })
    expect(body.results.at(-1)).toMatchObject({
      kind: "message",
      index: 1499,
      status: "applied",
    })
  })

  it("rejects bad items one by one with a code and applies the rest", async () => {
    await stack.db.query(
      "insert into public.cloud_sessions (id, user_id, title) values ('00000000-0000-4000-8000-0000000000aa', $1, 'Priya''s')",
      [PRIYA]
    )
    const response = await push({
      sessions: [
        session("s2"),
        {
          id: "00000000-0000-4000-8000-0000000000aa",
          sync_version: 5,
          title: "mine now",
        },
      ],
      messages: [
        message("s2", "ok", 0),
        message("s2", "role", 1, { role: "wizard" }),
        message("s2", "huge", 2, { content: "x".repeat(1_000_001) }),
        message("s2", "negative", 3, { output_tokens: -1 }),
        {
          ...message("s2", "foreign", 0),
          session_client_id: undefined,
          session_id: "00000000-0000-4000-8000-0000000000aa",
        },
        { ...message("s2", "typo", 4), colour: "red" },
      ],
    })
    expect(response.status).toBe(200)
    const body = syncPushResponseSchema.parse(await response.json())
    expect(body.summary).toEqual({
      applied: 2,
      duplicate: 0,
      conflict: 0,
      rejected: 6,
    })
    expect(
      body.results.map((r) => [r.kind, r.index, r.status, r.reason])
    ).toEqual([
      ["session", 0, "applied", null],
      ["session", 1, "rejected", "other_account"],
      ["message", 0, "applied", null],
      ["message", 1, "rejected", "unknown_role"],
      ["message", 2, "rejected", "content_too_large"],
      ["message", 3, "rejected", "negative_tokens"],
      ["message", 4, "rejected", "session_not_found"],
      ["message", 5, "rejected", "invalid_item"],
    ])
    expect(body.results[7]?.message).toContain("Unknown field: colour.")
    const { rows } = await stack.db.query(
      "select title from public.cloud_sessions where id = '00000000-0000-4000-8000-0000000000aa'"
    )
    expect(rows).toEqual([{ title: "Priya's" }])
  })

  it("reports a stale version as a conflict with the server's version", async () => {
    await push({ sessions: [session("s3", { sync_version: 3, title: "v3" })] })
    const body = syncPushResponseSchema.parse(
      await (
        await push({
          sessions: [session("s3", { sync_version: 2, title: "v2" })],
        })
      ).json()
    )
    expect(body.results).toEqual([
      expect.objectContaining({
        status: "conflict",
        reason: "server_newer",
        server_version: 3,
      }),
    ])
    expect(body.summary.conflict).toBe(1)
  })

  it("answers 413 with the limit, 400 for broken JSON, 422 for a bad envelope, 401 without a secret", async () => {
    const tooLarge = await pushPost(
      post("sync/push", `{"messages":["${"x".repeat(8 * 1024 * 1024)}"]}`, {
        secret,
        raw: true,
      })
    )
    expect(tooLarge.status).toBe(413)
    expect(
      (await deviceApiErrorSchema.parse(await tooLarge.json())).message
    ).toContain(String(8 * 1024 * 1024))

    const broken = await pushPost(post("sync/push", "{", { secret, raw: true }))
    expect(broken.status).toBe(400)
    expect(deviceApiErrorSchema.parse(await broken.json()).error).toBe(
      "invalid_json"
    )

    for (const bad of [
      [],
      { sessions: {} },
      { sessions: [], extra: 1 },
      { messages: Array(10_001).fill({}) },
    ]) {
      const answer = await push(bad)
      expect(answer.status).toBe(422)
      expect(deviceApiErrorSchema.parse(await answer.json()).error).toBe(
        "invalid_request"
      )
    }

    const anonymous = await pushPost(post("sync/push", { sessions: [] }))
    expect(anonymous.status).toBe(401)
  })

  it("pulls changes page by page with a cursor that can be passed back, and refuses a malformed one", async () => {
    const first = syncPullResponseSchema.parse(
      await (await pull("?limit=2")).json()
    )
    expect(first.changes).toHaveLength(2)
    expect(first.has_more).toBe(true)
    const seen = [...first.changes]
    let cursor = first.next_cursor
    for (;;) {
      const page = syncPullResponseSchema.parse(
        await (await pull(`?limit=500&cursor=${cursor}`)).json()
      )
      seen.push(...page.changes)
      cursor = page.next_cursor
      if (!page.has_more) break
    }
    const ids = seen.map((change) => change.row.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(
      seen.some(
        (change) => change.kind === "session" && change.row.client_id === "s1"
      )
    ).toBe(true)
    // Priya's session is not the device owner's.
    expect(ids).not.toContain("00000000-0000-4000-8000-0000000000aa")

    const nothingNew = syncPullResponseSchema.parse(
      await (await pull(`?cursor=${cursor}`)).json()
    )
    expect(nothingNew.changes).toEqual([])
    expect(nothingNew.next_cursor).toBe(cursor)

    for (const query of [
      "?cursor=nope",
      "?limit=0",
      "?limit=9999",
      "?since=1",
    ]) {
      const answer = await pull(query)
      expect(answer.status).toBe(422)
    }
  })

  it("rate-limits a device that calls too often, with Retry-After", async () => {
    let last: Response | undefined
    for (let i = 0; i < 125; i += 1) {
      last = await pull("?limit=1")
      if (last.status === 429) break
    }
    expect(last?.status).toBe(429)
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0)
  })
})
