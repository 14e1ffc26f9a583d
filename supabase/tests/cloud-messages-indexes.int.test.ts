import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { FIXTURES_SQL, ROWS } from "./core-fixtures"

// Every index on cloud_messages costs each message a device pushes one entry, so each one must
// have a reader. The readers are named here; an index nobody reads fails the first test.
const INDEX_READERS: Record<string, string> = {
  cloud_messages_pkey: "the primary key: sync_push's verdicts, upserts, search rows",
  cloud_messages_session_id_user_id_idx: "a session's messages in order; the session cascade",
  cloud_messages_user_id_change_seq_idx: "sync_pull's cursor",
  cloud_messages_user_id_created_at_idx: "usage reads of the caller's live messages by time",
  cloud_messages_project_id_created_at_idx:
    "project members' reads, the project's set-null on delete, project usage reads",
  cloud_messages_device_id_idx: "re-pricing a device's messages; the device's set-null",
  cloud_messages_model_user_id_idx: "re-pricing a model's messages",
  cloud_messages_session_id_model_idx: "the session list's models (a loose index scan)",
  cloud_messages_session_id_tool_calls_idx: "the session list's tool-call flag",
  cloud_messages_session_id_client_id_key: "one message per client id in a session (unique)",
}

describe(`cloud_messages keeps only indexes with a reader (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })

  /** The index names a statement's plan reads, with sequential scans off (the table is tiny). */
  async function indexesRead(sql: string): Promise<string[]> {
    return database.db.transaction(async (tx) => {
      await tx.exec("set local enable_seqscan = off")
      const { rows } = await tx.query<{ "QUERY PLAN": string }>(`explain (costs off) ${sql}`)

      return rows.flatMap((row) =>
        [
          ...row["QUERY PLAN"].matchAll(
            /(?:Index (?:Only )?Scan (?:Backward )?using|Bitmap Index Scan on) (\w+)/g
          ),
        ].map((m) => m[1]!)
      )
    })
  }

  it("has no index outside the list of readers (no parent_id index, one project index)", async () => {
    const { rows } = await database.db.query<{ name: string }>(
      `select indexname as name from pg_catalog.pg_indexes
        where schemaname = 'public' and tablename = 'cloud_messages' order by 1`
    )

    expect(rows.map((row) => row.name)).toEqual(Object.keys(INDEX_READERS).sort())
  })

  it("serves the project set-null on delete, deleted messages included, from the one project index", async () => {
    // What the foreign key's on-delete action runs: every message of the project, tombstones too.
    expect(
      await indexesRead(
        `update public.cloud_messages set project_id = null where project_id = '${ROWS.project}'`
      )
    ).toContain("cloud_messages_project_id_created_at_idx")
  })

  it("serves a project's live messages in a time range from the same index", async () => {
    expect(
      await indexesRead(
        `select count(*) from public.cloud_messages m
          where m.project_id = '${ROWS.project}' and m.deleted_at is null
            and m.created_at >= now() - interval '1 day' and m.created_at < now()`
      )
    ).toContain("cloud_messages_project_id_created_at_idx")
  })

  it("still sets project_id null on every message, tombstones too, when the project goes", async () => {
    await database.db.exec(
      `insert into public.cloud_messages (session_id, user_id, project_id, message_index, role, content, deleted_at)
       select s.id, s.user_id, s.project_id, 900 + i, 'user', '', case when i = 0 then now() end
         from public.cloud_sessions s, generate_series(0, 1) as i
        where s.id = '${ROWS.session}'`
    )
    await database.db.exec(`delete from ops.projects where id = '${ROWS.project}'`)
    const { rows } = await database.db.query<{ n: number }>(
      `select count(*)::int as n from public.cloud_messages where project_id = '${ROWS.project}'`
    )

    expect(rows[0]?.n).toBe(0)
  })
})
