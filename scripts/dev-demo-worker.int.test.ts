import { mkdtemp, rm } from "node:fs/promises"
import os from "node:os"
import path from "node:path"

import { PROJECT_ROOT, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import { HARNESS, startWorkerHarness } from "../agent/worker/worker-harness"
import { actAs } from "../supabase/tests/rls-harness"
import { queueDemoRunIfIdle, runDemoWorker } from "./dev-demo-worker"

// `npm run dev`'s demo worker on the demo's seed (supabase/seed_runs_worker.sql): as Studio
// Mac it claims the seeded "Live Demo" run, whose log then keeps growing, in colour and in
// groups, for as long as the worker runs; stopping it stops the step.

vi.mock("server-only", () => ({}))

const DEMO_RUN = "00000000-0000-4000-c200-0000000000d1"

let stack: TestStack
let fetchImpl: typeof fetch
let root: string

async function demoRun() {
  const [run] = (
    await stack.db.query<{ status: string; lines: number }>(
      `select r.status, (select count(*)::int from ops.run_logs l where l.run_id = r.id) as lines
         from ops.runs r where r.id = $1`,
      [DEMO_RUN]
    )
  ).rows

  return run!
}

async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe(`the demo worker (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    ;({ stack, fetch: fetchImpl } = await startWorkerHarness({
      seedFiles: [
        "supabase/seed.sql",
        "supabase/seed_ops.sql",
        "supabase/seed_runs_worker.sql",
      ].map((file) => path.join(PROJECT_ROOT, file)),
    }))
    root = await mkdtemp(path.join(os.tmpdir(), "lmx-demo-worker-"))
  })
  afterAll(async () => {
    await stack?.stop()
    if (root) await rm(root, { recursive: true, force: true })
  })

  it("claims the seeded Live Demo run, whose log keeps growing while it runs, and stops its step when stopped", async () => {
    expect(await demoRun()).toMatchObject({ status: "queued", lines: 0 })
    const abort = new AbortController()
    const said: string[] = []
    const done = runDemoWorker({
      appUrl: HARNESS.server,
      root,
      log: (line) => said.push(line),
      signal: abort.signal,
      fetch: fetchImpl,
    })
    try {
      await waitFor(async () => (await demoRun()).status === "running")
      const first = await waitFor(async () => {
        const { lines } = await demoRun()
        return lines >= 8 && lines
      })
      // Still growing: the "Stream the log" step prints two lines a second.
      await waitFor(async () => (await demoRun()).lines >= first + 3)
    } finally {
      abort.abort()
      await done
    }
    const lines = (
      await stack.db.query<{ line: string }>(
        "select line from ops.run_logs where run_id = $1 order by line_no",
        [DEMO_RUN]
      )
    ).rows.map((row) => row.line)
    expect(lines).toEqual(
      expect.arrayContaining([
        "::group::Look around",
        "::group::Where this runs",
        "Ready.",
        "::group::Stream the log",
        "::group::Batch 1",
      ])
    )
    expect(lines.some((line) => / line 1 \u001b\[32mok\u001b\[0m$/.test(line))).toBe(true)
    expect(said).toContain(
      `Demo worker: Run ${DEMO_RUN} was stopped with the worker; nothing was completed.`
    )
    // Not completed: it stays the stopped worker's until the lease runs out, then is retried.
    expect((await demoRun()).status).toBe("running")
  })

  it("queues a fresh Live Demo run on the next start once the seeded one has ended, and only then", async () => {
    const runs = async () =>
      (
        await stack.db.query<{ id: string; status: string; requested_by: string }>(
          `select id, status, requested_by from ops.runs
            where workflow_id = '00000000-0000-4000-c100-0000000000d1' order by queued_at, id`
        )
      ).rows
    // The stopped worker's run is still live (its lease runs, attempts are left).
    expect(await queueDemoRunIfIdle(stack.db)).toBeNull()
    expect(await runs()).toHaveLength(1)

    // Ended (here canceled by the demo user; after 20 restarts or a day it fails or finishes).
    await stack.db.transaction(async (tx) => {
      await actAs(tx, {
        role: "authenticated",
        claims: { sub: "00000000-0000-4000-a000-000000000001", role: "authenticated" },
      })
      await tx.query("select ops.cancel_run($1)", [DEMO_RUN])
    })
    const queued = await queueDemoRunIfIdle(stack.db)
    expect(queued).toMatch(/^[0-9a-f-]{36}$/)
    expect(await runs()).toEqual([
      expect.objectContaining({ id: DEMO_RUN, status: "canceled" }),
      { id: queued, status: "queued", requested_by: "00000000-0000-4000-a000-000000000001" },
    ])
    const events = await stack.db.query<{ kind: string }>(
      "select kind from ops.run_events where run_id = $1",
      [queued]
    )
    expect(events.rows).toEqual([{ kind: "queued" }])
    // One live run is enough.
    expect(await queueDemoRunIfIdle(stack.db)).toBeNull()
    expect(await runs()).toHaveLength(2)
  })
})
