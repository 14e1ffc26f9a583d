import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  Inbox,
  mintUser,
  REALTIME_FIXTURE_MIGRATIONS,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "../testing/realtime"
import { startTestStack, TEST_ENGINE, type TestStack } from "../testing/test-stack"
import { realtimeService } from "./service"

type Broadcast = {
  type: string
  event: string
  payload: Record<string, unknown>
}

describe(`realtime broadcast and presence (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const clients: RealtimeTestClient[] = []
  const client = async (...args: Parameters<typeof realtimeClient>) => {
    const created = await realtimeClient(...args)
    clients.push(created)

    return created
  }

  beforeAll(async () => {
    stack = await startTestStack({
      migrationsDir: REALTIME_FIXTURE_MIGRATIONS,
      seedFiles: [],
      services: [realtimeService({ privateOnly: false })],
    })
  })
  afterAll(async () => {
    for (const created of clients) await created.close().catch(() => undefined)
    await stack?.stop()
  })

  it("delivers broadcasts to other subscribers, and to the sender only with self", async () => {
    const alice = await client(stack)
    const bob = await client(stack)
    const aliceInbox = new Inbox<Broadcast>()
    const bobInbox = new Inbox<Broadcast>()
    const aliceChannel = alice.supabase
      .channel("room-1", { config: { broadcast: { self: true, ack: true } } })
      .on("broadcast", { event: "cursor" }, (message) => aliceInbox.push(message as Broadcast))
    const bobChannel = bob.supabase
      .channel("room-1")
      .on("broadcast", { event: "cursor" }, (message) => bobInbox.push(message as Broadcast))
    await subscribe(aliceChannel)
    await subscribe(bobChannel)

    const status = await aliceChannel.send({
      type: "broadcast",
      event: "cursor",
      payload: { x: 1, label: "héllo 👋" },
    })
    expect(status).toBe("ok")
    expect(await bobInbox.next()).toMatchObject({
      type: "broadcast",
      event: "cursor",
      payload: { x: 1, label: "héllo 👋" },
    })
    expect(await aliceInbox.next()).toMatchObject({
      event: "cursor",
      payload: { x: 1 },
    })

    // Without self, bob's own message comes back only to alice.
    await bobChannel.send({
      type: "broadcast",
      event: "cursor",
      payload: { x: 2 },
    })
    expect(await aliceInbox.next()).toMatchObject({ payload: { x: 2 } })
    await aliceChannel.send({
      type: "broadcast",
      event: "cursor",
      payload: { x: 3 },
    })
    expect(await bobInbox.next()).toMatchObject({ payload: { x: 3 } })
    expect(bobInbox.items.map((m) => m.payload.x)).toEqual([1, 3])
  })

  it("carries broadcasts between protocol versions 1.0.0 and 2.0.0", async () => {
    const legacy = await client(stack, undefined, { vsn: "1.0.0" })
    const current = await client(stack)
    const legacyInbox = new Inbox<Broadcast>()
    const currentInbox = new Inbox<Broadcast>()
    const legacyChannel = legacy.supabase
      .channel("mixed")
      .on("broadcast", { event: "*" }, (m) => legacyInbox.push(m as Broadcast))
    const currentChannel = current.supabase
      .channel("mixed")
      .on("broadcast", { event: "*" }, (m) => currentInbox.push(m as Broadcast))
    await subscribe(legacyChannel)
    await subscribe(currentChannel)

    await currentChannel.send({
      type: "broadcast",
      event: "ping",
      payload: { from: "v2" },
    })
    expect(await legacyInbox.next()).toMatchObject({
      event: "ping",
      payload: { from: "v2" },
    })
    await legacyChannel.send({
      type: "broadcast",
      event: "pong",
      payload: { from: "v1" },
    })
    expect(await currentInbox.next()).toMatchObject({
      event: "pong",
      payload: { from: "v1" },
    })
  })

  it("accepts broadcasts over HTTP from servers (batch endpoint and httpSend)", async () => {
    const listener = await client(stack)
    const inbox = new Inbox<Broadcast>()
    const channel = listener.supabase
      .channel("announcements")
      .on("broadcast", { event: "*" }, (m) => inbox.push(m as Broadcast))
    await subscribe(channel)

    const response = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: {
        apikey: stack.keys.serviceRoleKey,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        messages: [{ topic: "announcements", event: "deploy", payload: { version: 7 } }],
      }),
    })
    expect(response.status).toBe(202)
    expect(await inbox.next()).toMatchObject({
      type: "broadcast",
      event: "deploy",
      payload: { version: 7 },
    })

    const sender = await client(stack)
    const result = await sender.supabase.channel("announcements").httpSend("notice", { n: 1 })
    expect(result).toEqual({ success: true })
    expect(await inbox.next()).toMatchObject({
      event: "notice",
      payload: { n: 1 },
    })

    const refused = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: { apikey: "not-a-key", "content-type": "application/json" },
      body: JSON.stringify({
        messages: [{ topic: "announcements", event: "x", payload: {} }],
      }),
    })
    expect(refused.status).toBe(401)
  })

  it("replies with an error when an acknowledged broadcast is too large", async () => {
    const sender = await client(stack)
    const channel = sender.supabase.channel("big", {
      config: { broadcast: { ack: true } },
    })
    await subscribe(channel)
    const huge = "x".repeat(3100 * 1024)
    expect(
      await channel.send({
        type: "broadcast",
        event: "blob",
        payload: { huge },
      })
    ).toBe("error")
    // The socket is still usable afterwards.
    expect(
      await channel.send({
        type: "broadcast",
        event: "blob",
        payload: { ok: 1 },
      })
    ).toBe("ok")
  })

  it("tracks presence: state on join, joins and leaves as clients track, update and go", async () => {
    const user = await mintUser(stack)
    const alice = await client(stack, user.token)
    const bob = await client(stack)
    const aliceChannel = alice.supabase.channel("lobby-presence", {
      config: { presence: { key: "alice" } },
    })
    const aliceJoins = new Inbox<{
      key: string
      newPresences: Record<string, unknown>[]
    }>()
    const aliceLeaves = new Inbox<{
      key: string
      leftPresences: Record<string, unknown>[]
    }>()
    aliceChannel
      .on("presence", { event: "join" }, (p) => aliceJoins.push(p))
      .on("presence", { event: "leave" }, (p) => aliceLeaves.push(p))
    await subscribe(aliceChannel)
    expect(await aliceChannel.track({ status: "online" })).toBe("ok")
    const selfJoin = await aliceJoins.next((p) => p.key === "alice")
    expect(selfJoin.newPresences[0]).toMatchObject({ status: "online" })
    expect(selfJoin.newPresences[0]).toHaveProperty("presence_ref")

    const bobSyncs = new Inbox<true>()
    const bobChannel = bob.supabase
      .channel("lobby-presence", { config: { presence: { key: "bob" } } })
      .on("presence", { event: "sync" }, () => bobSyncs.push(true))
    await subscribe(bobChannel)
    await bobSyncs.next()
    expect(bobChannel.presenceState()).toMatchObject({
      alice: [{ status: "online" }],
    })

    await bobChannel.track({ status: "away" })
    const bobJoin = await aliceJoins.next((p) => p.key === "bob")
    expect(bobJoin.newPresences[0]).toMatchObject({ status: "away" })

    await bobChannel.track({ status: "busy" })
    await aliceJoins.next((p) => p.key === "bob" && p.newPresences[0]?.status === "busy")
    expect(aliceChannel.presenceState().bob).toHaveLength(1)
    expect(aliceChannel.presenceState().bob?.[0]).toMatchObject({
      status: "busy",
    })

    // An update is a leave of the old meta and a join of the new one.
    await aliceLeaves.next((p) => p.key === "bob" && p.leftPresences[0]?.status === "away")
    await bobChannel.untrack()
    await aliceLeaves.next((p) => p.key === "bob" && p.leftPresences[0]?.status === "busy")
    expect(aliceChannel.presenceState().bob).toBeUndefined()
    await bobChannel.track({ status: "back" })
    await aliceJoins.next((p) => p.key === "bob" && p.newPresences[0]?.status === "back")
    await bob.close()
    await aliceLeaves.next((p) => p.key === "bob" && p.leftPresences[0]?.status === "back")
    expect(Object.keys(aliceChannel.presenceState())).toEqual(["alice"])
  })
})
