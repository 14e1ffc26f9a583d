import { type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./ops-fixtures"
import { failureAs, runAs, tryAs, type Actor } from "./rls-harness"

// The ops capabilities, one connection at a time (so on PGlite too): the run state machine,
// the queue functions and their fencing, last-owner protection and invitations.
// Concurrency on real connections lives in ops-queue.int.test.ts.
const STATES = ["queued", "claimed", "running", "succeeded", "failed", "canceled"] as const
type RunState = (typeof STATES)[number]
const ALLOWED: Record<RunState, RunState[]> = {
  queued: ["claimed", "canceled"],
  claimed: ["running", "failed", "canceled", "queued"],
  running: ["succeeded", "failed", "canceled", "queued"],
  succeeded: [],
  failed: [],
  canceled: [],
}

const developer = userActor("developer")
const viewer = userActor("viewer")
const owner = userActor("owner")
const admin = userActor("admin")
const stranger = userActor("stranger")
const devWorker = deviceActor("developer", DEVICES.developer)
const adminWorker = deviceActor("admin", DEVICES.admin)
const viewerWorker = deviceActor("viewer", DEVICES.viewer)
const strangerWorker = deviceActor("stranger", DEVICES.stranger)
const revokedWorker = deviceActor("owner", DEVICES.ownerRevoked)

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase({ seedFiles: [] })
  await database.db.exec(FIXTURES_SQL)
})
afterAll(async () => {
  await database?.dispose()
})

/** Inserts a run directly in the given state (as the platform, the way the seed does). */
async function insertRun(tx: Queryable, state: RunState, workflowId: string = ROWS.workflow) {
  const held = state === "claimed" || state === "running"
  const done = state === "succeeded" || state === "failed" || state === "canceled"
  const started = state === "running" || state === "succeeded" || state === "failed"
  // Timestamps come from the database clock, so checks like finished_at >= queued_at hold.
  const { rows } = await tx.query<{ id: string }>(
    `insert into ops.runs (project_id, workflow_id, status, claimed_by, claimed_at, lease_expires_at,
       attempts, started_at, finished_at)
     values ($1, $2, $3, case when $4 then $5::uuid end, case when $4 then now() end,
       case when $6 then now() + interval '1 minute' end, $7,
       case when $8 then now() end, case when $9 then now() end)
     returning id`,
    [
      ROWS.project,
      workflowId,
      state,
      held || done,
      DEVICES.developer,
      held,
      state === "queued" ? 0 : 1,
      started,
      done,
    ]
  )

  return rows[0]!.id
}

async function clearQueue() {
  await database.db.exec(`delete from ops.runs where id <> '${ROWS.run}'`)
}

async function call<T = Record<string, unknown>>(
  actor: Actor,
  sql: string,
  params: unknown[] = []
) {
  return runAs(database.db, actor, async (tx) => (await tx.query<T>(sql, params)).rows)
}

async function failure(actor: Actor, sql: string, params: unknown[] = []) {
  return failureAs(database.db, actor, (tx) => tx.query(sql, params), sql)
}

async function runRow(id: string) {
  const { rows } = await database.db.query<{
    status: string
    claimed_by: string | null
    attempts: number
    lease_expires_at: string | null
    error: string | null
  }>("select status, claimed_by, attempts, lease_expires_at, error from ops.runs where id = $1", [
    id,
  ])

  return rows[0]!
}

describe(`run state machine (${TEST_ENGINE})`, () => {
  const pairs = STATES.flatMap((from) => STATES.map((to) => ({ from, to })))
  const invalid = pairs.filter(({ from, to }) => from !== to && !ALLOWED[from].includes(to))
  const valid = pairs.filter(({ from, to }) => ALLOWED[from].includes(to))
  const finished = (["succeeded", "failed", "canceled"] as const).map((state) => ({
    from: state,
    to: state,
  }))

  it.each([...invalid, ...finished])(
    "refuses $from → $to, naming both states",
    async ({ from, to }) => {
      const error = await database.db
        .transaction(async (tx) => {
          const id = await insertRun(tx, from)
          await tx.query(
            `update ops.runs set status = $2,
             lease_expires_at = case when $2 in ('claimed', 'running') then now() + interval '1 minute' end
           where id = $1`,
            [id, to]
          )
        })
        .then(
          () => undefined,
          (e: unknown) => e as Error
        )
      expect(error?.message).toBe(`A run cannot go from ${from} to ${to}`)
    }
  )

  it.each(valid)("allows $from → $to", async ({ from, to }) => {
    const row = await database.db
      .transaction(async (tx) => {
        const id = await insertRun(tx, from)
        const { rows } = await tx.query<{ status: string; finished: boolean }>(
          `update ops.runs set status = $2,
             lease_expires_at = case when $2 in ('claimed', 'running') then now() + interval '1 minute' end
           where id = $1 returning status, finished_at is not null as finished`,
          [id, to]
        )
        throw Object.assign(new Error("rollback"), { row: rows[0] })
      })
      .catch((e: { row?: unknown }) => e.row)
    expect(row).toEqual({ status: to, finished: ["succeeded", "failed", "canceled"].includes(to) })
  })
})

