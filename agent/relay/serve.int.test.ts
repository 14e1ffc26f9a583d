import { randomUUID } from "node:crypto"

import {
  Inbox,
  mintUser,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "@lmx/supabase-local/testing/realtime"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  RELAY_EVENTS,
  relayChunkSchema,
  relayDoneSchema,
  relayErrorSchema,
  replyTopic,
  requestTopic,
} from "@/lib/chat/relay-protocol"

import { runServe } from "./serve"
import {
  STAND_IN_MODELS,
  standInTokens,
  startStandInLlmServer,
  type StandInServer,
} from "./stand-in-llm-server"

// `npm run device -- serve` end to end through the local stack's Realtime: the console's
// request goes out over Realtime's HTTP broadcast on "device:<id>", the relay answers on the
// user's reply topic, and the realtime.messages policies of 20261203020000_chat_relay.sql
// keep everyone else out (a stranger's request never reaches the server, a stranger cannot
// listen, another device cannot answer).

type Heard = { event: string; payload: Record<string, unknown> }

describe(`chat relay through Realtime (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let llm: StandInServer
  const stop = new AbortController()
  let served: Promise<number>
  const clients: RealtimeTestClient[] = []
  const deviceId = randomUUID()
  const otherDeviceId = randomUUID()
  let owner: Awaited<ReturnType<typeof mintUser>>
  let stranger: Awaited<ReturnType<typeof mintUser>>
  const log: string[] = []

  const client = async (token: string) => {
    const created = await realtimeClient(stack, token)
    clients.push(created)
    return created
  }
  const deviceToken = (id: string) =>
    stack.keys.signAccessToken({
      sub: owner.id,
      role: "authenticated",
      aud: "authenticated",
      device_id: id,
      exp: Math.floor(Date.now() / 1000) + 3600,
    })

  /** Listens on the user's reply topic from this device, as the /chat page does. */
  const listen = async (user: { id: string; token: string }) => {
    const inbox = new Inbox<Heard>()
    const channel = (await client(user.token)).supabase.channel(
      replyTopic(deviceId, user.id),
      {
        config: { private: true },
      }
    )
    for (const event of Object.values(RELAY_EVENTS)) {
      channel.on("broadcast", { event }, ({ payload }) =>
        inbox.push({ event, payload: payload as Record<string, unknown> })
      )
    }
    await subscribe(channel)
    return inbox
  }
  /** Sends on the device's request topic over HTTP, as the /chat page does. */
  const send = async (
    user: { token: string },
    event: string,
    payload: Record<string, unknown>
  ) => {
    const channel = (await client(user.token)).supabase.channel(
      requestTopic(deviceId),
      {
        config: { private: true },
      }
    )
    await channel.httpSend(event, payload)
  }

  beforeAll(async () => {
    stack = await startTestStack()
    llm = await startStandInLlmServer({ tokenDelayMs: 1 })
    owner = await mintUser(stack)
    stranger = await mintUser(stack)
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role, email_confirmed_at) values
        ('${owner.id}', '${owner.email}', 'authenticated', 'authenticated', now()),
        ('${stranger.id}', '${stranger.email}', 'authenticated', 'authenticated', now());
      insert into public.devices (id, user_id, name, role, paired_at, last_seen_at) values
        ('${deviceId}', '${owner.id}', 'studio', 'llm_host', now(), now()),
        ('${otherDeviceId}', '${owner.id}', 'laptop', 'workstation', now(), now());
    `)
    const token = await deviceToken(deviceId)
    let listening: () => void = () => undefined
    const live = new Promise<void>((resolve) => (listening = resolve))
    served = runServe({
      api: {
        session: async () => ({
          device_id: deviceId,
          lan_port: llm.port,
          // `serve` relays whatever the device's setting says.
          relay_enabled: false,
          realtime: {
            url: stack.url,
            anon_key: stack.keys.anonKey,
            token,
            expires_in: 3600,
          },
        }),
      },
      log: (line) => {
        log.push(line)
        if (line.startsWith("Listening")) listening()
      },
      error: (line) => log.push(line),
      signal: stop.signal,
    })
    await live
  })
  afterAll(async () => {
    stop.abort()
    await served
    for (const created of clients) await created.close().catch(() => undefined)
    await llm?.close()
    await stack?.stop()
  })

  it("relays the owner's chat and streams the answer back in order", async () => {
    const inbox = await listen(owner)
    const requestId = randomUUID()
    await send(owner, RELAY_EVENTS.request, {
      request_id: requestId,
      reply_to: owner.id,
      kind: "chat",
      model: STAND_IN_MODELS.echo,
      messages: [{ role: "user", content: "What is RLS?" }],
      options: { max_tokens: 200, temperature: 0.2 },
    })
    const done = relayDoneSchema.parse(
      (await inbox.next((item) => item.event === RELAY_EVENTS.done, "done"))
        .payload
    )
    const chunks = inbox.items
      .filter((item) => item.event === RELAY_EVENTS.chunk)
      .map((item) => relayChunkSchema.parse(item.payload))
    expect(chunks.map((chunk) => chunk.seq)).toEqual(
      chunks.map((_, index) => index)
    )
    expect(done.last_seq).toBe(chunks.length - 1)
    expect(chunks.map((chunk) => chunk.content).join("")).toBe(
      standInTokens("What is RLS?", 200).join("")
    )
    expect(llm.requests.at(-1)).toMatchObject({
      temperature: 0.2,
      max_tokens: 200,
    })
  })

  it("a cancel stops the generation on the host", async () => {
    const inbox = await listen(owner)
    const requestId = randomUUID()
    const abortedBefore = llm.aborted
    await send(owner, RELAY_EVENTS.request, {
      request_id: requestId,
      reply_to: owner.id,
      kind: "chat",
      model: STAND_IN_MODELS.slow,
      messages: [{ role: "user", content: "slowly" }],
    })
    await inbox.next((item) => item.event === RELAY_EVENTS.accepted, "accepted")
    await expect
      .poll(
        () =>
          llm.requests.length > 0 &&
          JSON.stringify(llm.requests).includes("slowly")
      )
      .toBe(true)
    await send(owner, RELAY_EVENTS.cancel, {
      request_id: requestId,
      reply_to: owner.id,
    })
    const ended = await inbox.next(
      (item) => item.event === RELAY_EVENTS.error,
      "the stop"
    )
    expect(relayErrorSchema.parse(ended.payload).code).toBe("canceled")
    await expect.poll(() => llm.aborted).toBe(abortedBefore + 1)
  })

  it("a stranger can neither reach the device nor listen to its answers, and another device cannot answer", async () => {
    const before = llm.requests.length
    // Refused by realtime.messages RLS: the single-message endpoint answers 403 "Unauthorized"
    // (as Realtime's SingleBroadcast does), which httpSend raises.
    await expect(
      send(stranger, RELAY_EVENTS.request, {
        request_id: randomUUID(),
        reply_to: owner.id,
        kind: "chat",
        model: STAND_IN_MODELS.echo,
        messages: [{ role: "user", content: "stranger's prompt" }],
      })
    ).rejects.toThrow(/Unauthorized/)
    // The owner's next request is answered; the stranger's, sent first, never reached it.
    const inbox = await listen(owner)
    await send(owner, RELAY_EVENTS.request, {
      request_id: randomUUID(),
      reply_to: owner.id,
      kind: "chat",
      model: STAND_IN_MODELS.echo,
      messages: [{ role: "user", content: "owner's prompt" }],
    })
    await inbox.next((item) => item.event === RELAY_EVENTS.done, "done")
    expect(JSON.stringify(llm.requests.slice(before))).not.toContain(
      "stranger's prompt"
    )

    for (const topic of [
      replyTopic(deviceId, owner.id),
      replyTopic(deviceId, stranger.id),
    ]) {
      const spy = (await client(stranger.token)).supabase.channel(topic, {
        config: { private: true },
      })
      await expect(subscribe(spy)).rejects.toThrow(/Unauthorized/)
    }
    // The owner's other device may not join (nor so answer on) this device's reply topic.
    const other = (
      await client(await deviceToken(otherDeviceId))
    ).supabase.channel(replyTopic(deviceId, owner.id), {
      config: { private: true },
    })
    await expect(subscribe(other)).rejects.toThrow(/Unauthorized/)
  })
})
