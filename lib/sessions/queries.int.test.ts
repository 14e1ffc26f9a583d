import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import { DEFAULT_SESSION_FILTERS, type SessionFilters } from "./filters"
import {
  moveSessions,
  restoreDeletedSessions,
  setSessionsArchived,
  setSessionsPinned,
  tombstoneSessions,
} from "./mutations"
import {
  hasAnySession,
  listDeletedSessions,
  listSessionFilterOptions,
  listSessions,
  searchSessions,
  type SessionListItem,
} from "./queries"

// The sessions page's reads and writes, run as the console runs them (the user's own client,
// RLS on) against the seeded stack: demo@lmx.local owns 184 sessions (seed.sql 180, seed_sessions.sql 4); sam@lmx.local is a
// viewer of the demo's "Studio Inference" project and owns 20 sessions of his own; jordan has
// none.
const PASSWORD = "lmx-demo-password"
const DEMO_ID = "00000000-0000-4000-a000-000000000001"
const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const STUDIO_INFERENCE = "00000000-0000-4000-c000-000000000001"

const LIST: Omit<SessionFilters, "q"> = DEFAULT_SESSION_FILTERS

async function allPages(
  supabase: Client,
  filters: Omit<SessionFilters, "q">,
  limit = 50
) {
  const rows: SessionListItem[] = []
  let cursor: string | null = null
  for (let page = 0; page < 100; page++) {
    const result = await listSessions(supabase, { filters, cursor, limit })
    rows.push(...result.sessions)
    cursor = result.nextCursor
    if (!cursor) break
  }

  return rows
}

const DEMO_SESSIONS = 184

