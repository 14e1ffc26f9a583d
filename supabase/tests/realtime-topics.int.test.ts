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

// The console's live channels are private (docs/security.md): the realtime.messages policies
// of 20261203000600_realtime_private_topics.sql and 20261203000810_realtime_session_topics.sql
// admit a user to their own topics and to the sessions they may read, nothing else.
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

  it("a session's channel admits those who may read the session, and the list's its owner alone", async () => {
    const demo = createClient(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const { data, error } = await demo.auth.signInWithPassword({
      email: "demo@lmx.local",
      password: "lmx-demo-password",
    })
    expect(error).toBeNull()
    const { data: sessions } = await demo.from("cloud_sessions").select("id").limit(1)
    const sessionId = sessions?.[0]?.id
    expect(sessionId).toBeTruthy()
    await demo.realtime.setAuth()
    try {
      for (const topic of [`sessions:${data.user!.id}`, `session:${sessionId}`]) {
        const own = demo.channel(topic, { config: { private: true } })
        await expect(subscribe(own)).resolves.toBeUndefined()
      }
    } finally {
      await demo.removeAllChannels()
      demo.realtime.disconnect()
    }

    const stranger = await client((await mintUser(stack)).token)
    for (const topic of [
      `sessions:${data.user!.id}`,
      `session:${sessionId}`,
      "session:not-a-session-id",
      `session:${sessionId}' or true --`,
    ]) {
      const spy = stranger.supabase.channel(topic, { config: { private: true } })
      await expect(subscribe(spy)).rejects.toThrow(/Unauthorized/)
    }
  })
})