describe(`queue functions (${TEST_ENGINE})`, () => {
  beforeEach(clearQueue)

  it("lets developers queue runs (audited) and refuses viewers and devices", async () => {
    const [run] = await call<{ id: string; status: string }>(
      developer,
      "select id, status from ops.queue_run($1)",
      [ROWS.workflow]
    )
    expect(run?.status).toBe("queued")
    const audit = await database.db.query(
      "select actor_user_id, action from public.audit_log where target_id = $1",
      [run!.id]
    )
    expect(audit.rows).toEqual([{ actor_user_id: USERS.developer, action: "run.queued" }])

    expect((await failure(viewer, "select ops.queue_run($1)", [ROWS.workflow])).message).toBe(
      "Only developers, admins and owners can queue, cancel or re-run runs"
    )
    expect((await failure(stranger, "select ops.queue_run($1)", [ROWS.workflow])).message).toBe(
      "No such run or workflow"
    )
    expect((await failure(devWorker, "select ops.queue_run($1)", [ROWS.workflow])).message).toBe(
      "Only a signed-in user can queue, cancel or re-run runs"
    )
  })

  it("hands queued runs only to live devices whose owner is developer or above", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])

    expect(await call(viewerWorker, "select id from ops.claim_next_run()")).toEqual([])
    expect(await call(strangerWorker, "select id from ops.claim_next_run()")).toEqual([])
    expect((await failure(revokedWorker, "select ops.claim_next_run()")).message).toBe(
      "Only a paired device that is not revoked can claim runs"
    )
    expect((await failure(developer, "select ops.claim_next_run()")).message).toBe(
      "Only a paired device that is not revoked can claim runs"
    )

    const [claimed] = await call<{ status: string; claimed_by: string; attempts: number }>(
      devWorker,
      "select status, claimed_by, attempts from ops.claim_next_run()"
    )
    expect(claimed).toEqual({ status: "claimed", claimed_by: DEVICES.developer, attempts: 1 })
    expect(await call(adminWorker, "select id from ops.claim_next_run()")).toEqual([])
  })

  it("commits a claim asynchronously and everything else durably", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const settings = await runAs(database.db, devWorker, async (tx) => {
      const before = await tx.query<{ synchronous_commit: string }>("show synchronous_commit")
      const [claimed] = (await tx.query<{ id: string }>("select id from ops.claim_next_run()")).rows
      const afterClaim = await tx.query<{ synchronous_commit: string }>("show synchronous_commit")
      // The claim's SET clause (search_path, plan_cache_mode) restores only what it names:
      // the place where this claim stopped outlives the call too.
      const place = await tx.query<{ place: string | null }>(
        "select current_setting('lmx.run_claim_place', true) as place"
      )
      return {
        before: before.rows[0]!.synchronous_commit,
        afterClaim: afterClaim.rows[0]!.synchronous_commit,
        place: place.rows[0]!.place,
        id: claimed!.id,
      }
    })
    expect(settings).toMatchObject({ before: "on", afterClaim: "off" })
    expect(settings.place).toMatch(new RegExp(`/${settings.id}$`))
    const afterStart = await runAs(database.db, devWorker, async (tx) => {
      await tx.query("select ops.start_workflow_run($1)", [settings.id])
      return (await tx.query<{ synchronous_commit: string }>("show synchronous_commit")).rows[0]!
        .synchronous_commit
    })
    expect(afterStart).toBe("on")
  })

  it("claims in queue order (priority, then age) and lists queue positions", async () => {
    const low = await call<{ id: string }>(developer, "select id from ops.queue_run($1, '{}', 0)", [
      ROWS.workflow,
    ])
    const high = await call<{ id: string }>(
      developer,
      "select id from ops.queue_run($1, '{}', 10)",
      [ROWS.workflow]
    )
    const later = await call<{ id: string }>(
      developer,
      "select id from ops.queue_run($1, '{}', 0)",
      [ROWS.workflow]
    )
    const order = [high[0]!.id, low[0]!.id, later[0]!.id]

    const listed = await call<{ run_id: string; queue_position: string }>(
      viewer,
      "select run_id, queue_position from ops.list_queued_runs($1)",
      [ROWS.project]
    )
    expect(listed).toEqual(order.map((id, i) => ({ run_id: id, queue_position: String(i + 1) })))
    expect(await call(stranger, "select run_id from ops.list_queued_runs()")).toEqual([])

    for (const id of order) {
      expect(await call(devWorker, "select id from ops.claim_next_run()")).toEqual([{ id }])
    }
    expect(await call(devWorker, "select id from ops.claim_next_run()")).toEqual([])
  })

  // A claim starts its scan where the connection's last claim stopped (20261203013000):
  // a run that enters the queue ahead of that place must still come first.
  it("keeps queue order when a run enters ahead of where the last claim stopped", async () => {
    const queue = async (priority: number) =>
      (
        await call<{ id: string }>(developer, "select id from ops.queue_run($1, '{}', $2)", [
          ROWS.workflow,
          priority,
        ])
      )[0]!.id
    const claim = async () =>
      (await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()"))[0]?.id
    const first = await queue(0)
    const second = await queue(0)
    const third = await queue(0)
    expect(await claim()).toBe(first)

    // A higher priority, queued after the claim.
    const urgent = await queue(5)
    expect(await claim()).toBe(urgent)
    expect(await claim()).toBe(second)

    // A claimed run put back in the queue keeps its old place, ahead of the last claim.
    await database.db.query("update ops.runs set status = 'queued' where id = $1", [first])
    expect(await claim()).toBe(first)
    expect(await claim()).toBe(third)
    expect(await claim()).toBeUndefined()
  })

  // The claim's own reaper runs before it picks where to scan from (20261206060000): a run
  // it puts back in the queue is ahead of the last claim's place and comes first.
  it("claims a run whose lease lapsed before runs queued after where the last claim stopped", async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const [run] = await call<{ id: string }>(developer, "select id from ops.queue_run($1)", [
        ROWS.workflow,
      ])
      ids.push(run!.id)
    }
    const claim = async () =>
      (await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()"))[0]?.id
    expect(await claim()).toBe(ids[0])
    expect(await claim()).toBe(ids[1])

    await database.db.query(
      "update ops.runs set lease_expires_at = now() - interval '1 second' where id = $1",
      [ids[0]]
    )
    expect(await claim()).toBe(ids[0])
    expect(await claim()).toBe(ids[2])
    const [again] = (
      await database.db.query<{ attempts: number; status: string }>(
        "select attempts, status from ops.runs where id = $1",
        [ids[0]]
      )
    ).rows
    expect(again).toEqual({ attempts: 2, status: "claimed" })
  })

  it("claims several runs at once in queue order, each fenced and leased", async () => {
    const ids: string[] = []
    for (const priority of [0, 0, 3, 0]) {
      const [run] = await call<{ id: string }>(
        developer,
        "select id from ops.queue_run($1, '{}', $2)",
        [ROWS.workflow, priority]
      )
      ids.push(run!.id)
    }
    const claimed = await call<{ id: string; status: string; claimed_by: string }>(
      devWorker,
      "select id, status, claimed_by from ops.claim_next_runs(3, null, 120)"
    )
    expect(claimed.map((r) => r.id)).toEqual([ids[2], ids[0], ids[1]])
    expect(new Set(claimed.map((r) => `${r.status} ${r.claimed_by}`))).toEqual(
      new Set([`claimed ${DEVICES.developer}`])
    )
    expect(await call(devWorker, "select id from ops.claim_next_runs(3)")).toEqual([{ id: ids[3] }])
    expect(await call(viewerWorker, "select id from ops.claim_next_runs(3)")).toEqual([])
    expect((await failure(devWorker, "select ops.claim_next_runs(0)")).message).toBe(
      "A worker claims between 1 and 100 runs at a time"
    )
    expect((await failure(developer, "select ops.claim_next_runs(2)")).message).toBe(
      "Only a paired device that is not revoked can claim runs"
    )
  })

  it("runs a whole run: start, batched numbered logs, events, artifacts, completion", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const [claimed] = await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()")
    const id = claimed!.id
    expect(await call(devWorker, "select status from ops.start_workflow_run($1)", [id])).toEqual([
      { status: "running" },
    ])

    const first = await call(devWorker, "select * from ops.append_run_log($1, $2)", [
      id,
      JSON.stringify([
        "\u001b[32mok\u001b[0m compiled",
        { line: "warning: slow", stream: "stderr" },
      ]),
    ])
    const second = await call(devWorker, "select * from ops.append_run_log($1, $2)", [
      id,
      JSON.stringify(["done"]),
    ])
    expect([first, second]).toEqual([
      [{ first_line_no: 1, last_line_no: 2 }],
      [{ first_line_no: 3, last_line_no: 3 }],
    ])
    const found = await call<{ line_no: number }>(
      viewer,
      "select line_no from ops.run_logs where run_id = $1 and search @@ to_tsquery('simple', 'compiled')",
      [id]
    )
    expect(found).toEqual([{ line_no: 1 }])

    await call(
      devWorker,
      "select ops.append_run_event($1, 'step.finished', 'npm ci', '{\"ms\": 1200}')",
      [id]
    )
    expect(
      (await failure(devWorker, "select ops.append_run_event($1, 'succeeded')", [id])).message
    ).toBe("Event kind succeeded is reserved for the queue")

    const sha = "ab".repeat(32)
    const add = "select key, size_bytes from ops.add_run_artifact($1, 'dist/app.tgz', 42, $2)"
    expect(await call(devWorker, add, [id, sha])).toEqual([
      { key: "dist/app.tgz", size_bytes: "42" },
    ])
    expect(await call(devWorker, add, [id, sha])).toEqual([
      { key: "dist/app.tgz", size_bytes: "42" },
    ])
    expect(
      (
        await failure(devWorker, "select ops.add_run_artifact($1, 'dist/app.tgz', 42, $2)", [
          id,
          "cd".repeat(32),
        ])
      ).message
    ).toBe("Artifact dist/app.tgz already exists for this run with other content")

    const [done] = await call<{ status: string; exit_code: number }>(
      devWorker,
      "select status, exit_code from ops.complete_workflow_run($1, 'succeeded', 0)",
      [id]
    )
    expect(done).toEqual({ status: "succeeded", exit_code: 0 })
    const kinds = await call<{ kind: string }>(
      viewer,
      "select kind from ops.run_events where run_id = $1 order by id",
      [id]
    )
    expect(kinds.map((k) => k.kind)).toEqual(["queued", "started", "step.finished", "succeeded"])

    const late = await failure(devWorker, "select ops.append_run_log($1, '[\"late\"]')", [id])
    expect(late.code).toBe("PT409")
    expect(late.message).toBe(`Run ${id} is succeeded now, not claimed or running`)
  })

  it("fences an evicted worker: its late calls change nothing and say so", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const [claimed] = await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()")
    const id = claimed!.id
    await call(devWorker, "select ops.start_workflow_run($1)", [id])

    // The developer's worker stops heart-beating: its lease runs out.
    await database.db.query(
      "update ops.runs set lease_expires_at = now() - interval '1 second' where id = $1",
      [id]
    )
    const [reclaimed] = await call<{ id: string; attempts: number }>(
      adminWorker,
      "select id, attempts from ops.claim_next_run()"
    )
    expect(reclaimed).toEqual({ id, attempts: 2 })
    const before = await runRow(id)

    for (const sql of [
      "select ops.heartbeat_run_lease($1)",
      "select ops.start_workflow_run($1)",
      "select ops.complete_workflow_run($1, 'succeeded', 0)",
      "select ops.complete_workflow_run($1, 'failed', 1)",
      "select ops.append_run_log($1, '[\"late line\"]')",
      "select ops.append_run_event($1, 'step.finished')",
      `select ops.add_run_artifact($1, 'late.bin', 1, '${"ef".repeat(32)}')`,
    ]) {
      const error = await failure(devWorker, sql, [id])
      expect(error.code, sql).toBe("PT409")
      expect(error.message, sql).toBe(`Run ${id} is not held by this device`)
    }
    expect(await runRow(id)).toEqual(before)
    expect(
      await call(viewer, "select count(*)::int as n from ops.run_logs where run_id = $1", [id])
    ).toEqual([{ n: 0 }])

    const events = await call<{ kind: string }>(
      viewer,
      "select kind from ops.run_events where run_id = $1 order by id",
      [id]
    )
    expect(events.map((e) => e.kind)).toEqual(["queued", "started", "lease.requeued"])
    expect(await call(adminWorker, "select status from ops.start_workflow_run($1)", [id])).toEqual([
      { status: "running" },
    ])
  })

  it("fails a run whose lease expired on its last attempt", async () => {
    await database.db.query("update ops.workflows set max_attempts = 2 where id = $1", [
      ROWS.unusedWorkflow,
    ])
    const [queued] = await call<{ id: string }>(developer, "select id from ops.queue_run($1)", [
      ROWS.unusedWorkflow,
    ])
    const id = queued!.id
    for (const attempt of [1, 2]) {
      expect(await call(devWorker, "select attempts from ops.claim_next_run()")).toEqual([
        { attempts: attempt },
      ])
      await database.db.query(
        "update ops.runs set lease_expires_at = now() - interval '1 second' where id = $1",
        [id]
      )
    }
    expect(await database.db.query("select ops.requeue_expired_runs() as n")).toMatchObject({
      rows: [{ n: 1 }],
    })
    expect(await runRow(id)).toMatchObject({
      status: "failed",
      attempts: 2,
      error: "The worker stopped renewing its lease (attempt 2 of 2)",
    })
    expect(await call(devWorker, "select id from ops.claim_next_run()")).toEqual([])
    await database.db.query("update ops.workflows set max_attempts = 3 where id = $1", [
      ROWS.unusedWorkflow,
    ])
  })

  it("keeps a heart-beating worker's run", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const [claimed] = await call<{ id: string }>(
      devWorker,
      "select id from ops.claim_next_run(null, 5)"
    )
    const id = claimed!.id
    const [renewed] = await call<{ until: string }>(
      devWorker,
      "select ops.heartbeat_run_lease($1, 600) as until",
      [id]
    )
    expect(new Date(renewed!.until).getTime()).toBeGreaterThan(Date.now() + 300_000)
    expect(await database.db.query("select ops.requeue_expired_runs() as n")).toMatchObject({
      rows: [{ n: 0 }],
    })
    expect(await runRow(id)).toMatchObject({ status: "claimed", claimed_by: DEVICES.developer })
    expect((await failure(devWorker, "select ops.heartbeat_run_lease($1, 0)", [id])).message).toBe(
      "A lease lasts between 1 and 3600 seconds"
    )
  })

  it("cancels (audited) and tells the worker at its next call", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const [claimed] = await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()")
    const id = claimed!.id

    expect((await failure(viewer, "select ops.cancel_run($1)", [id])).message).toBe(
      "Only developers, admins and owners can queue, cancel or re-run runs"
    )
    expect(
      await call(admin, "select status from ops.cancel_run($1, 'wrong branch')", [id])
    ).toEqual([{ status: "canceled" }])
    const audit = await database.db.query(
      "select actor_user_id, action, details from public.audit_log where target_id = $1 and action = 'run.canceled'",
      [id]
    )
    expect(audit.rows).toEqual([
      { actor_user_id: USERS.admin, action: "run.canceled", details: { reason: "wrong branch" } },
    ])

    const heartbeat = await failure(devWorker, "select ops.heartbeat_run_lease($1)", [id])
    expect(heartbeat.code).toBe("PT409")
    expect(heartbeat.message).toBe(`Run ${id} is canceled now, not claimed or running`)
    expect((await failure(admin, "select ops.cancel_run($1)", [id])).message).toBe(
      "A run cannot go from canceled to canceled"
    )
  })

  it("re-runs finished runs only (audited)", async () => {
    const [rerun] = await call<{ id: string; status: string; rerun_of: string }>(
      developer,
      "select id, status, rerun_of from ops.rerun($1)",
      [ROWS.run]
    )
    expect(rerun).toMatchObject({ status: "queued", rerun_of: ROWS.run })
    const audit = await database.db.query(
      "select action from public.audit_log where target_id = $1",
      [rerun!.id]
    )
    expect(audit.rows).toEqual([{ action: "run.rerun" }])
    expect((await failure(developer, "select ops.rerun($1)", [rerun!.id])).message).toBe(
      "Only a finished run can be re-run; this one is queued"
    )
    expect((await failure(viewer, "select ops.rerun($1)", [ROWS.run])).message).toBe(
      "Only developers, admins and owners can queue, cancel or re-run runs"
    )
  })

  it("stops a worker whose owner was demoted below developer", async () => {
    await call(developer, "select ops.queue_run($1)", [ROWS.workflow])
    const [claimed] = await call<{ id: string }>(devWorker, "select id from ops.claim_next_run()")
    await database.db.query("update ops.project_memberships set role = 'viewer' where id = $1", [
      ROWS.developerMembership,
    ])
    try {
      const error = await failure(devWorker, "select ops.heartbeat_run_lease($1)", [claimed!.id])
      expect(error.code).toBe("PT409")
      expect(error.message).toBe(
        "This device's owner is no longer a developer of the run's project"
      )
    } finally {
      await database.db.query(
        "update ops.project_memberships set role = 'developer' where id = $1",
        [ROWS.developerMembership]
      )
    }
  })
})