describe(`sessions list on the demo seed (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let demo: Client
  let sam: Client
  let jordan: Client
  let raw: Client

  const signIn = (email: string) =>
    signInWithPassword(stack, { email, password: PASSWORD })

  beforeAll(async () => {
    stack = await startTestStack()
    demo = await signIn("demo@lmx.local")
    sam = await signIn("sam@lmx.local")
    jordan = await signIn("jordan@lmx.local")
    raw = demo
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("an account without sessions gets an empty list, and knows it has none", async () => {
    expect(await listSessions(jordan, { filters: LIST })).toEqual({
      sessions: [],
      nextCursor: null,
    })
    expect(await hasAnySession(jordan)).toBe(false)
    expect(await hasAnySession(demo)).toBe(true)
  })

  it("pages through every demo session by keyset, newest activity first, none twice", async () => {
    const first = await listSessions(demo, { filters: LIST })
    expect(first.sessions).toHaveLength(50)
    expect(first.nextCursor).not.toBeNull()

    const rows = await allPages(demo, LIST, 37)
    expect(rows).toHaveLength(DEMO_SESSIONS)
    expect(new Set(rows.map((row) => row.id)).size).toBe(DEMO_SESSIONS)
    expect(rows.every((row) => row.is_mine)).toBe(true)
    const times = rows.map((row) => Date.parse(row.last_activity_at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(rows.slice(0, 50).map((row) => row.id)).toEqual(
      first.sessions.map((row) => row.id)
    )
    const seeded = rows.find((row) => row.device_id === STUDIO_MAC)
    expect(seeded).toMatchObject({ device_name: "Studio Mac" })
    expect(seeded!.message_count).toBeGreaterThan(0)
    expect(seeded!.models.length).toBeGreaterThan(0)
  })

  it("a cursor that does not decode starts from the top instead of failing", async () => {
    const page = await listSessions(demo, {
      filters: LIST,
      cursor: "garbage",
      limit: 5,
    })
    const top = await listSessions(demo, { filters: LIST, limit: 5 })
    expect(page.sessions.map((row) => row.id)).toEqual(
      top.sessions.map((row) => row.id)
    )
  })

  it("filters by device, model, tool calls and date in the database", async () => {
    const byDevice = await allPages(demo, { ...LIST, device: STUDIO_MAC })
    expect(byDevice.length).toBeGreaterThan(0)
    expect(byDevice.length).toBeLessThan(DEMO_SESSIONS)
    expect(byDevice.every((row) => row.device_id === STUDIO_MAC)).toBe(true)

    const byModel = await allPages(demo, { ...LIST, model: "gpt-oss-20b" })
    expect(byModel.length).toBeGreaterThan(0)
    expect(
      byModel.every(
        (row) =>
          row.model === "gpt-oss-20b" || row.models.includes("gpt-oss-20b")
      )
    ).toBe(true)

    // Every seeded session calls a tool by its fourth message; add one that does not.
    const plain = await demo
      .from("cloud_sessions")
      .insert({ user_id: DEMO_ID, title: "Plain chat, no tools" })
      .select("id")
      .single()
    expect(plain.error).toBeNull()
    const message = await demo.from("cloud_messages").insert({
      session_id: plain.data!.id,
      user_id: DEMO_ID,
      message_index: 0,
      role: "user",
      content: "hello",
    })
    expect(message.error).toBeNull()
    const withTools = await allPages(demo, { ...LIST, tools: "yes" })
    const withoutTools = await allPages(demo, { ...LIST, tools: "no" })
    // The two filters split the list: every session is on exactly one side.
    expect(withTools.length + withoutTools.length).toBe(DEMO_SESSIONS + 1)
    expect(withTools.length).toBeGreaterThan(0)
    expect(withTools.every((row) => row.has_tool_calls)).toBe(true)
    expect(withoutTools.every((row) => !row.has_tool_calls)).toBe(true)
    expect(withoutTools.map((row) => row.id)).toContain(plain.data!.id)
    expect(withTools.map((row) => row.id)).not.toContain(plain.data!.id)
    // Out of the way of the other tests: deleted long ago, past the restore window.
    const gone = await demo
      .from("cloud_sessions")
      .update({
        deleted_at: new Date(Date.now() - 40 * 86_400_000).toISOString(),
      })
      .eq("id", plain.data!.id)
    expect(gone.error).toBeNull()

    const future = await listSessions(demo, {
      filters: { ...LIST, from: "2999-01-01" },
    })
    expect(future.sessions).toEqual([])
    // One UTC day of the seed's spread: exactly the sessions last active that day.
    const all = await allPages(demo, LIST)
    const day = new Date(all[20]!.last_activity_at).toISOString().slice(0, 10)
    const dayOf = (row: SessionListItem) =>
      new Date(row.last_activity_at).toISOString().slice(0, 10)
    const onDay = await allPages(demo, { ...LIST, from: day, to: day })
    expect(onDay.map((row) => row.id).sort()).toEqual(
      all
        .filter((row) => dayOf(row) === day)
        .map((row) => row.id)
        .sort()
    )
    expect(onDay.length).toBeGreaterThan(0)
    expect(onDay.length).toBeLessThan(all.length)

    const options = await listSessionFilterOptions(demo, { userId: DEMO_ID })
    expect(options.devices.map((device) => device.name)).toContain("Studio Mac")
    expect(options.models).toContain("gpt-oss-20b")
    expect(
      options.projects.find((project) => project.id === STUDIO_INFERENCE)
    ).toMatchObject({ canWrite: true })
  })

  it("a new message moves its session to the top", async () => {
    const all = await allPages(demo, LIST)
    const older = all[100]!
    const added = await demo.from("cloud_messages").insert({
      session_id: older.id,
      user_id: DEMO_ID,
      message_index: older.message_count,
      role: "user",
      content: "One more question",
    })
    expect(added.error).toBeNull()
    const [top] = (await listSessions(demo, { filters: LIST, limit: 1 }))
      .sessions
    expect(top).toMatchObject({
      id: older.id,
      message_count: older.message_count + 1,
    })
    expect(Date.parse(top!.last_activity_at)).toBeGreaterThan(
      Date.parse(all[0]!.last_activity_at)
    )
  })

  it("searches messages and titles, grouped by session, with marked excerpts", async () => {
    const groups = await searchSessions(demo, { query: "tokenised" })
    expect(groups.length).toBeGreaterThan(0)
    const ids = groups.map((group) => group.sessionId)
    expect(new Set(ids).size).toBe(ids.length)
    const hit = groups[0]!.hits[0]!
    expect(hit.excerpt).toMatch(/<mark>tokenised<\/mark>/i)

    const byTitle = await searchSessions(demo, { query: "backup workflow #" })
    expect(byTitle.some((group) => group.titleMatched)).toBe(true)
    expect(await searchSessions(demo, { query: "   " })).toEqual([])
    // Sam sees none of the demo's private sessions.
    const samGroups = await searchSessions(sam, { query: "tokenised" })
    const demoIds = new Set(ids)
    expect(samGroups.some((group) => demoIds.has(group.sessionId))).toBe(false)
  })

  it("pins a session to the top without moving its activity time", async () => {
    const [, , third] = (await listSessions(demo, { filters: LIST, limit: 3 }))
      .sessions
    const pinned = await setSessionsPinned(demo, [third!.id], true)
    expect(pinned).toEqual({ ids: [third!.id], error: null })

    const top = (await listSessions(demo, { filters: LIST, limit: 3 }))
      .sessions[0]!
    expect(top.id).toBe(third!.id)
    expect(top.pinned_at).not.toBeNull()
    expect(top.last_activity_at).toBe(third!.last_activity_at)
    // Keyset still covers everything once, pinned first.
    const rows = await allPages(demo, LIST, 40)
    expect(rows).toHaveLength(DEMO_SESSIONS)
    expect(new Set(rows.map((row) => row.id)).size).toBe(DEMO_SESSIONS)

    await setSessionsPinned(demo, [third!.id], false)
  })

  it("archives: the session leaves the list, shows under archived, stays searchable", async () => {
    const target = (await listSessions(demo, { filters: LIST, limit: 1 }))
      .sessions[0]!
    expect((await setSessionsArchived(demo, [target.id], true)).ids).toEqual([
      target.id,
    ])

    const active = await allPages(demo, LIST)
    expect(active.some((row) => row.id === target.id)).toBe(false)
    const archived = await allPages(demo, { ...LIST, view: "archived" })
    expect(archived.map((row) => row.id)).toEqual([target.id])
    const found = await searchSessions(demo, { query: target.title })
    expect(found.some((group) => group.sessionId === target.id)).toBe(true)

    await setSessionsArchived(demo, [target.id], false)
    expect(
      (await allPages(demo, LIST)).some((row) => row.id === target.id)
    ).toBe(true)
  })

  it("deletes as a tombstone that devices pull, and restores within 30 days", async () => {
    const target = (await listSessions(demo, { filters: LIST, limit: 1 }))
      .sessions[0]!
    const before = await raw
      .from("cloud_sessions")
      .select("sync_version, last_modified_at")
      .eq("id", target.id)
      .single()

    expect((await tombstoneSessions(demo, [target.id])).ids).toEqual([
      target.id,
    ])
    const after = await raw
      .from("cloud_sessions")
      .select("sync_version, last_modified_at, deleted_at")
      .eq("id", target.id)
      .single()
    expect(after.data!.deleted_at).not.toBeNull()
    expect(after.data!.sync_version).toBeGreaterThan(before.data!.sync_version)
    expect(Date.parse(after.data!.last_modified_at)).toBeGreaterThan(
      Date.parse(before.data!.last_modified_at)
    )
    expect(
      (await allPages(demo, LIST)).some((row) => row.id === target.id)
    ).toBe(false)
    expect(
      (await searchSessions(demo, { query: target.title })).some(
        (group) => group.sessionId === target.id
      )
    ).toBe(false)
    const deleted = await listDeletedSessions(demo, { userId: DEMO_ID })
    expect(deleted.map((row) => row.id)).toEqual([target.id])

    expect((await restoreDeletedSessions(demo, [target.id])).ids).toEqual([
      target.id,
    ])
    expect(await listDeletedSessions(demo, { userId: DEMO_ID })).toEqual([])
    expect(
      (await allPages(demo, LIST)).some((row) => row.id === target.id)
    ).toBe(true)
  })

  it("refuses to restore a session deleted more than 30 days ago", async () => {
    const target = (await listSessions(demo, { filters: LIST, limit: 1 }))
      .sessions[0]!
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString()
    const { error: deleteError } = await raw
      .from("cloud_sessions")
      .update({ deleted_at: old })
      .eq("id", target.id)
    expect(deleteError).toBeNull()

    expect(await restoreDeletedSessions(demo, [target.id])).toEqual({
      ids: [],
      error: null,
    })
    expect(await listDeletedSessions(demo, { userId: DEMO_ID })).toEqual([])
    // Even asked directly, the database says no.
    const direct = await raw
      .from("cloud_sessions")
      .update({ deleted_at: null })
      .eq("id", target.id)
      .select("id")
    expect(direct.error?.message).toMatch(/cannot be restored/)
  })

  it("another account and a project viewer cannot pin, archive, move or delete", async () => {
    const target = (await listSessions(demo, { filters: LIST, limit: 1 }))
      .sessions[0]!
    // Sam cannot see the session at all yet; then the demo shares it with the project he views.
    for (const write of [
      setSessionsPinned(sam, [target.id], true),
      setSessionsArchived(sam, [target.id], true),
      tombstoneSessions(sam, [target.id]),
      moveSessions(sam, [target.id], null),
    ]) {
      expect(await write).toEqual({ ids: [], error: null })
    }

    expect(
      (await moveSessions(demo, [target.id], STUDIO_INFERENCE)).ids
    ).toEqual([target.id])
    const shared = await allPages(sam, { ...LIST, project: STUDIO_INFERENCE })
    expect(shared.map((row) => row.id)).toEqual([target.id])
    expect(shared[0]).toMatchObject({
      is_mine: false,
      project_name: "Studio Inference",
    })

    for (const write of [
      setSessionsPinned(sam, [target.id], true),
      setSessionsArchived(sam, [target.id], true),
      tombstoneSessions(sam, [target.id]),
      moveSessions(sam, [target.id], null),
    ]) {
      expect(await write).toEqual({ ids: [], error: null })
    }
    const still = (
      await listSessions(demo, {
        filters: { ...LIST, project: STUDIO_INFERENCE },
      })
    ).sessions[0]!
    expect(still).toMatchObject({
      id: target.id,
      pinned_at: null,
      archived_at: null,
      project_id: STUDIO_INFERENCE,
    })

    // Sam may not move even his own session into a project he only views.
    const samOwn = (await allPages(sam, LIST)).find((row) => row.is_mine)
    expect(samOwn).toBeDefined()
    const refused = await moveSessions(sam, [samOwn!.id], STUDIO_INFERENCE)
    expect(refused.ids).toEqual([])
    expect(refused.error?.code).toBe("42501")
    expect(
      (await allPages(sam, LIST)).filter((row) => row.is_mine)
    ).toHaveLength(20)
  })
})
