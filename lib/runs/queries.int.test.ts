import { accessToken } from "@lmx/supabase-local/testing/storage"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

import { type Database } from "@/lib/database.types"
import {
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  USERS,
} from "@/supabase/tests/ops-fixtures"

import { DEFAULT_RUN_FILTERS } from "./filters"
import { getRun, listRuns } from "./queries"

// The runs pages' reads settle expired leases first (…020000_run_leases_reaped_on_read.sql):
// a run whose worker died shows queued again, or failed after its last attempt, though no
// worker is left to claim it.
const LAPSED = "0e000000-0000-4000-8000-0000000002a1"
const LAST_ATTEMPT = "0e000000-0000-4000-8000-0000000002a2"

describe(`runs pages' reads of runs whose worker died (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const viewer = async () =>
    createClient<Database>(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: {
        headers: {
          Authorization: `Bearer ${await accessToken(stack, USERS.viewer)}`,
        },
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })

  beforeAll(async () => {
    stack = await startTestStack({ seedFiles: [] })
    await stack.db.exec(`
      ${FIXTURES_SQL}
      insert into ops.runs (id, project_id, workflow_id, status, claimed_by, claimed_at,
        lease_expires_at, attempts, max_attempts, started_at) values
        ('${LAPSED}', '${ROWS.project}', '${ROWS.workflow}', 'running', '${DEVICES.developer}',
         now() - interval '5 minutes', now() - interval '1 minute', 1, 3, now() - interval '5 minutes');
    `)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("/runs lists a lapsed run back in the queue, at once", async () => {
    const page = await listRuns(await viewer(), {
      filters: DEFAULT_RUN_FILTERS,
    })
    expect(page.runs.find((run) => run.id === LAPSED)).toMatchObject({
      status: "queued",
      attempts: 1,
    })
  })

  it("a run's page shows a run failed after its last attempt, with the reason", async () => {
    // Inserted after the list's read: the page's own read settles it.
    await stack.db.query(
      `insert into ops.runs (id, project_id, workflow_id, status, claimed_by, claimed_at,
         lease_expires_at, attempts, max_attempts, started_at)
       values ($1, $2, $3, 'running', $4, now() - interval '5 minutes',
         now() - interval '1 minute', 3, 3, now() - interval '5 minutes')`,
      [LAST_ATTEMPT, ROWS.project, ROWS.workflow, DEVICES.developer]
    )
    expect(await getRun(await viewer(), { runId: LAST_ATTEMPT })).toMatchObject(
      {
        status: "failed",
        error: "The worker stopped renewing its lease (attempt 3 of 3)",
      }
    )
  })
})
