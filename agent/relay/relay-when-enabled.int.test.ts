import { randomUUID } from "node:crypto"

import {
  Inbox,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "@lmx/supabase-local/testing/realtime"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import {
  RELAY_EVENTS,
  relaySessionResponseSchema,
  replyTopic,
  requestTopic,
} from "@/lib/chat/relay-protocol"

import { DEMO_DEVICE_SECRET } from "../../scripts/dev-demo-heartbeat"
import { relayWhenEnabled } from "./relay-when-enabled"
import {
  STAND_IN_MODELS,
  startStandInLlmServer,
  type StandInServer,
} from "./stand-in-llm-server"

// `heartbeat --watch` and `worker` relay only while "Relay chats from the console" is on in
// the device's settings (helper_config.relay, written by the owner under the devices
// policies). The agent reads the setting from the real relay session route, for the seeded
// demo host, and the chat goes through the local stack's Realtime as in serve.int.test.ts.

// "server-only" throws outside Next's react-server build; here the route runs in plain Node.
vi.mock("server-only", () => ({}))

const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const DEMO_USER = "00000000-0000-4000-a000-000000000001"

type Heard = { event: string; payload: Record<string, unknown> }

describe(`relay from heartbeat --watch and worker, per the device's setting (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let llm: StandInServer
  let owner: { id: string; token: string }
  const clients: RealtimeTestClient[] = []
  const stop = new AbortController()
  let following: Promise<void>
  const log: string[] = []

  const client = async () => {
    const created = await realtimeClient(stack, owner.token)
    clients.push(created)
    return created
  }
  const setRelay = (on: boolean) =>
    stack.db.query(
      `update public.devices
          set helper_config = helper_config || jsonb_build_object('relay', $2::boolean)
        where id = $1`,
      [STUDIO_MAC, on]
    )
  const ask = async (content: string, model: string = STAND_IN_MODELS.echo) => {
    const channel = (await client()).supabase.channel(
      requestTopic(STUDIO_MAC),
      {
        config: { private: true },
      }
    )
    await channel.httpSend(RELAY_EVENTS.request, {
      request_id: randomUUID(),
      reply_to: owner.id,
      kind: "chat",
      model,
      messages: [{ role: "user", content }],
    })
  }
  const listen = async () => {
    const inbox = new Inbox<Heard>()
    const channel = (await client()).supabase.channel(
      replyTopic(STUDIO_MAC, owner.id),
      { config: { private: true } }
    )
    for (const event of Object.values(RELAY_EVENTS)) {
      channel.on("broadcast", { event }, ({ payload }) =>
        inbox.push({ event, payload: payload as Record<string, unknown> })
      )
    }
    await subscribe(channel)
    return inbox
  }
  const logged = (pattern: RegExp) =>
    expect.poll(() => log.filter((line) => pattern.test(line)).length, {
      timeout: 15_000,
    })

  beforeAll(async () => {
    stack = await startTestStack()
    llm = await startStandInLlmServer({ tokenDelayMs: 1 })
    process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
    process.env.NEXT_PUBLIC_SITE_URL = "https://console.lmx.test"
    process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
    process.env.TRUSTED_PROXY_HOPS = "1"
    const { POST } = await import("../../app/api/device/v1/relay/session/route")
    await stack.db.query(
      "update public.devices set lan_port = $2 where id = $1",
      [STUDIO_MAC, llm.port]
    )
    owner = {
      id: DEMO_USER,
      token: await stack.keys.signAccessToken({
        sub: DEMO_USER,
        role: "authenticated",
        aud: "authenticated",
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    }
    following = relayWhenEnabled({
      // The agent's relay API, answered by the real route handler.
      api: {
        session: async () => {
          const response = await POST(
            new Request("http://localhost:3000/api/device/v1/relay/session", {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "x-forwarded-for": "198.18.200.2",
                authorization: `Bearer ${DEMO_DEVICE_SECRET}`,
              },
              body: "{}",
            })
          )
          return relaySessionResponseSchema.parse(await response.json())
        },
      },
      checkEveryMs: 100,
      log: (line) => log.push(line),
      error: (line) => log.push(line),
      signal: stop.signal,
    })
  })
  afterAll(async () => {
    stop.abort()
    await following
    for (const created of clients) await created.close().catch(() => undefined)
    await llm?.close()
    await stack?.stop()
  })

  it("stays silent while the setting is off (the default), relays once it is on, and stops the host's generation when it is turned off", async () => {
    await logged(/^Not relaying chats/).toBe(1)
    expect(log.some((line) => line.startsWith("Listening"))).toBe(false)
    // Sent while off: nobody is on the request topic, so it never reaches the host.
    await ask("sent while the relay is off")

    await setRelay(true)
    await logged(/^Listening for chats/).toBe(1)
    const inbox = await listen()
    await ask("sent while the relay is on")
    await inbox.next((item) => item.event === RELAY_EVENTS.done, "done")
    expect(JSON.stringify(llm.requests)).toContain("sent while the relay is on")
    expect(JSON.stringify(llm.requests)).not.toContain(
      "sent while the relay is off"
    )

    // An answer in flight when the owner turns the setting off is stopped on the host.
    const abortedBefore = llm.aborted
    await ask("a slow answer", STAND_IN_MODELS.slow)
    await inbox.next((item) => item.event === RELAY_EVENTS.accepted, "accepted")
    await setRelay(false)
    await logged(/^Not relaying chats/).toBe(2)
    await expect.poll(() => llm.aborted).toBe(abortedBefore + 1)
    const before = llm.requests.length
    await ask("sent after it was turned off")
    // Turned on again, the relay answers: the request sent while off never arrived.
    await setRelay(true)
    await logged(/^Listening for chats/).toBe(2)
    await ask("sent after it was turned on again")
    await expect
      .poll(() => JSON.stringify(llm.requests.slice(before)))
      .toContain("sent after it was turned on again")
    expect(JSON.stringify(llm.requests.slice(before))).not.toContain(
      "sent after it was turned off"
    )
  })

  it("the relay session route reads the setting from the device's helper_config", async () => {
    const read = async () =>
      relaySessionResponseSchema.parse(
        await (
          await (
            await import("../../app/api/device/v1/relay/session/route")
          ).POST(
            new Request("http://localhost:3000/api/device/v1/relay/session", {
              method: "POST",
              headers: {
                "x-forwarded-for": "198.18.200.3",
                authorization: `Bearer ${DEMO_DEVICE_SECRET}`,
              },
              body: "{}",
            })
          )
        ).json()
      ).relay_enabled
    await setRelay(false)
    expect(await read()).toBe(false)
    await setRelay(true)
    expect(await read()).toBe(true)
    // Anything but true (a hand-edited value) is off.
    await stack.db.query(
      `update public.devices set helper_config = helper_config || '{"relay":"yes"}' where id = $1`,
      [STUDIO_MAC]
    )
    expect(await read()).toBe(false)
  })
})
