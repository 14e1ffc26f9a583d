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

type Broadcast = {
  type: string
  event: string
  payload: Record<string, unknown>
}
type SystemMessage = {
  extension: string
  status: string
  message: string
  channel: string
}
type Change = { eventType: string; new: Record<string, unknown> }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe(`realtime private channels and tokens (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: TestUser
  let bob: TestUser
  const clients: RealtimeTestClient[] = []
  const client = async (token?: string) => {
    const created = await realtimeClient(stack, token)
    clients.push(created)

    return created
  }
  const privateConfig = {
    config: { private: true, broadcast: { self: false, ack: true } },
  }

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

  it("lets a user join a private channel only when a policy on realtime.messages allows it", async () => {
    const own = (await client(alice.token)).supabase.channel(`room-${alice.id}`, privateConfig)
    await subscribe(own)

    const intruder = (await client(bob.token)).supabase.channel(`room-${alice.id}`, privateConfig)
    await expect(subscribe(intruder)).rejects.toThrow(
      `Unauthorized: You do not have permissions to read from this Channel topic: room-${alice.id}`
    )
    const anonymous = (await client()).supabase.channel("lobby", privateConfig)
    await expect(subscribe(anonymous)).rejects.toThrow(/Unauthorized/)
  })

  it("delivers private broadcasts only from users a policy lets write, apart from public ones", async () => {
    const aliceOne = (await client(alice.token)).supabase.channel(`room-${alice.id}`, privateConfig)
    const aliceTwoInbox = new Inbox<Broadcast>()
    const aliceTwo = (await client(alice.token)).supabase
      .channel(`room-${alice.id}`, privateConfig)
      .on("broadcast", { event: "*" }, (m) => aliceTwoInbox.push(m as Broadcast))
    await subscribe(aliceOne)
    await subscribe(aliceTwo)
    expect(
      await aliceOne.send({
        type: "broadcast",
        event: "note",
        payload: { n: 1 },
      })
    ).toBe("ok")
    expect(await aliceTwoInbox.next()).toMatchObject({
      event: "note",
      payload: { n: 1 },
    })

    const bobInbox = new Inbox<Broadcast>()
    const bobLobby = (await client(bob.token)).supabase
      .channel("lobby", privateConfig)
      .on("broadcast", { event: "*" }, (m) => bobInbox.push(m as Broadcast))
    const publicInbox = new Inbox<Broadcast>()
    const publicLobby = (await client(bob.token)).supabase
      .channel("lobby")
      .on("broadcast", { event: "*" }, (m) => publicInbox.push(m as Broadcast))
    const aliceLobby = (await client(alice.token)).supabase.channel("lobby", privateConfig)
    await subscribe(bobLobby)
    await subscribe(publicLobby)
    await subscribe(aliceLobby)

    // Alice may read the lobby but not write to it: like Realtime, the message is dropped.
    expect(
      await aliceLobby.send({ type: "broadcast", event: "spam", payload: {} }, { timeout: 1500 })
    ).toBe("timed out")

    // The service role bypasses RLS; its private message reaches private subscribers only.
    const response = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: {
        apikey: stack.keys.serviceRoleKey,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        messages: [
          {
            topic: "lobby",
            event: "official",
            payload: { n: 2 },
            private: true,
          },
          { topic: "lobby", event: "public-notice", payload: { n: 3 } },
        ],
      }),
    })
    expect(response.status).toBe(202)
    expect(await bobInbox.next()).toMatchObject({
      event: "official",
      payload: { n: 2 },
    })
    expect(await publicInbox.next()).toMatchObject({ event: "public-notice" })
    expect(bobInbox.items.map((m) => m.event)).toEqual(["official"])
    expect(publicInbox.items.map((m) => m.event)).toEqual(["public-notice"])

    // Database code broadcasts with realtime.send(), as on hosted Supabase.
    await stack.db.query("select realtime.send($1::jsonb, 'from-db', 'lobby', true)", [
      JSON.stringify({ big: "z".repeat(20_000) }),
    ])
    const fromDb = await bobInbox.next((m) => m.event === "from-db")
    expect(fromDb.payload.big).toHaveLength(20_000)
  })

  it("refuses joins with expired or forged tokens", async () => {
    const expired = await mintUser(stack, { expiresInSeconds: -10 })
    const channel = (await client(expired.token)).supabase.channel("tokens-expired")
    await expect(subscribe(channel)).rejects.toThrow(/InvalidJWTToken: Token has expired/)

    const forged = `${alice.token.slice(0, alice.token.lastIndexOf(".") + 1)}${"A".repeat(86)}`
    const forgedChannel = (await client(forged)).supabase.channel("tokens-forged")
    await expect(subscribe(forgedChannel)).rejects.toThrow(/JwtSignatureError/)
  })

  it("follows a refreshed token: the new claims decide what the channel receives", async () => {
    const viewer = await client()
    const changes = new Inbox<Change>()
    const channel = viewer.supabase
      .channel("tokens-refresh", { config: { broadcast: { ack: true } } })
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "notes" }, (p) =>
        changes.push(p as unknown as Change)
      )
    await subscribe(channel)

    await viewer.setToken(alice.token)
    // Frames are handled in order: once this is acknowledged, the new token is in effect.
    expect(await channel.send({ type: "broadcast", event: "barrier", payload: {} })).toBe("ok")
    await stack.db.query("insert into public.notes (owner_id, body) values ($1, 'mine')", [
      alice.id,
    ])
    expect(await changes.next()).toMatchObject({
      eventType: "INSERT",
      new: { body: "mine" },
    })
  })

  it("keeps a channel whose token is refreshed in time and closes one whose token expires", async () => {
    const shortLived = await mintUser(stack, {
      expiresInSeconds: 4,
      id: alice.id,
    })
    const refreshed = await client(shortLived.token)
    const refreshedChanges = new Inbox<Change>()
    const refreshedChannel = refreshed.supabase
      .channel("tokens-kept")
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "notes" }, (p) =>
        refreshedChanges.push(p as unknown as Change)
      )
    await subscribe(refreshedChannel)

    const expiring = await client(
      (await mintUser(stack, { expiresInSeconds: 4, id: bob.id })).token
    )
    const system = new Inbox<SystemMessage>()
    const statuses = new Inbox<string>()
    const expiringChannel = expiring.supabase
      .channel("tokens-expiring")
      .on("system", {}, (m: SystemMessage) => system.push(m))
    expiringChannel.subscribe((status) => statuses.push(status))
    await statuses.next((s) => s === "SUBSCRIBED")

    await refreshed.setToken(alice.token)
    const closing = await system.next((m) => m.extension === "system")
    expect(closing).toMatchObject({
      status: "error",
      channel: "tokens-expiring",
    })
    expect(closing.message).toMatch(/^Token has expired \d+ seconds ago$/)
    await statuses.next((s) => s === "CLOSED")

    // Past the first token's expiry, the refreshed channel still receives.
    await sleep(Math.max(0, shortLivedExpiry(shortLived.token) - Date.now()) + 500)
    await stack.db.query("insert into public.notes (owner_id, body) values ($1, 'still here')", [
      alice.id,
    ])
    expect(await refreshedChanges.next()).toMatchObject({
      new: { body: "still here" },
    })
    expect(refreshedChannel.state).toBe("joined")
  })
})

function shortLivedExpiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as {
    exp: number
  }

  return payload.exp * 1000
}