describe(`last-owner protection (${TEST_ENGINE})`, () => {
  const strangerMembership = "05000000-0000-4000-8000-000000000005"
  const lastOwner = "This is the project's last owner: make another member an owner before this one"

  it("refuses to let the last owner leave or be demoted", async () => {
    expect(
      (
        await failure(stranger, "delete from ops.project_memberships where id = $1", [
          strangerMembership,
        ])
      ).message
    ).toBe(`${lastOwner} leaves`)
    expect(
      (
        await failure(stranger, "update ops.project_memberships set role = 'admin' where id = $1", [
          strangerMembership,
        ])
      ).message
    ).toBe(`${lastOwner} is demoted`)
  })

  it("lets an owner step down once another owner exists, and then protects that one", async () => {
    const result = await tryAs(database.db, owner, async (tx) => {
      await tx.query(
        "update ops.project_memberships set role = 'owner' where project_id = $1 and user_id = $2",
        [ROWS.project, USERS.admin]
      )
      await tx.query(
        "update ops.project_memberships set role = 'admin' where project_id = $1 and user_id = $2",
        [ROWS.project, USERS.owner]
      )
      return "stepped down"
    })
    expect(result).toEqual({ ok: true, value: "stepped down" })

    const audited = await tryAs(database.db, owner, async (tx) => {
      await tx.query(
        "update ops.project_memberships set role = 'owner' where project_id = $1 and user_id = $2",
        [ROWS.project, USERS.admin]
      )
      const { rows } = await tx.query<{ action: string; details: unknown }>(
        "select action, details from public.audit_log where actor_user_id = $1 and action = 'member.role_changed'",
        [USERS.owner]
      )
      return rows
    })
    expect(audited).toEqual({
      ok: true,
      value: [
        {
          action: "member.role_changed",
          details: { user_id: USERS.admin, from: "admin", to: "owner" },
        },
      ],
    })
  })

  it("does not let admins touch owners", async () => {
    const demote = await tryAs(database.db, admin, (tx) =>
      tx.query(
        "update ops.project_memberships set role = 'viewer' where project_id = $1 and user_id = $2",
        [ROWS.project, USERS.owner]
      )
    )
    expect(demote.ok && demote.value.rowCount).toBe(0)
    const promote = await tryAs(database.db, admin, (tx) =>
      tx.query("update ops.project_memberships set role = 'owner' where id = $1", [
        ROWS.developerMembership,
      ])
    )
    expect(promote.ok).toBe(false)
  })
})

