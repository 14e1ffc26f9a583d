import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, signedOutUser, userActor } from "./ops-fixtures"
import { ANON, failureAs, runAs, type Actor } from "./rls-harness"

// Expired leases settled by readers and heartbeats, not only by a claim
// (supabase/migrations/20261205020000_run_leases_reaped_on_read.sql): the run of a worker
// that died goes back to the queue while attempts remain and fails after the last, with no
// other worker claiming, as the claim path would have done it.
const LAPSED = "0e000000-0000-4000-8000-0000000001a1"
const LAST_ATTEMPT = "0e000000-0000-4000-8000-0000000001a2"
const HELD = "0e000000-0000-4000-8000-0000000001a3"
const STRANGERS = "0e000000-0000-4000-8000-0000000001a4"

type RunState = {
  id: string
  status: string
  attempts: number
  error: string | null
}

describe(`expired run leases settled on read (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })
  beforeEach(async () => {
    // A worker on the developer's device held three runs and died: two leases ran out, one
    // (its last attempt) for good; a third run's lease is still current. The stranger's
    // project has a lapsed run of its own.
    await database.db.exec(`
      delete from ops.runs where id <> '${ROWS.run}';
      insert into ops.runs (id, project_id, workflow_id, status, claimed_by, claimed_at,
        lease_expires_at, attempts, max_attempts, started_at) values
        ('${LAPSED}', '${ROWS.project}', '${ROWS.workflow}', 'running', '${DEVICES.developer}',
         now() - interval '5 minutes', now() - interval '1 minute', 1, 3, now() - interval '5 minutes'),
        ('${LAST_ATTEMPT}', '${ROWS.project}', '${ROWS.workflow}', 'claimed', '${DEVICES.developer}',
         now() - interval '5 minutes', now() - interval '1 second', 2, 2, null),
        ('${HELD}', '${ROWS.project}', '${ROWS.workflow}', 'running', '${DEVICES.developer}',
         now() - interval '5 minutes', now() + interval '1 minute', 1, 3, now() - interval '5 minutes'),
        ('${STRANGERS}', '${ROWS.strangerProject}', '${ROWS.strangerWorkflow}', 'running',
         '${DEVICES.stranger}', now() - interval '5 minutes', now() - interval '1 minute', 1, 3,
         now() - interval '5 minutes');
    `)
  })

  const reap = (actor: Actor, runId?: string) =>
    runAs(database.db, actor, async (tx) => {
      const { rows } = await tx.query<{ reaped: number }>(
        runId
          ? "select ops.reap_expired_runs($1) as reaped"
          : "select ops.reap_expired_runs() as reaped",
        runId ? [runId] : []
      )
      return Number(rows[0]!.reaped)
    })

  const states = async () =>
    Object.fromEntries(
      (
        await database.db.query<RunState>(
          "select id, status, attempts, error from ops.runs where id <> $1 order by id",
          [ROWS.run]
        )
      ).rows.map((row) => [row.id, row])
    )

  const leaseEvents = async () =>
    (
      await database.db.query<{ run_id: string; kind: string; data: unknown }>(
        "select run_id, kind, data from ops.run_events where kind like 'lease.%' order by id"
      )
    ).rows

  it("a viewer's read requeues a lapsed run with attempts left and fails one after its last attempt", async () => {
    expect(await reap(userActor("viewer"))).toBe(2)

    const after = await states()
    expect(after[LAPSED]).toMatchObject({ status: "queued", attempts: 1, error: null })
    expect(after[LAST_ATTEMPT]).toMatchObject({
      status: "failed",
      attempts: 2,
      error: "The worker stopped renewing its lease (attempt 2 of 2)",
    })
    // A lease still running is the worker's; another project's runs are not the viewer's.
    expect(after[HELD]).toMatchObject({ status: "running" })
    expect(after[STRANGERS]).toMatchObject({ status: "running" })
    expect(await leaseEvents()).toEqual([
      { run_id: LAPSED, kind: "lease.requeued", data: { attempt: 1 } },
      { run_id: LAST_ATTEMPT, kind: "lease.failed", data: { attempt: 2 } },
    ])
    // Nothing left to settle: a second read changes nothing.
    expect(await reap(userActor("viewer"))).toBe(0)
  })

  it("settles runs the same way the claim path does", async () => {
    // The claim path's reaper, run by a service job (and by private.claim_runs).
    await database.db.query("select ops.requeue_expired_runs(100)")
    const byClaim = await states()
    // The stranger's run included: the claim path reaps every project.
    expect(byClaim[STRANGERS]).toMatchObject({ status: "queued" })
    expect(byClaim[LAPSED]).toMatchObject({ status: "queued" })
    expect(byClaim[LAST_ATTEMPT]).toMatchObject({
      status: "failed",
      error: "The worker stopped renewing its lease (attempt 2 of 2)",
    })
  })

  it("a device's heartbeat settles its owner's projects", async () => {
    expect(await reap(deviceActor("developer", DEVICES.developer))).toBe(2)
    expect((await states())[LAPSED]).toMatchObject({ status: "queued" })
  })

  it("a heartbeat's one upkeep call settles them with the search backlog", async () => {
    const device = deviceActor("developer", DEVICES.developer)
    const settled = await runAs(database.db, device, async (tx) => {
      const { rows } = await tx.query<{ indexed: number; reaped: number }>(
        "select indexed, reaped from public.settle_after_heartbeat(100)"
      )
      return rows[0]!
    })
    expect(Number(settled.reaped)).toBe(2)
    expect(Number(settled.indexed)).toBeGreaterThanOrEqual(0)
    expect((await states())[LAST_ATTEMPT]).toMatchObject({ status: "failed" })
    await failureAs(database.db, ANON, (tx) => tx.query("select public.settle_after_heartbeat()"))
  })

  it("a run's page settles that run alone", async () => {
    expect(await reap(userActor("developer"), LAPSED)).toBe(1)
    const after = await states()
    expect(after[LAPSED]).toMatchObject({ status: "queued" })
    expect(after[LAST_ATTEMPT]).toMatchObject({ status: "claimed" })
  })

  it("settles nothing for those who may not read the runs", async () => {
    for (const actor of [
      userActor("stranger"),
      signedOutUser("owner"),
      deviceActor("owner", DEVICES.ownerRevoked),
    ]) {
      // Each names a run of the fixture project, which none of them may read.
      await reap(actor, LAPSED)
      await reap(actor, LAST_ATTEMPT)
    }
    const after = await states()
    expect(after[LAPSED]).toMatchObject({ status: "running" })
    expect(after[LAST_ATTEMPT]).toMatchObject({ status: "claimed" })
    await failureAs(database.db, ANON, (tx) => tx.query("select ops.reap_expired_runs()"))
    // The shared body is not callable on its own.
    await failureAs(database.db, userActor("owner"), (tx) =>
      tx.query("select private.requeue_expired_leases(100, null, null)")
    )
    expect((await states())[STRANGERS]).toMatchObject({ status: "running" })
  })

  it("lists the settled state: /runs never shows a run held by a worker that is gone", async () => {
    const listed = await runAs(database.db, userActor("viewer"), async (tx) => {
      await tx.query("select ops.reap_expired_runs()")
      return (
        await tx.query<{ id: string; status: string }>(
          "select id, status from ops.list_runs() where id = any ($1::uuid[]) order by id",
          [[LAPSED, LAST_ATTEMPT, HELD]]
        )
      ).rows
    })
    expect(listed).toEqual([
      { id: LAPSED, status: "queued" },
      { id: LAST_ATTEMPT, status: "failed" },
      { id: HELD, status: "running" },
    ])
  })
})
