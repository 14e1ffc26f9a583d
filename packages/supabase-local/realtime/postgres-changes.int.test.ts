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

/** The callback's payload; `new` and `old` are {} when the event has none. */
type Change = {
  schema: string
  table: string
  commit_timestamp: string
  eventType: "INSERT" | "UPDATE" | "DELETE"
  new: Record<string, unknown>
  old: Record<string, unknown>
  errors: string[] | null
}
type SystemMessage = {
  extension: string
  status: string
  message: string
  channel: string
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe(`realtime postgres changes (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: TestUser
  let bob: TestUser
  const clients: RealtimeTestClient[] = []
  const client = async (token?: string) => {
    const created = await realtimeClient(stack, token)
    clients.push(created)

    return created
  }

  /** Subscribes to changes and resolves once Realtime reports "Subscribed to PostgreSQL". */
  async function listen(
    token: string | undefined,
    topic: string,
    bindings: {
      event: "*" | "INSERT" | "UPDATE" | "DELETE"
      table: string
      filter?: string
    }[]
  ) {
    const inboxes = bindings.map(() => new Inbox<Change>())
    const system = new Inbox<SystemMessage>()
    let channel = (await client(token)).supabase.channel(topic)
    bindings.forEach((binding, index) => {
      channel = channel.on("postgres_changes", { schema: "public", ...binding }, (payload) =>
        inboxes[index]!.push(payload as unknown as Change)
      )
    })
    channel.on("system", {}, (message: SystemMessage) => system.push(message))
    await subscribe(channel)
    const status = await system.next((m) => m.extension === "postgres_changes")

    return { channel, inboxes, system, status }
  }

  async function insertNote(owner: TestUser, fields: Record<string, unknown> = {}) {
    const { rows } = await stack.db.query<{ id: string }>(
      `insert into public.notes (owner_id, body, shared, priority)
       values ($1, $2, $3, $4) returning id::text as id`,
      [owner.id, fields.body ?? "", fields.shared ?? false, fields.priority ?? 0]
    )

    return Number(rows[0]!.id)
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

  it("sends INSERT, UPDATE and DELETE with Realtime's exact payloads under RLS", async () => {
    const { inboxes, status } = await listen(alice.token, "notes-exact", [
      { event: "*", table: "notes" },
    ])
    expect(status).toEqual({
      extension: "postgres_changes",
      status: "ok",
      message: "Subscribed to PostgreSQL",
      channel: "notes-exact",
    })
    const inbox = inboxes[0]!

    const { rows } = await stack.db.query<{ id: string; created_at: string }>(
      `insert into public.notes (owner_id, body, tags, meta, created_at)
       values ($1, 'first', '{a,"b c"}', '{"k": [1, true]}', '2025-03-04 05:06:07.123456+02')
       returning id::text as id, created_at`,
      [alice.id]
    )
    const id = Number(rows[0]!.id)
    const inserted = await inbox.next()
    expect(inserted).toEqual({
      schema: "public",
      table: "notes",
      commit_timestamp: expect.stringMatching(ISO_UTC_MS),
      eventType: "INSERT",
      new: {
        id,
        owner_id: alice.id,
        body: "first",
        shared: false,
        priority: 0,
        tags: ["a", "b c"],
        meta: { k: [1, true] },
        created_at: "2025-03-04T03:06:07.123456+00:00",
      },
      old: {},
      errors: null,
    })

    await stack.db.query("update public.notes set body = 'second', priority = 5 where id = $1", [
      id,
    ])
    const updated = await inbox.next()
    expect(updated).toMatchObject({
      eventType: "UPDATE",
      new: { id, body: "second", priority: 5, owner_id: alice.id },
      old: { id },
      errors: null,
    })
    expect(Object.keys(updated.old)).toEqual(["id"])

    await stack.db.query("delete from public.notes where id = $1", [id])
    const deleted = await inbox.next()
    expect(deleted).toEqual({
      schema: "public",
      table: "notes",
      commit_timestamp: expect.stringMatching(ISO_UTC_MS),
      eventType: "DELETE",
      new: {},
      old: { id },
      errors: null,
    })
  })

  it("sends whole old rows for a table with replica identity full and no RLS", async () => {
    const { inboxes } = await listen(undefined, "audit-full", [{ event: "*", table: "audit" }])
    const inbox = inboxes[0]!
    await stack.db.query("insert into public.audit (id, label, detail) values (1, 'a', 'x')")
    expect(await inbox.next()).toMatchObject({
      eventType: "INSERT",
      new: { id: 1, label: "a", detail: "x" },
      old: {},
    })
    await stack.db.query("update public.audit set label = 'b' where id = 1")
    expect(await inbox.next()).toMatchObject({
      eventType: "UPDATE",
      new: { id: 1, label: "b", detail: "x" },
      old: { id: 1, label: "a", detail: "x" },
    })
    await stack.db.query("delete from public.audit where id = 1")
    expect(await inbox.next()).toMatchObject({
      eventType: "DELETE",
      old: { id: 1, label: "b", detail: "x" },
    })
  })

  it("keeps commit order, within and across transactions, and carries rows over 8 kB", async () => {
    const { inboxes } = await listen(undefined, "audit-order", [
      { event: "INSERT", table: "audit" },
    ])
    const inbox = inboxes[0]!
    const big = "é".repeat(50_000)
    await stack.db.transaction(async (tx) => {
      await tx.query("insert into public.audit (id, label, detail) values (10, 'one', $1)", [big])
      await tx.query("insert into public.audit (id, label) values (11, 'two')")
    })
    await stack.db.query("insert into public.audit (id, label) values (12, 'three')")
    const received = [await inbox.next(), await inbox.next(), await inbox.next()]
    expect(received.map((change) => change.new.id)).toEqual([10, 11, 12])
    expect(received[0]!.new.detail).toBe(big)
  })

  it("applies eq, neq, lt, lte, gt, gte and in filters", async () => {
    const filters = [
      "priority=eq.3",
      "priority=neq.3",
      "priority=lt.3",
      "priority=lte.3",
      "priority=gt.3",
      "priority=gte.3",
      'body=in.(red,"green, dark")',
    ]
    // One channel, so one socket: the unfiltered binding's events arrive in order with the rest.
    const { inboxes } = await listen(alice.token, "notes-filters", [
      ...filters.map((filter) => ({
        event: "INSERT" as const,
        table: "notes",
        filter,
      })),
      { event: "INSERT", table: "notes" },
    ])
    const all = inboxes[filters.length]!
    const rows = [
      { priority: 1, body: "red" },
      { priority: 3, body: "blue" },
      { priority: 5, body: "green, dark" },
    ]
    for (const row of rows) await insertNote(alice, row)
    // The unfiltered subscription saw all three, so every filtered one has had its chance.
    for (let i = 0; i < rows.length; i++) await all.next()

    const seen = (index: number) => inboxes[index]!.items.map((c) => c.new.priority)
    expect(seen(0)).toEqual([3])
    expect(seen(1)).toEqual([1, 5])
    expect(seen(2)).toEqual([1])
    expect(seen(3)).toEqual([1, 3])
    expect(seen(4)).toEqual([5])
    expect(seen(5)).toEqual([3, 5])
    expect(seen(6)).toEqual([1, 5])
  })

  it("never sends a user another user's rows, following visibility as rows change", async () => {
    const bobFeed = (await listen(bob.token, "notes-bob", [{ event: "*", table: "notes" }]))
      .inboxes[0]!
    const aliceFeed = (await listen(alice.token, "notes-alice", [{ event: "*", table: "notes" }]))
      .inboxes[0]!

    const id = await insertNote(alice, { body: "private" })
    await aliceFeed.next((c) => c.eventType === "INSERT" && c.new.id === id)
    await stack.db.query("update public.notes set shared = true, body = 'shared' where id = $1", [
      id,
    ])
    await aliceFeed.next((c) => c.eventType === "UPDATE" && c.new.shared === true)
    await stack.db.query("update public.notes set shared = false, body = 'hidden' where id = $1", [
      id,
    ])
    await aliceFeed.next((c) => c.eventType === "UPDATE" && c.new.shared === false)
    const sentinel = await insertNote(bob, { body: "bob's own" })
    await bobFeed.next((c) => c.eventType === "INSERT" && c.new.id === sentinel)

    expect(bobFeed.items.map((c) => [c.eventType, c.new.body])).toEqual([
      ["UPDATE", "shared"],
      ["INSERT", "bob's own"],
    ])

    // Deletes cannot be checked against RLS: as on Supabase, everyone subscribed gets the key only.
    await stack.db.query("delete from public.notes where id = $1", [id])
    const deleted = await bobFeed.next((c) => c.eventType === "DELETE")
    expect(deleted.old).toEqual({ id })
  })

  it("checks many subscribers at once: each sees exactly the rows RLS and its own filters let it see", async () => {
    // Enough distinct users that one batch's check is split over several connections on
    // Postgres. A third watch all notes with priority ≥ 2, a third all notes, and a third (as
    // the app's hooks do) their own rows by owner, their neighbour's rows (which the filter
    // matches and RLS refuses) and the sentinel.
    const users = await Promise.all(Array.from({ length: 51 }, () => mintUser(stack)))
    const feeds = await Promise.all(
      users.map(async (user, index) => {
        const bindings =
          index % 3 === 0
            ? [{ event: "INSERT" as const, table: "notes", filter: "priority=gte.2" }]
            : index % 3 === 1
              ? [{ event: "INSERT" as const, table: "notes" }]
              : [
                  { event: "INSERT" as const, table: "notes", filter: `owner_id=eq.${user.id}` },
                  {
                    event: "INSERT" as const,
                    table: "notes",
                    filter: `owner_id=eq.${users[index - 1]!.id}`,
                  },
                  { event: "INSERT" as const, table: "notes", filter: "body=eq.sentinel" },
                ]
        return (await listen(user.token, `many-${index}`, bindings)).inboxes
      })
    )
    // One transaction, so the changes reach the check together: a private note for each of the
    // first twelve users (priority index % 4), then two shared notes.
    await stack.db.transaction(async (tx) => {
      for (const [index, user] of users.slice(0, 12).entries()) {
        await tx.query("insert into public.notes (owner_id, body, priority) values ($1, $2, $3)", [
          user.id,
          `own-${index}`,
          index % 4,
        ])
      }
      await tx.query(
        "insert into public.notes (owner_id, body, shared, priority) values ($1, 'shared-low', true, 1), ($1, 'shared-high', true, 3)",
        [alice.id]
      )
    })
    const sentinel = await insertNote(alice, { body: "sentinel", shared: true, priority: 9 })
    await Promise.all(feeds.map((inboxes) => inboxes.at(-1)!.next((c) => c.new.id === sentinel)))

    const bodies = (inbox: Inbox<Change>) => inbox.items.map((c) => c.new.body)
    feeds.forEach((inboxes, index) => {
      const own = index < 12 ? [`own-${index}`] : []
      if (index % 3 === 0) {
        expect(bodies(inboxes[0]!), `subscriber ${index}`).toEqual([
          ...(index % 4 >= 2 ? own : []),
          "shared-high",
          "sentinel",
        ])
      } else if (index % 3 === 1) {
        expect(bodies(inboxes[0]!), `subscriber ${index}`).toEqual([
          ...own,
          "shared-low",
          "shared-high",
          "sentinel",
        ])
      } else {
        expect(bodies(inboxes[0]!), `subscriber ${index}, own rows`).toEqual(own)
        expect(bodies(inboxes[1]!), `subscriber ${index}, neighbour's rows`).toEqual([])
        expect(bodies(inboxes[2]!), `subscriber ${index}, sentinel`).toEqual(["sentinel"])
      }
    })
  })

  it("a DELETE filter on another column does not answer guesses about rows the subscriber cannot read", async () => {
    const secret = await insertNote(alice, { body: "secret-plan", priority: 7 })
    const later = await insertNote(alice, { body: "later" })
    const guesses = await listen(bob.token, "delete-guesses", [
      { event: "DELETE", table: "notes", filter: "body=eq.secret-plan" },
      { event: "DELETE", table: "notes", filter: "body=eq.wrong-guess" },
      { event: "DELETE", table: "notes", filter: "priority=gt.5" },
      { event: "DELETE", table: "notes", filter: `id=eq.${later}` },
    ])
    await stack.db.query("delete from public.notes where id = $1", [secret])
    await stack.db.query("delete from public.notes where id = $1", [later])

    // Right and wrong guesses alike get the delete, and only its key, as on hosted Realtime.
    const [right, wrong, ranged, byKey] = guesses.inboxes
    for (const inbox of [right!, wrong!, ranged!]) {
      expect((await inbox.next()).old).toEqual({ id: secret })
      expect((await inbox.next()).old).toEqual({ id: later })
    }
    // A filter on the key itself still applies: it only learns what the event shows anyway.
    expect((await byKey!.next()).old).toEqual({ id: later })
    expect(byKey!.items).toHaveLength(1)
  })

  it("does not emit for anonymous users without a policy, or for tables outside the publication", async () => {
    const anon = await listen(undefined, "notes-anon", [{ event: "*", table: "notes" }])
    const unpublished = await listen(alice.token, "unpublished", [
      { event: "*", table: "unpublished" },
    ])
    expect(unpublished.status).toMatchObject({
      status: "error",
      extension: "postgres_changes",
    })
    expect(unpublished.status.message).toContain("Unable to subscribe to changes")

    const badFilter = await listen(alice.token, "bad-filter", [
      { event: "*", table: "notes", filter: "nope=eq.1" },
    ])
    expect(badFilter.status).toMatchObject({ status: "error" })
    const badValue = await listen(alice.token, "bad-value", [
      { event: "*", table: "notes", filter: "priority=eq.high" },
    ])
    expect(badValue.status).toMatchObject({ status: "error" })

    const audit = (await listen(undefined, "audit-sentinel", [{ event: "*", table: "audit" }]))
      .inboxes[0]!
    await insertNote(alice, { body: "for alice only", shared: true })
    await stack.db.query("insert into public.unpublished (id) values (1)")
    await stack.db.query("insert into public.audit (id, label) values (99, 'sentinel')")
    await audit.next((c) => c.new.id === 99)
    expect(anon.inboxes[0]!.items).toEqual([])
  })

  it("matches every published table of a schema with table '*'", async () => {
    const { inboxes } = await listen(alice.token, "everything", [{ event: "INSERT", table: "*" }])
    await stack.db.query("insert into public.audit (id, label) values (200, 'wild')")
    const noteId = await insertNote(alice, { body: "wild note" })
    const first = await inboxes[0]!.next()
    const second = await inboxes[0]!.next()
    expect([first.table, second.table]).toEqual(["audit", "notes"])
    expect(second.new.id).toBe(noteId)
  })
})
