import { openDatabase } from "@lmx/supabase-local/db/open"
import { type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  MISMATCHES_SQL,
  ROWS,
  userActor,
  USERS,
} from "./core-fixtures"
import { failureAs, runAs } from "./rls-harness"

// sync_push / sync_pull as the device API calls them, with device JWT claims.
const studio = deviceActor("owner", DEVICES.owner)
const laptop = deviceActor("owner", DEVICES.ownerSecond)
const revoked = deviceActor("owner", DEVICES.ownerRevoked)
const strangerDevice = deviceActor("stranger", DEVICES.stranger)

type PushResult = {
  kind: "session" | "message"
  id: string
  status: string
  server_version: string
}
type SessionItem = {
  id: string
  sync_version: number
  title?: string
  deleted_at?: string
  model?: string
}
type MessageItem = {
  id: string
  session_id: string
  sync_version: number
  message_index: number
  role: string
  content?: string
  model?: string
  input_tokens?: number
  output_tokens?: number
  deleted_at?: string
  created_at?: string
}
type Change = {
  kind: "session" | "message"
  id: string
  row: Record<string, unknown>
}
type Page = { changes: Change[]; next_cursor: string | null; has_more: boolean }

// Deterministic ids per test: prefix (4 hex digits) + counter.
const uuid = (prefix: string, n: number) =>
  `${prefix}0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`.padStart(36, "0")