describe(`invitations (${TEST_ENGINE})`, () => {
  beforeEach(async () => {
    await database.db.exec(`delete from ops.invitations where id <> '${ROWS.invitation}';
      delete from ops.project_memberships where user_id = '${USERS.newcomer}'`)
  })

  async function invite(actor: Actor, email: string, role = "developer") {
    const [row] = await call<{ invitation_id: string; token: string }>(
      actor,
      "select invitation_id, token from ops.invite_member($1, $2, $3)",
      [ROWS.project, email, role]
    )

    return row!
  }
  const newcomer = userActor("newcomer")

  it("invites by email, lists it as pending, and joins the invitee with the role", async () => {
    const { invitation_id, token } = await invite(admin, " Newcomer@Ops.Test ")
    const pending = await call(
      admin,
      "select email, role, send_count from ops.invitations where project_id = $1 and accepted_at is null and revoked_at is null order by email",
      [ROWS.project]
    )
    expect(pending).toEqual([
      { email: "newcomer@ops.test", role: "developer", send_count: 1 },
      { email: "stranger@ops.test", role: "viewer", send_count: 1 },
    ])
    const stored = await database.db.query<{ token_hash: string }>(
      "select token_hash from ops.invitations where id = $1",
      [invitation_id]
    )
    expect(stored.rows[0]!.token_hash).not.toContain(token)

    expect(await call(newcomer, "select ops.accept_invitation($1) as project_id", [token])).toEqual(
      [{ project_id: ROWS.project }]
    )
    expect(
      await call(newcomer, "select role from ops.project_memberships where user_id = $1", [
        USERS.newcomer,
      ])
    ).toEqual([{ role: "developer" }])
    const audit = await database.db.query<{ action: string }>(
      "select action from public.audit_log where project_id = $1 and action like 'invitation.%' and target_id = $2 order by created_at, action",
      [ROWS.project, invitation_id]
    )
    expect(audit.rows.map((r) => r.action).sort()).toEqual([
      "invitation.accepted",
      "invitation.created",
    ])
    expect((await failure(newcomer, "select ops.accept_invitation($1)", [token])).message).toBe(
      "This invitation was already accepted"
    )
  })

  it("refuses the wrong email, an expired link, a revoked link and a resent one's old link", async () => {
    const { invitation_id, token } = await invite(admin, "newcomer@ops.test")
    expect((await failure(stranger, "select ops.accept_invitation($1)", [token])).message).toBe(
      "This invitation was sent to another email address"
    )
    expect(
      (
        await failure(
          deviceActor("newcomer", DEVICES.developer),
          "select ops.accept_invitation($1)",
          [token]
        )
      ).message
    ).toBe("Sign in to accept an invitation")

    const [resent] = await call<{ token: string }>(
      admin,
      "select token from ops.resend_invitation($1)",
      [invitation_id]
    )
    expect((await failure(newcomer, "select ops.accept_invitation($1)", [token])).message).toBe(
      "This invitation link is not valid (it may have been revoked or resent)"
    )

    await database.db.query(
      "update ops.invitations set expires_at = now() - interval '1 minute' where id = $1",
      [invitation_id]
    )
    expect(
      (await failure(newcomer, "select ops.accept_invitation($1)", [resent!.token])).message
    ).toMatch(/^This invitation expired on .+: ask for a new one$/)

    await database.db.query(
      "update ops.invitations set expires_at = now() + interval '1 day' where id = $1",
      [invitation_id]
    )
    await call(owner, "select ops.revoke_invitation($1)", [invitation_id])
    expect(
      (await failure(newcomer, "select ops.accept_invitation($1)", [resent!.token])).message
    ).toBe("This invitation link is not valid (it may have been revoked or resent)")
    const audit = await database.db.query<{ action: string }>(
      "select action from public.audit_log where target_id = $1 order by created_at",
      [invitation_id]
    )
    expect(audit.rows.map((r) => r.action)).toEqual([
      "invitation.created",
      "invitation.resent",
      "invitation.revoked",
    ])
  })

  it("lets only admins and owners invite, up to their own role, once per address", async () => {
    expect(
      (
        await failure(developer, "select ops.invite_member($1, 'a@ops.test', 'viewer')", [
          ROWS.project,
        ])
      ).message
    ).toBe("Only the project's owners and admins can manage invitations")
    expect(
      (await failure(admin, "select ops.invite_member($1, 'a@ops.test', 'owner')", [ROWS.project]))
        .message
    ).toBe("You can invite people up to your own role (admin), not as owner")
    expect(
      (
        await failure(admin, "select ops.invite_member($1, 'stranger@ops.test', 'viewer')", [
          ROWS.project,
        ])
      ).message
    ).toBe("stranger@ops.test already has a pending invitation: resend it instead")
    expect(
      (
        await failure(admin, "select ops.invite_member($1, 'viewer@ops.test', 'viewer')", [
          ROWS.project,
        ])
      ).message
    ).toBe("viewer@ops.test is already a member of this project")
    await invite(owner, "newcomer@ops.test", "owner")
  })
})
