import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, USERS } from "./ops-fixtures"
import { actAs, type Actor } from "./rls-harness"

// The queue under real concurrency: separate connections claiming at the same time. PGlite
// is a single connection, so there is nothing concurrent to test there.
const WORKERS = 8
const RUNS = 1000
const workerDevices = Array.from(
  { length: WORKERS },
  (_, i) => `0d000000-0000-4000-8000-0000000001${String(i).padStart(2, "0")}`
)

const title =
  TEST_ENGINE === "pglite"
    ? "run queue under concurrency (skipped on pglite: PGlite has one connection, so nothing runs concurrently)"
    : `run queue under concurrency (${TEST_ENGINE})`

describe.skipIf(TEST_ENGINE === "pglite")(title, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.query(
      `insert into public.devices (id, user_id, name)
       select id::uuid, $1, 'worker ' || ordinality from unnest($2::text[]) with ordinality as w (id, ordinality)`,
      [USERS.developer, workerDevices]
    )
    // These workers run jobs for the fixture project (20261203010000_runs_worker.sql).
    await database.db.query(
      `insert into public.device_run_projects (device_id, project_id, user_id)
       select id::uuid, $1, $2 from unnest($3::text[]) as w (id)`,
      [ROWS.project, USERS.developer, workerDevices]
    )
  })
  afterAll(async () => {
    await database?.dispose()
  })

  /** One claim in its own transaction on a pooled connection, as PostgREST would run it. */
  async function claim(actor: Actor, leaseSeconds = 60) {
    return database.db.transaction(async (tx) => {
      await actAs(tx, actor)
      const { rows } = await tx.query<{ id: string }>(
        "select id from ops.claim_next_run(null, $1)",
        [leaseSeconds]
      )
      return rows[0]?.id
    })
  }

  async function call(actor: Actor, sql: string, params: unknown[]) {
    return database.db.transaction(async (tx) => {
      await actAs(tx, actor)
      return tx.query(sql, params)
    })
  }

  it(`${WORKERS} connections claim ${RUNS} runs, each exactly once`, async () => {
    await database.db.query(
      `insert into ops.runs (project_id, workflow_id, queued_at)
       select $1, $2, now() - make_interval(secs => n) from generate_series(1, $3) as n`,
      [ROWS.project, ROWS.workflow, RUNS]
    )
    const claimedBy = new Map<string, string[]>()
    const backends = new Set<number>()

    await Promise.all(
      workerDevices.map(async (device) => {
        const actor = deviceActor("developer", device)
        const mine: string[] = []
        claimedBy.set(device, mine)
        for (;;) {
          const id = await database.db.transaction(async (tx) => {
            await actAs(tx, actor)
            const pid = await tx.query<{ pid: number }>("select pg_backend_pid() as pid")
            backends.add(pid.rows[0]!.pid)
            const { rows } = await tx.query<{ id: string }>("select id from ops.claim_next_run()")
            return rows[0]?.id
          })
          if (!id) break
          mine.push(id)
        }
      })
    )

    const all = [...claimedBy.values()].flat()
    expect(all).toHaveLength(RUNS)
    expect(new Set(all).size).toBe(RUNS)
    expect(backends.size).toBeGreaterThanOrEqual(WORKERS)
    const { rows } = await database.db.query<{ status: string; attempts: number; n: number }>(
      "select status, attempts, count(*)::int as n from ops.runs where id <> $1 group by 1, 2",
      [ROWS.run]
    )
    expect(rows).toEqual([{ status: "claimed", attempts: 1, n: RUNS }])
    for (const [device, ids] of claimedBy) {
      if (ids.length === 0) continue
      const held = await database.db.query<{ n: number }>(
        "select count(*)::int as n from ops.runs where claimed_by = $1",
        [device]
      )
      expect(held.rows[0]!.n).toBe(ids.length)
    }
    await database.db.exec(`delete from ops.runs where id <> '${ROWS.run}'`)
  })

  it("a worker that stops heart-beating loses its run, which is claimed again; its late complete changes nothing", async () => {
    const [first, second] = workerDevices.map((device) => deviceActor("developer", device))
    const { rows } = await database.db.query<{ id: string }>(
      "insert into ops.runs (project_id, workflow_id) values ($1, $2) returning id",
      [ROWS.project, ROWS.workflow]
    )
    const runId = rows[0]!.id

    expect(await claim(first!, 1)).toBe(runId)
    await call(first!, "select ops.start_workflow_run($1, 1)", [runId])
    // The first worker goes silent. The second polls; the run comes back once the lease lapses.
    let reclaimed: string | undefined
    for (let i = 0; i < 100 && !reclaimed; i++) {
      reclaimed = await claim(second!)
      if (!reclaimed) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(reclaimed).toBe(runId)

    const before = await database.db.query("select * from ops.runs where id = $1", [runId])
    const late = await call(first!, "select ops.complete_workflow_run($1, 'succeeded', 0)", [
      runId,
    ]).then(
      () => undefined,
      (error: Error & { code?: string }) => error
    )
    expect(late?.code).toBe("PT409")
    expect(late?.message).toBe(`Run ${runId} is not held by this device`)
    const after = await database.db.query("select * from ops.runs where id = $1", [runId])
    expect(after.rows).toEqual(before.rows)
    expect(after.rows[0]).toMatchObject({
      status: "claimed",
      claimed_by: workerDevices[1],
      attempts: 2,
    })

    await call(second!, "select ops.start_workflow_run($1)", [runId])
    const done = await call(
      second!,
      "select status from ops.complete_workflow_run($1, 'succeeded', 0)",
      [runId]
    )
    expect(done.rows).toEqual([{ status: "succeeded" }])
    const events = await database.db.query<{ kind: string; device_id: string | null }>(
      "select kind, device_id from ops.run_events where run_id = $1 order by id",
      [runId]
    )
    expect(events.rows).toEqual([
      { kind: "started", device_id: workerDevices[0] },
      { kind: "lease.requeued", device_id: workerDevices[0] },
      { kind: "started", device_id: workerDevices[1] },
      { kind: "succeeded", device_id: workerDevices[1] },
    ])
  })

  it("two owners demoting each other at once cannot leave the project ownerless", async () => {
    await database.db.query(
      "update ops.project_memberships set role = 'owner' where project_id = $1 and user_id = $2",
      [ROWS.project, USERS.admin]
    )
    // Each outcome is the number of memberships the update changed, or the error message.
    const demote = (actor: Actor, other: string) =>
      call(
        actor,
        "update ops.project_memberships set role = 'admin' where project_id = $1 and user_id = $2 returning user_id",
        [ROWS.project, other]
      ).then(
        (result) => result.rows.length,
        (error: Error) => error.message
      )
    const owner = {
      role: "authenticated",
      claims: { sub: USERS.owner, role: "authenticated" },
    } as const
    const admin = {
      role: "authenticated",
      claims: { sub: USERS.admin, role: "authenticated" },
    } as const
    const outcomes = await Promise.all([demote(owner, USERS.admin), demote(admin, USERS.owner)])

    const owners = await database.db.query<{ n: number }>(
      "select count(*)::int as n from ops.project_memberships where project_id = $1 and role = 'owner'",
      [ROWS.project]
    )
    expect(owners.rows[0]!.n).toBe(1)
    // Exactly one demotion took effect. The other either met the last-owner trigger (the two
    // ran at once) or, run after the first committed, came from someone no longer an owner
    // and matched no row under RLS.
    expect(outcomes.filter((o) => o === 1)).toHaveLength(1)
    const other = outcomes.find((o) => o !== 1)
    expect(other === 0 || (typeof other === "string" && /last owner/.test(other))).toBe(true)
  })

  it("does not hand out runs of a project to a device whose owner only views it", async () => {
    await database.db.query(
      "insert into ops.runs (project_id, workflow_id) select $1, $2 from generate_series(1, 5)",
      [ROWS.project, ROWS.workflow]
    )
    const viewerDevice = deviceActor("viewer", DEVICES.viewer)
    const results = await Promise.all(Array.from({ length: 4 }, () => claim(viewerDevice)))
    expect(results).toEqual([undefined, undefined, undefined, undefined])
  })
})
