import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { FIXTURES_SQL, userActor, USERS } from "./core-fixtures"
import { ANON, runAs, tryAs } from "./rls-harness"

// Search indexing off the write path (20261204090000): a statement of more than 64 messages
// leaves their vectors pending, a smaller one indexes them at once, and search finds every
// committed message either way. These tests follow one session through each state.

const SESSION = "5c000000-0000-4000-8000-00000000a001"
const owner = userActor("owner")

async function pending(database: TestDatabase) {
  const { rows } = await database.db.query<{ n: number }>(
    "select count(*)::int as n from private.message_search_pending"
  )
  return rows[0]!.n
}

async function found(database: TestDatabase, words: string) {
  const { rows } = await runAs(database.db, owner, (tx) =>
    tx.query<{ n: number }>("select count(*)::int as n from public.search_messages($1, 200)", [
      words,
    ])
  )
  return rows[0]!.n
}

function insertMessages(from: number, count: number, content: string) {
  return `
    insert into public.cloud_messages (session_id, user_id, message_index, role, content)
    select '${SESSION}', '${USERS.owner}', i, 'user', '${content} ' || i
      from generate_series(${from}, ${from + count - 1}) as i`
}

describe(`message search off the write path (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(
      `insert into public.cloud_sessions (id, user_id, title) values ('${SESSION}', '${USERS.owner}', 'Search states')`
    )
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("a large statement leaves its messages pending, and search still finds all of them", async () => {
    await database.db.exec(insertMessages(0, 100, "needle in a bulk sync"))
    expect(await pending(database)).toBe(100)
    expect(await found(database, "needle")).toBe(100)
  })

  it("a small statement is indexed at once", async () => {
    await database.db.exec(insertMessages(100, 3, "needle typed in a chat"))
    expect(await pending(database)).toBe(100)
    expect(await found(database, "needle")).toBe(103)
    expect(await found(database, "chat")).toBe(3)
  })

  it("index_message_search clears the backlog for any signed-in caller, not for anon", async () => {
    const refused = await tryAs(database.db, ANON, (tx) =>
      tx.query("select public.index_message_search(null)")
    )
    expect(refused.ok).toBe(false)

    const { rows } = await runAs(database.db, owner, (tx) =>
      tx.query<{ n: number }>("select public.index_message_search(40) as n")
    )
    expect(rows[0]!.n).toBe(40)
    expect(await pending(database)).toBe(60)
    expect(await found(database, "needle")).toBe(103)

    await runAs(database.db, owner, (tx) => tx.query("select public.index_message_search(null)"))
    expect(await pending(database)).toBe(0)
    expect(await found(database, "needle")).toBe(103)
    expect(await found(database, "bulk")).toBe(100)
  })

  it("changed content is searched by its new words, in small and large updates", async () => {
    await database.db.exec(
      `update public.cloud_messages set content = 'haystack only' where session_id = '${SESSION}' and message_index = 100`
    )
    expect(await pending(database)).toBe(0)
    expect(await found(database, "needle")).toBe(102)
    expect(await found(database, "haystack")).toBe(1)

    await database.db.exec(
      `update public.cloud_messages set content = 'rewritten ' || message_index where session_id = '${SESSION}' and message_index < 100`
    )
    expect(await pending(database)).toBe(100)
    expect(await found(database, "needle")).toBe(2)
    expect(await found(database, "rewritten")).toBe(100)
    expect(await found(database, "bulk")).toBe(0)
  })

  it("a deleted message takes its vector with it", async () => {
    await database.db.exec(
      `delete from public.cloud_messages where session_id = '${SESSION}' and message_index >= 50`
    )
    const { rows } = await database.db.query<{
      vectors: number
      messages: number
      orphans: number
    }>(
      `select (select count(*)::int from private.message_search)
                + (select count(*)::int from private.message_search_pending) as vectors,
              (select count(*)::int from public.cloud_messages) as messages,
              (select count(*)::int from private.message_search x
                where not exists (select 1 from public.cloud_messages m where m.id = x.message_id))
                + (select count(*)::int from private.message_search_pending p
                    where not exists (select 1 from public.cloud_messages m where m.id = p.message_id)) as orphans`
    )
    expect(rows[0]).toEqual({ vectors: rows[0]!.messages, messages: rows[0]!.messages, orphans: 0 })
    expect(rows[0]!.messages).toBeGreaterThanOrEqual(50)
    expect(await found(database, "rewritten")).toBe(50)
  })

  // Search runs over at most a few thousand rows, so LLVM compilation never pays back; its
  // generic plan costs over jit_above_cost, so without this every search compiled first
  // (20261205010100_message_search_without_jit.sql).
  it("search and its matching helper plan without JIT", async () => {
    const { rows } = await database.db.query<{ name: string; jit: boolean }>(
      `select p.oid::regprocedure::text as name, 'jit=off' = any (p.proconfig) as jit
         from pg_proc p
        where p.oid in ('public.search_messages(text, integer)'::regprocedure,
                        'private.visible_message_matches(text, integer)'::regprocedure)
        order by 1`
    )
    expect(rows).toEqual([
      { name: "private.visible_message_matches(text,integer)", jit: true },
      { name: "search_messages(text,integer)", jit: true },
    ])
  })
})
