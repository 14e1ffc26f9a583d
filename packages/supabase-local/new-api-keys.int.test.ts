import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

import {
  AUTH_FIXTURE_MIGRATIONS,
  generousLimits,
  latestMail,
  NODE_REALTIME,
  openLink,
  uniqueEmail,
  verifyLinkOf,
} from "./testing/auth"
import { startTestStack, TEST_ENGINE, type TestStack } from "./testing/test-stack"

// The new API keys (sb_publishable_… / sb_secret_…) beside the legacy JWTs, through
// supabase-js as a project using them calls the stack: the gateway maps publishable → anon
// and secret → service_role, as hosted's does (gateway.ts, createKeyTranslation).
const PASSWORD = "correct-horse-battery"

function clientWith(stack: TestStack, key: string) {
  return createClient(stack.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: NODE_REALTIME,
  })
}

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.on("open", () => {
      ws.close()
      resolve(101)
    })
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0))
    ws.on("error", () => resolve(0))
  })
}

describe(`new API keys: sb_publishable_ and sb_secret_ (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let noteId: string

  beforeAll(async () => {
    stack = await startTestStack({
      migrationsDir: AUTH_FIXTURE_MIGRATIONS,
      seedFiles: [],
      configOverrides: (config) => ({ ...config, auth: generousLimits(config.auth) }),
    })
    // A user signs up and writes a note with the publishable key, as a browser app would.
    const email = uniqueEmail("new-keys")
    const user = clientWith(stack, stack.keys.publishableKey)
    expect((await user.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    expect((await user.auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull()
    const { data, error } = await user.from("notes").insert({ body: "mine" }).select("id").single()
    expect(error).toBeNull()
    noteId = data!.id as string
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("prints both new keys in the status block, as supabase status does", () => {
    expect(stack.keys.publishableKey).toMatch(/^sb_publishable_[\w-]+$/)
    expect(stack.keys.secretKey).toMatch(/^sb_secret_[\w-]+$/)
    expect(stack.statusLines()).toEqual(
      expect.arrayContaining([
        `Publishable key: ${stack.keys.publishableKey}`,
        `Secret key: ${stack.keys.secretKey}`,
      ])
    )
  })

  it("maps the publishable key to anon: REST under RLS, no admin API", async () => {
    const anon = clientWith(stack, stack.keys.publishableKey)
    const notes = await anon.from("notes").select("id")
    expect(notes.error).toBeNull()
    expect(notes.data).toEqual([])
    const admin = await anon.auth.admin.listUsers()
    expect(admin.error?.status).toBe(403)
  })

  it("maps the secret key to service_role: REST past RLS, the admin API, Storage", async () => {
    const service = clientWith(stack, stack.keys.secretKey)
    const notes = await service.from("notes").select("id")
    expect(notes.error).toBeNull()
    expect(notes.data).toEqual([{ id: noteId }])
    const users = await service.auth.admin.listUsers()
    expect(users.error).toBeNull()
    expect(users.data.users.length).toBeGreaterThan(0)
    const created = await service.storage.createBucket("new-keys")
    expect(created.error).toBeNull()
    const buckets = await service.storage.listBuckets()
    expect(buckets.data?.map((bucket) => bucket.name)).toContain("new-keys")
  })

  it("takes a new key from Authorization alone, and passes a user's JWT through beside it", async () => {
    const bearerOnly = await fetch(`${stack.url}/rest/v1/notes?select=id`, {
      headers: { authorization: `Bearer ${stack.keys.secretKey}` },
    })
    expect(bearerOnly.status).toBe(200)
    expect(await bearerOnly.json()).toEqual([{ id: noteId }])

    // A session JWT beside the secret key stays the caller: hosted maps only `Bearer sb_…`.
    const anonToken = await fetch(`${stack.url}/rest/v1/notes?select=id`, {
      headers: { apikey: stack.keys.secretKey, authorization: `Bearer ${stack.keys.anonKey}` },
    })
    expect(await anonToken.json()).toEqual([])
  })

  it("refuses an sb_ key that is not this project's, as the gateway's key-auth does", async () => {
    const stranger = clientWith(stack, "sb_publishable_notThisProjectsKey_abcdefgh")
    const { error, status } = await stranger.from("notes").select("id")
    expect(status).toBe(401)
    expect(error?.message).toBe("Invalid API key")
  })

  it("opens Realtime's WebSocket with the publishable key in the query string", async () => {
    const ws = `${stack.url.replace(/^http/, "ws")}/realtime/v1/websocket?vsn=1.0.0&apikey=`
    expect(await upgradeStatus(ws + stack.keys.publishableKey)).toBe(101)
    expect(await upgradeStatus(ws + "sb_publishable_notThisProjectsKey_abcdefgh")).not.toBe(101)
  })

  it("opens the mailbox's JSON API with the secret key, not the publishable one", async () => {
    const withKey = (key: string) =>
      fetch(`${stack.url}/mailbox/api/messages`, { headers: { apikey: key } })
    expect((await withKey(stack.keys.secretKey)).status).toBe(200)
    expect((await withKey(stack.keys.publishableKey)).status).not.toBe(200)
  })
})

describe(`new API keys given at start, as a reused production build needs them (${TEST_ENGINE})`, () => {
  const given = {
    publishableKey: "sb_publishable_given-for-a-prebuilt-app_abc123",
    secretKey: "sb_secret_given-for-a-prebuilt-app_def456",
  }
  let stack: TestStack

  beforeAll(async () => {
    stack = await startTestStack({
      migrationsDir: AUTH_FIXTURE_MIGRATIONS,
      seedFiles: [],
      apiKeys: given,
    })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("answers to the given keys instead of the stored ones", async () => {
    expect(stack.keys.publishableKey).toBe(given.publishableKey)
    expect(stack.keys.secretKey).toBe(given.secretKey)
    const anon = await clientWith(stack, given.publishableKey).from("notes").select("id")
    expect(anon.error).toBeNull()
    const admin = await clientWith(stack, given.secretKey).auth.admin.listUsers()
    expect(admin.error).toBeNull()
    const stored = await clientWith(stack, "sb_publishable_not-the-given-one_xyz789")
      .from("notes")
      .select("id")
    expect(stored.error?.message).toMatch(/invalid api key/i)
  })
})
