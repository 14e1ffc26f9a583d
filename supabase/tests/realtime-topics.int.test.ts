import {
  mintUser,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "@lmx/supabase-local/testing/realtime"
import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

// The console's live channels are private (docs/security.md): the realtime.messages policy
// of 20261203000600_realtime_private_topics.sql admits a user to their own topics only.
describe(`realtime topics of the console (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const clients: RealtimeTestClient[] = []
  const client = async (token: string) => {
    const created = await realtimeClient(stack, token)
    clients.push(created)
    return created
  }

  beforeAll(async () => {
    stack = await startTestStack()
  })
  afterAll(async () => {
    for (const created of clients) await created.close().catch(() => undefined)
    await stack?.stop()
  })

  it("another user cannot join someone's devices channel, public or private", async () => {
    const owner = await mintUser(stack)
    const other = await mintUser(stack)
    const topic = `devices:${owner.id}`
    const own = (await client(owner.token)).supabase.channel(topic, {
      config: { private: true },
    })
    await expect(subscribe(own)).resolves.toBeUndefined()

    const spy = (await client(other.token)).supabase.channel(topic, {
      config: { private: true },
    })
    await expect(subscribe(spy)).rejects.toThrow(/Unauthorized/)
    const publicSpy = (await client(other.token)).supabase.channel(topic)
    await expect(subscribe(publicSpy)).rejects.toThrow(/PrivateOnly/)
    const anonymous = (await client(stack.keys.anonKey)).supabase.channel(topic, {
      config: { private: true },
    })
    await expect(subscribe(anonymous)).rejects.toThrow(/Unauthorized/)
  })

  it("the console's browser client joins its own devices channel after realtime.setAuth()", async () => {
    // As components/devices/use-devices-realtime.ts does, with the seeded demo account.
    const supabase = createClient(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const { data, error } = await supabase.auth.signInWithPassword({
      email: "demo@lmx.local",
      password: "lmx-demo-password",
    })
    expect(error).toBeNull()
    await supabase.realtime.setAuth()
    const channel = supabase.channel(`devices:${data.user!.id}`, {
      config: { private: true },
    })
    try {
      await expect(subscribe(channel)).resolves.toBeUndefined()
    } finally {
      await supabase.removeAllChannels()
      supabase.realtime.disconnect()
    }
  })
})
