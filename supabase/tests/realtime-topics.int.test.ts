import {
  mintUser,
  realtimeClient,
  subscribe,
  type RealtimeTestClient,
} from "@lmx/supabase-local/testing/realtime"
import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

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
})
