import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  Inbox,
  mintUser,
  REALTIME_FIXTURE_MIGRATIONS,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
  type TestUser,
} from "../testing/realtime"
import { startTestStack, TEST_ENGINE, type TestStack } from "../testing/test-stack"
import { realtimeService } from "./service"

type Broadcast = { type: string; event: string; payload: unknown }

const bytes = (buffer: unknown) => [...new Uint8Array(buffer as ArrayBuffer)]

// Binary broadcast over the HTTP endpoint (realtime-js httpSend with a Uint8Array), to a private
// channel, authorised by realtime.messages RLS as the JSON case is (fixture policy: a user may
// write only to room-<own id>).
describe(`realtime binary broadcast over HTTP (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: TestUser
  let bob: TestUser
  const clients: RealtimeTestClient[] = []
  const client = async (token?: string, vsn?: "1.0.0" | "2.0.0") => {
    const created = await realtimeClient(stack, token, { vsn })
    clients.push(created)

    return created
  }
  const privateConfig = { config: { private: true } }

  beforeAll(async () => {
    stack = await startTestStack({
      migrationsDir: REALTIME_FIXTURE_MIGRATIONS,
      seedFiles: [],
      services: [realtimeService({ privateOnly: false })],
    })
    alice = await mintUser(stack)
    bob = await mintUser(stack)
  })
  afterAll(async () => {
    for (const created of clients) await created.close().catch(() => undefined)
    await stack?.stop()
  })

  it("delivers the bytes to protocol 2.0.0 subscribers of the private channel when a policy lets the sender write", async () => {
    const room = `room-${alice.id}`
    const inbox = new Inbox<Broadcast>()
    const listener = (await client(alice.token, "2.0.0")).supabase
      .channel(room, privateConfig)
      .on("broadcast", { event: "*" }, (message) => inbox.push(message as Broadcast))
    const v1Inbox = new Inbox<Broadcast>()
    const v1Listener = (await client(alice.token, "1.0.0")).supabase
      .channel(room, privateConfig)
      .on("broadcast", { event: "*" }, (message) => v1Inbox.push(message as Broadcast))
    const publicInbox = new Inbox<Broadcast>()
    const publicListener = (await client(bob.token, "2.0.0")).supabase
      .channel(room)
      .on("broadcast", { event: "*" }, (message) => publicInbox.push(message as Broadcast))
    await subscribe(listener)
    await subscribe(v1Listener)
    await subscribe(publicListener)

    const sender = (await client(alice.token)).supabase.channel(room, privateConfig)
    const payload = new Uint8Array([0, 1, 2, 127, 128, 255])
    await expect(sender.httpSend("frame", payload)).resolves.toEqual({ success: true })
    const received = await inbox.next()
    expect(received.event).toBe("frame")
    expect(received.payload).toBeInstanceOf(ArrayBuffer)
    expect(bytes(received.payload)).toEqual([0, 1, 2, 127, 128, 255])

    // Bob may not write to Alice's room: refused as Realtime refuses a single message, and
    // nothing reaches her.
    const intruder = (await client(bob.token)).supabase.channel(room, privateConfig)
    await expect(intruder.httpSend("frame", new Uint8Array([9]))).rejects.toThrow("Unauthorized")
    await expect(intruder.httpSend("note", { n: 0 })).rejects.toThrow("Unauthorized")
    const anonymous = (await client()).supabase.channel(room, privateConfig)
    await expect(anonymous.httpSend("frame", new Uint8Array([9]))).rejects.toThrow("Unauthorized")

    // A message after them arrives next: the refused ones were never delivered.
    await expect(sender.httpSend("after", { n: 1 })).resolves.toEqual({ success: true })
    expect(await inbox.next()).toMatchObject({ event: "after", payload: { n: 1 } })
    expect(inbox.items.map((message) => message.event)).toEqual(["frame", "after"])
    // vsn 1.0.0 cannot carry binary payloads: its subscriber hears only the JSON one, and the
    // public channel of the same name hears neither.
    expect(await v1Inbox.next()).toMatchObject({ event: "after" })
    expect(v1Inbox.items.map((message) => message.event)).toEqual(["after"])
    expect(publicInbox.items).toEqual([])
  })
})
