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
import {
  getRun,
  getRunLogOutline,
  getRunPage,
  listRunArtifacts,
  listRunEvents,
  listRunLogTail,
  listRuns,
} from "./queries"

// The runs pages' reads settle expired leases first (…020000_run_leases_reaped_on_read.sql):
// a run whose worker died shows queued again, or failed after its last attempt, though no
// worker is left to claim it.
const LAPSED = "0e000000-0000-4000-8000-0000000002a1"
const LAST_ATTEMPT = "0e000000-0000-4000-8000-0000000002a2"

describe(`runs pages' reads of runs whose worker died (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const as = async (userId: string, fetchImpl?: typeof fetch) =>
    createClient<Database>(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: {
        headers: {
          Authorization: `Bearer ${await accessToken(stack, userId)}`,
        },
        ...(fetchImpl && { fetch: fetchImpl }),
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
  const viewer = () => as(USERS.viewer)

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

  it("a run's page reads its first screen in one call, as the separate reads return it", async () => {
    const client = await viewer()
    await stack.db.exec(`
      insert into ops.run_logs (run_id, project_id, line_no, stream, line)
      select '${ROWS.run}', '${ROWS.project}', n,
             case when n in (2, 60) then 'system' else 'stdout' end,
             case n when 2 then '::group::Build' when 60 then '::endgroup::'
               else E'\\033[32mline\\033[0m ' || n end
        from generate_series(2, 80) n;
    `)
    const page = await getRunPage(client, { runId: ROWS.run, tailLines: 30 })
    const [run, outline, tail, events, artifacts] = await Promise.all([
      getRun(client, { runId: ROWS.run }),
      getRunLogOutline(client, { runId: ROWS.run }),
      listRunLogTail(client, { runId: ROWS.run, count: 30 }),
      listRunEvents(client, { runId: ROWS.run }),
      listRunArtifacts(client, { runId: ROWS.run }),
    ])
    expect(page).toEqual({ run, outline, tail, events, artifacts })
    expect(page?.tail.map((line) => line.line_no)).toEqual(
      Array.from({ length: 30 }, (_, index) => 51 + index)
    )
    expect(page?.outline.map((marker) => marker.kind)).toEqual([
      "group",
      "endgroup",
      "last",
    ])
    expect(page?.artifacts).toHaveLength(1)
    expect(page?.events.length).toBeGreaterThan(0)
  })

  it("a read with no lease past is one request: the reaper is not called", async () => {
    // Whatever lapsed is settled first; then no listed run holds a lease that is past.
    await listRuns(await viewer(), { filters: DEFAULT_RUN_FILTERS })
    await getRun(await viewer(), { runId: LAPSED })
    const paths: string[] = []
    const counting: typeof fetch = (input, init) => {
      paths.push(new URL(input instanceof Request ? input.url : input).pathname)

      return fetch(input, init)
    }
    const client = await as(USERS.viewer, counting)
    const page = await listRuns(client, { filters: DEFAULT_RUN_FILTERS })
    expect(page.runs.length).toBeGreaterThan(0)
    expect(await getRun(client, { runId: LAPSED })).not.toBeNull()
    expect(paths).toEqual(["/rest/v1/rpc/list_runs", "/rest/v1/rpc/get_run"])
  })

  it("a run's page is not found for a run the caller may not see", async () => {
    const stranger = await as(USERS.stranger)
    expect(await getRunPage(stranger, { runId: ROWS.run })).toBeNull()
    expect(
      await getRunPage(await viewer(), {
        runId: "0e000000-0000-4000-8000-0000000002ff",
      })
    ).toBeNull()
  })
})
