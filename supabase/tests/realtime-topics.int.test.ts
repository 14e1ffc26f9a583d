import {
  Inbox,
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
// admit a user to their own topics and to the sessions they may read, and
// 20261203018000_project_members_live.sql to the member lists of their projects; nothing else.
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

  it("the list's channel also carries other members' sessions of the caller's projects, and only to members", async () => {
    // As components/sessions/use-sessions-realtime.ts binds it: the caller's own sessions by
    // user_id, their projects' by project_id; RLS on cloud_sessions decides each delivery.
    const [author, member, outsider] = await Promise.all([
      mintUser(stack),
      mintUser(stack),
      mintUser(stack),
    ])
    const project = crypto.randomUUID()
    const session = crypto.randomUUID()
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role) values
        ('${author.id}', '${author.email}', 'authenticated', 'authenticated'),
        ('${member.id}', '${member.email}', 'authenticated', 'authenticated'),
        ('${outsider.id}', '${outsider.email}', 'authenticated', 'authenticated');
      insert into ops.projects (id, name, created_by) values ('${project}', 'Shared', '${author.id}');
      -- The creator is its owner already (a trigger on ops.projects).
      insert into ops.project_memberships (project_id, user_id, role) values
        ('${project}', '${member.id}', 'viewer');
      insert into public.cloud_sessions (id, user_id, project_id, title) values
        ('${session}', '${author.id}', '${project}', 'Shared chat');
    `)
    const listen = async (user: { id: string; token: string }) => {
      const inbox = new Inbox<{ id?: string }>()
      const channel = (await client(user.token)).supabase.channel(`sessions:${user.id}`, {
        config: { private: true },
      })
      for (const filter of [`user_id=eq.${user.id}`, `project_id=in.(${project})`]) {
        channel.on(
          "postgres_changes",
          { event: "*", schema: "public", table: "cloud_sessions", filter },
          (payload) => inbox.push(payload.new as { id?: string })
        )
      }
      await subscribe(channel)
      return inbox
    }
    const memberInbox = await listen(member)
    const outsiderInbox = await listen(outsider)

    await stack.db.exec(
      `update public.cloud_sessions set title = 'Shared chat, renamed' where id = '${session}'`
    )
    await expect(
      memberInbox.next((row) => row.id === session, "the shared session's change")
    ).resolves.toMatchObject({ id: session })
    // The same change reached the member; the outsider, subscribed alike, got nothing.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(outsiderInbox.items).toEqual([])
  })

  it("a project's member list is live for its members and refused to everyone else", async () => {
    const owner = await mintUser(stack)
    const joiner = await mintUser(stack)
    const stranger = await mintUser(stack)
    const projectId = "c0ffee00-0000-4000-8000-00000000a001"
    await stack.db.exec(`
      insert into auth.users (id, email, aud, role, email_confirmed_at) values
        ('${owner.id}', '${owner.email}', 'authenticated', 'authenticated', now()),
        ('${joiner.id}', '${joiner.email}', 'authenticated', 'authenticated', now()),
        ('${stranger.id}', '${stranger.email}', 'authenticated', 'authenticated', now());
      insert into ops.projects (id, name, slug, created_by)
        values ('${projectId}', 'Live members', 'live-members-${owner.id.slice(0, 8)}', '${owner.id}');
    `)
    // (A trigger makes the creator the owner.)
    const topic = `project-members:${projectId}`
    const inbox = new Inbox<{ eventType: string; new: Record<string, unknown> }>()
    const own = (await client(owner.token)).supabase
      .channel(topic, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "ops",
          table: "project_memberships",
          filter: `project_id=eq.${projectId}`,
        },
        (change) => inbox.push(change)
      )
    await expect(subscribe(own)).resolves.toBeUndefined()

    // What accept_invitation writes when the invitee consents.
    await stack.db.exec(`
      insert into ops.project_memberships (project_id, user_id, role)
        values ('${projectId}', '${joiner.id}', 'developer');
    `)
    const joined = await inbox.next(
      (change) => change.eventType === "INSERT" && change.new.user_id === joiner.id,
      "the new member's INSERT"
    )
    expect(joined.new.role).toBe("developer")

    const outsiders = await client(stranger.token)
    for (const spyTopic of [
      topic,
      "project-members:not-a-project",
      `project-members:${projectId}' or true --`,
    ]) {
      const spy = outsiders.supabase.channel(spyTopic, { config: { private: true } })
      await expect(subscribe(spy)).rejects.toThrow(/Unauthorized/)
    }
  })
})
