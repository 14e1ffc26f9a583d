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

// The local stack's default: Supabase Realtime's "private channels only". The fixture's
// policies let a user read "lobby" and their own "room-<id>", and write only to their room.
describe(`realtime private channels only (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: TestUser
  let bob: TestUser
  const clients: RealtimeTestClient[] = []
  const client = async (token?: string) => {
    const created = await realtimeClient(stack, token)
    clients.push(created)

    return created
  }

  beforeAll(async () => {
    // The stack's default services, as `npm run dev` and the e2e stack run them.
    stack = await startTestStack({ migrationsDir: REALTIME_FIXTURE_MIGRATIONS, seedFiles: [] })
    alice = await mintUser(stack)
    bob = await mintUser(stack)
  })
  afterAll(async () => {
    for (const created of clients) await created.close().catch(() => undefined)
    await stack?.stop()
  })

  it("refuses public channels, so nobody can broadcast or track presence in one", async () => {
    const asAlice = (await client(bob.token)).supabase.channel("lobby", {
      config: { presence: { key: alice.id } },
    })
    await expect(subscribe(asAlice)).rejects.toThrow(
      "PrivateOnly: This project only allows private channels"
    )
    const anonymous = (await client()).supabase.channel("lobby")
    await expect(subscribe(anonymous)).rejects.toThrow(/PrivateOnly/)
  })

  it("presence cannot be tracked as another user", async () => {
    const presence = (key: string) => ({ config: { private: true, presence: { key } } })
    // Alice watches the lobby and tracks herself in her own room, which policies allow.
    const lobbyJoins = new Inbox<{ key: string }>()
    const aliceLobby = (await client(alice.token)).supabase
      .channel("lobby", presence(alice.id))
      .on("presence", { event: "join" }, (p: { key: string }) => lobbyJoins.push(p))
    await subscribe(aliceLobby)
    const aliceRoom = (await client(alice.token)).supabase.channel(
      `room-${alice.id}`,
      presence(alice.id)
    )
    await subscribe(aliceRoom)
    expect(await aliceRoom.track({ name: "Alice" })).toBe("ok")

    // Bob cannot enter Alice's room, and the lobby lets him read but not track, whatever key
    // he claims.
    const intruder = (await client(bob.token)).supabase.channel(
      `room-${alice.id}`,
      presence(alice.id)
    )
    await expect(subscribe(intruder)).rejects.toThrow(/Unauthorized/)
    const bobLobby = (await client(bob.token)).supabase.channel("lobby", presence(alice.id))
    await subscribe(bobLobby)
    expect(await bobLobby.track({ name: "Alice" })).toBe("error")

    // Alice's own track in the lobby is refused too (no policy lets anyone write there); the
    // lobby never shows a presence.
    expect(await aliceLobby.track({ name: "Alice" })).toBe("error")
    expect(aliceLobby.presenceState()).toEqual({})
    expect(lobbyJoins.items).toEqual([])
  })
})