describe(`sync_push and sync_pull (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  const push = async (
    actor = studio,
    batch: { sessions?: SessionItem[]; messages?: MessageItem[] }
  ) =>
    (
      await runAs(database.db, actor, (tx) =>
        tx.query<PushResult>("select kind, id, status, server_version from public.sync_push($1)", [
          JSON.stringify(batch),
        ])
      )
    ).rows
  const pull = async (cursor: string | null, maxRows = 1000, actor = studio) =>
    (
      await runAs(database.db, actor, (tx) =>
        tx.query<{ page: Page }>("select public.sync_pull($1, $2) as page", [cursor, maxRows])
      )
    ).rows[0]!.page
  const statuses = (results: PushResult[]) =>
    results.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {}
    )

  it("pushes a batch of 1,210 sessions and messages in one call, and a replay is all duplicates", async () => {
    const sessions = Array.from({ length: 10 }, (_, s) => ({
      id: uuid("a001", s),
      sync_version: 1,
      title: `Session ${s}`,
      model: "fixture-model",
    }))
    const messages = Array.from({ length: 1200 }, (_, m) => ({
      id: uuid("a002", m),
      session_id: uuid("a001", m % 10),
      sync_version: 1,
      message_index: Math.floor(m / 10),
      role: m % 2 === 0 ? "user" : "assistant",
      content: `message ${m} about quantisation`,
      model: "fixture-model",
      input_tokens: 100,
      output_tokens: 10,
    }))

    const first = await push(studio, { sessions, messages })
    expect(first).toHaveLength(1210)
    expect(statuses(first)).toEqual({ applied: 1210 })
    expect(first.every((r) => r.server_version === "1")).toBe(true)

    const replay = await push(studio, { sessions, messages })
    expect(statuses(replay)).toEqual({ duplicate: 1210 })

    const { rows } = await database.db.query(
      "select message_count, token_count, device_id from public.cloud_sessions where id = $1",
      [uuid("a001", 3)]
    )
    expect(rows).toEqual([{ message_count: 120, token_count: "13200", device_id: DEVICES.owner }])
  })

  it("applies newer versions, reports older or diverging ones as conflicts with the server's version", async () => {
    const session = { id: uuid("b001", 1), sync_version: 3, title: "v3" }
    expect(statuses(await push(studio, { sessions: [session] }))).toEqual({
      applied: 1,
    })

    const older = await push(studio, {
      sessions: [{ ...session, sync_version: 2, title: "v2" }],
    })
    expect(older).toEqual([
      {
        kind: "session",
        id: session.id,
        status: "conflict",
        server_version: "3",
      },
    ])
    const diverging = await push(studio, {
      sessions: [{ ...session, title: "other v3" }],
    })
    expect(diverging).toEqual([
      {
        kind: "session",
        id: session.id,
        status: "conflict",
        server_version: "3",
      },
    ])
    const newer = await push(studio, {
      sessions: [{ ...session, sync_version: 4, title: "v4" }],
    })
    expect(newer).toEqual([
      {
        kind: "session",
        id: session.id,
        status: "applied",
        server_version: "4",
      },
    ])

    const { rows } = await database.db.query(
      "select title, sync_version from public.cloud_sessions where id = $1",
      [session.id]
    )
    expect(rows).toEqual([{ title: "v4", sync_version: "4" }])
  })

  it("keeps the highest version when one batch carries the same item twice", async () => {
    const id = uuid("b002", 1)
    const results = await push(studio, {
      sessions: [
        { id, sync_version: 1, title: "first" },
        { id, sync_version: 2, title: "second" },
      ],
    })
    expect(results).toEqual([{ kind: "session", id, status: "applied", server_version: "2" }])
  })

  it("bumps sync_version when the console edits a row, so the device's stale copy conflicts", async () => {
    const id = uuid("b003", 1)
    await push(studio, {
      sessions: [{ id, sync_version: 1, title: "from device" }],
    })
    await runAs(database.db, userActor("owner"), (tx) =>
      tx.query("update public.cloud_sessions set title = 'renamed in console' where id = $1", [id])
    )
    const { rows } = await database.db.query(
      "select sync_version from public.cloud_sessions where id = $1",
      [id]
    )
    expect(rows).toEqual([{ sync_version: "2" }])
    expect(
      await push(studio, {
        sessions: [{ id, sync_version: 2, title: "device edit" }],
      })
    ).toEqual([{ kind: "session", id, status: "conflict", server_version: "2" }])
  })

  it("records deletions as tombstones that drop the content and the counters, and reach pull", async () => {
    const session = uuid("c001", 1)
    const message = uuid("c002", 1)
    await push(studio, {
      sessions: [{ id: session, sync_version: 1, title: "to delete" }],
      messages: [
        {
          id: message,
          session_id: session,
          sync_version: 1,
          message_index: 0,
          role: "user",
          content: "secret plan",
          input_tokens: 5,
        },
      ],
    })
    const before = await pull(null, 5000)

    const results = await push(studio, {
      messages: [
        {
          id: message,
          session_id: session,
          sync_version: 2,
          message_index: 0,
          role: "user",
          deleted_at: new Date().toISOString(),
        },
      ],
    })
    expect(results).toEqual([
      { kind: "message", id: message, status: "applied", server_version: "2" },
    ])
    const { rows } = await database.db.query(
      "select m.content, m.deleted_at is not null as deleted, s.message_count from public.cloud_messages m join public.cloud_sessions s on s.id = m.session_id where m.id = $1",
      [message]
    )
    expect(rows).toEqual([{ content: "", deleted: true, message_count: 0 }])

    const after = await pull(before.next_cursor)
    const tombstone = after.changes.find((change) => change.id === message)
    expect(tombstone?.row).toMatchObject({
      deleted_at: expect.any(String),
      content: "",
      sync_version: 2,
    })
  })

  it("rejects writes to rows of another device, another user or a session that is not the caller's", async () => {
    const session = uuid("d001", 1)
    await push(studio, {
      sessions: [{ id: session, sync_version: 1, title: "studio's" }],
    })

    expect(
      await push(laptop, {
        sessions: [{ id: session, sync_version: 2, title: "laptop's" }],
      })
    ).toEqual([{ kind: "session", id: session, status: "rejected", server_version: "1" }])
    expect(
      await push(strangerDevice, {
        sessions: [{ id: session, sync_version: 9, title: "stolen" }],
      })
    ).toEqual([{ kind: "session", id: session, status: "rejected", server_version: "1" }])
    const intoForeignSession = await push(strangerDevice, {
      messages: [
        {
          id: uuid("d002", 1),
          session_id: session,
          sync_version: 1,
          message_index: 0,
          role: "user",
          content: "injected",
        },
      ],
    })
    expect(intoForeignSession).toEqual([
      {
        kind: "message",
        id: uuid("d002", 1),
        status: "rejected",
        server_version: null,
      },
    ])

    const { rows } = await database.db.query(
      "select title, sync_version, user_id from public.cloud_sessions where id = $1",
      [session]
    )
    expect(rows).toEqual([{ title: "studio's", sync_version: "1", user_id: USERS.owner }])
  })

  it("refuses a revoked device outright", async () => {
    const error = await failureAs(database.db, revoked, (tx) =>
      tx.query("select * from public.sync_push($1)", [
        JSON.stringify({
          sessions: [{ id: uuid("e001", 1), sync_version: 1 }],
        }),
      ])
    )
    expect(error.message).toMatch(/revoked/)
    const pullError = await failureAs(database.db, revoked, (tx) =>
      tx.query("select public.sync_pull(null)")
    )
    expect(pullError.message).toMatch(/sign in/)
  })

  it("pulls every change exactly once, in a stable order, page by page, then only what changed since", async () => {
    const all: Change[] = []
    let cursor: string | null = null
    for (let page = 0; page < 100; page++) {
      const result: Page = await pull(cursor, 97)
      all.push(...result.changes)
      cursor = result.next_cursor
      if (!result.has_more) break
    }
    const ids = all.map((change) => change.id)
    expect(new Set(ids).size).toBe(ids.length)
    const { rows } = await database.db.query<{ n: string }>(
      `select (select count(*) from public.cloud_sessions where user_id = $1) + (select count(*) from public.cloud_messages where user_id = $1) as n`,
      [USERS.owner]
    )
    expect(ids).toHaveLength(Number(rows[0]!.n))
    // Rows arrive in (change_seq, kind, id) order.
    const keys = all.map(
      (change) =>
        [Number(change.row.change_seq), change.kind === "session" ? 0 : 1, change.id] as const
    )
    const sorted = [...keys].sort(
      (a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)
    )
    expect(keys).toEqual(sorted)
    // Another device of the same user sees the same changes.
    expect((await pull(null, 5000, laptop)).changes).toHaveLength(ids.length)

    expect((await pull(cursor)).changes).toEqual([])
    const session = uuid("f001", 1)
    await push(laptop, {
      sessions: [{ id: session, sync_version: 1, title: "new since" }],
    })
    const since = await pull(cursor)
    expect(since.changes.map((change) => change.id)).toEqual([session])
    expect(since.has_more).toBe(false)
    // The stranger's pull shows none of the owner's rows.
    expect((await pull(null, 5000, strangerDevice)).changes).toEqual([])
  })

  it("leaves costs, counters and rollups exactly as if every message had been inserted one by one", async () => {
    const { rows } = await database.db.query(MISMATCHES_SQL)
    expect(rows).toEqual([])
    const { rows: priced } = await database.db.query<{ n: string }>(
      "select count(*) as n from public.cloud_messages where cloud_messages.cost_usd > 0"
    )
    expect(Number(priced[0]!.n)).toBeGreaterThan(1000)
  })

  it("keeps the message trigger for API callers even if they set sync_push's flag", async () => {
    const rows = await runAs(database.db, userActor("owner"), async (tx) => {
      await tx.query("select set_config('lmx.trusted_message_write', 'on', true)")

      // No cost can be supplied (it is computed from the price in force); read it back once
      // the row is there.
      const { rows: inserted } = await tx.query<{ id: string }>(
        `insert into public.cloud_messages (session_id, user_id, message_index, role, model, input_tokens, output_tokens, project_id)
         values ($1, $2, 99, 'assistant', 'fixture-model', 1000000, 0, null)
         returning id`,
        [ROWS.session, USERS.owner]
      )

      return (
        await tx.query<{ cost_usd: string; project_id: string | null }>(
          `select m.cost_usd::numeric(16, 8)::text as cost_usd, m.project_id
             from public.cloud_messages m where m.id = $1`,
          [inserted[0]!.id]
        )
      ).rows
    })
    // The fixture price is $1 per million input tokens; the session belongs to the project.
    expect(rows).toEqual([{ cost_usd: "1.00000000", project_id: ROWS.project }])
  })

  it("finds pushed messages by full-text search, for their owner only", async () => {
    const search = (actor: typeof studio) =>
      runAs(database.db, actor, (tx) =>
        tx.query<{ session_title: string; headline: string }>(
          "select session_title, headline from public.search_messages('quantisation -nothing', 5)"
        )
      )
    const found = (await search(studio)).rows
    expect(found).toHaveLength(5)
    expect(found[0]!.headline).toContain("<mark>quantisation</mark>")
    expect((await search(strangerDevice)).rows).toEqual([])
  })

  /** The cursor after every change the caller can pull now. */
  async function latestCursor(actor = studio) {
    let cursor: string | null = null
    for (let page = 0; page < 100; page++) {
      const result: Page = await pull(cursor, 5000, actor)
      cursor = result.next_cursor
      if (!result.has_more) return cursor
    }
    throw new Error("sync_pull never ran out of changes")
  }

  /** Holds a transaction open until `release` is called; `ready` resolves once fn has run. */
  function holdOpen(run: (fn: (tx: Queryable) => Promise<void>) => Promise<void>) {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let markReady!: () => void
    const ready = new Promise<void>((resolve) => (markReady = resolve))
    const done = (fn: (tx: Queryable) => Promise<unknown>) =>
      run(async (tx) => {
        await fn(tx)
        markReady()
        await released
      })

    return { ready, release, done }
  }

  // A pull never returns a row above a transaction that may still commit rows of this
  // database, so a late commit cannot land behind a cursor a device already holds
  // (20261205010000_sync_pull_database_horizon.sql). PGlite has one connection: nothing else
  // can be running there.
  it.skipIf(TEST_ENGINE === "pglite")(
    "waits for a writer of this database that is still running, then returns its rows in order",
    async () => {
      const cursor = await latestCursor()
      const early = uuid("f002", 1)
      const late = uuid("f002", 2)
      const writer = holdOpen((fn) => runAs(database.db, laptop, fn))
      const writing = writer.done((tx) =>
        tx.query("select * from public.sync_push($1)", [
          JSON.stringify({ sessions: [{ id: early, sync_version: 1, title: "commits last" }] }),
        ])
      )
      try {
        await writer.ready
        // Written after `early` began, committed before it: a higher change_seq.
        await push(studio, { sessions: [{ id: late, sync_version: 1, title: "commits first" }] })
        const meanwhile = await pull(cursor)
        expect(meanwhile.changes.map((change) => change.id)).toEqual([])
        expect(meanwhile.next_cursor).toBe(cursor)
      } finally {
        writer.release()
        await writing
      }
      const after = await pull(cursor)
      expect(after.changes.map((change) => change.id)).toEqual([early, late])
    }
  )

  it.skipIf(TEST_ENGINE === "pglite")(
    "is not held back by a transaction open in another database of the same server",
    async () => {
      const cursor = await latestCursor()
      // The server's own database (DATABASE_URL), not this suite's throwaway one.
      const other = await openDatabase({
        engine: "postgres",
        url: process.env.DATABASE_URL!,
        poolSize: 1,
      })
      const elsewhere = holdOpen((fn) => other.transaction(fn))
      let otherXid = ""
      const holding = elsewhere.done(async (tx) => {
        const { rows } = await tx.query<{ xid: string }>("select pg_current_xact_id()::text as xid")
        otherXid = rows[0]!.xid
      })
      try {
        await elsewhere.ready
        const session = uuid("f003", 1)
        await push(studio, { sessions: [{ id: session, sync_version: 1, title: "not held" }] })
        // The other transaction is still running, and older than the push: the snapshot's
        // xmin (the old horizon) is at most its id, below the pushed row's change_seq.
        const { rows } = await database.db.query<{ running: boolean; older: boolean }>(
          `select exists (select from pg_stat_activity
                           where backend_xid = $1::text::xid and datname <> current_database()) as running,
                  (select change_seq from public.cloud_sessions where id = $2) > $1::text::bigint as older`,
          [otherXid, session]
        )
        expect(rows[0]).toEqual({ running: true, older: true })
        const page = await pull(cursor)
        expect(page.changes.map((change) => change.id)).toEqual([session])
      } finally {
        elsewhere.release()
        await holding
        await other.close()
      }
    }
  )

  it("refuses malformed batches and cursors", async () => {
    const batchError = await failureAs(database.db, studio, (tx) =>
      tx.query("select * from public.sync_push('[]'::jsonb)")
    )
    expect(batchError.message).toMatch(/expects/)
    const cursorError = await failureAs(database.db, studio, (tx) =>
      tx.query("select public.sync_pull('nope')")
    )
    expect(cursorError.message).toMatch(/malformed cursor/)
  })
})
