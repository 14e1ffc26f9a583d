import path from "node:path"

import {
  createTestDatabase,
  PROJECT_ROOT,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { runAs } from "./rls-harness"

// The ops demo data: it applies after seed.sql on both engines and shows every role and
// every run state, with logs, events and artifacts, to the demo account.
const DEMO = "00000000-0000-4000-a000-000000000001"
const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const STUDIO_PROJECT = "00000000-0000-4000-c000-000000000001"

describe(`ops seed (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase({
      seedFiles: ["supabase/seed.sql", "supabase/seed_ops.sql"].map((file) =>
        path.join(PROJECT_ROOT, file)
      ),
    })
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("has about a hundred runs in every state, each project with every role", async () => {
    const states = await database.db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from ops.runs group by 1 order by 1"
    )
    expect(states.rows.map((r) => r.status)).toEqual([
      "canceled",
      "claimed",
      "failed",
      "queued",
      "running",
      "succeeded",
    ])
    expect(states.rows.reduce((sum, r) => sum + r.n, 0)).toBe(104)

    const roles = await database.db.query<{ project_id: string; roles: string[] }>(
      "select project_id, array_agg(distinct role order by role) as roles from ops.project_memberships group by 1"
    )
    expect(roles.rows).toHaveLength(2)
    for (const row of roles.rows)
      expect(row.roles).toEqual(["admin", "developer", "owner", "viewer"])

    const counts = await database.db.query<{
      logs: number
      coloured: number
      events: number
      artifacts: number
    }>(
      `select (select count(*)::int from ops.run_logs) as logs,
              (select count(*)::int from ops.run_logs where line like E'%\\033[%') as coloured,
              (select count(*)::int from ops.run_events) as events,
              (select count(*)::int from ops.run_artifacts) as artifacts`
    )
    expect(counts.rows[0]!.logs).toBeGreaterThan(1000)
    expect(counts.rows[0]!.coloured).toBeGreaterThan(100)
    expect(counts.rows[0]!.events).toBeGreaterThan(200)
    expect(counts.rows[0]!.artifacts).toBeGreaterThan(10)
  })

  it("shows the demo account its projects, queue and summary, and lets its machine claim work", async () => {
    const demo = {
      role: "authenticated" as const,
      claims: { sub: DEMO, role: "authenticated", email: "demo@lmx.local" },
    }
    const seen = await runAs(database.db, demo, async (tx) => ({
      projects: (await tx.query("select id from ops.projects")).rows.length,
      queued: (await tx.query("select run_id from ops.list_queued_runs()")).rows.length,
      summary: (await tx.query("select workflow_id from ops.run_summary")).rows.length,
      audit: (
        await tx.query("select id from public.audit_log where project_id = $1", [STUDIO_PROJECT])
      ).rows.length,
    }))
    expect(seen).toEqual({
      projects: 2,
      queued: 6,
      summary: 9,
      audit: expect.any(Number) as number,
    })
    expect(seen.audit).toBeGreaterThan(50)

    const studio = { ...demo, claims: { ...demo.claims, device_id: STUDIO_MAC } }
    const claim = () =>
      runAs(
        database.db,
        studio,
        async (tx) =>
          (await tx.query<{ priority: number }>("select priority from ops.claim_next_run()")).rows
      )
    // A device claims only for the projects its owner chose for it (none in these two seeds;
    // 20261203010000_runs_worker.sql).
    expect(await claim()).toEqual([])
    await database.db.query(
      "insert into public.device_run_projects (device_id, project_id, user_id) values ($1, $2, $3)",
      [STUDIO_MAC, STUDIO_PROJECT, DEMO]
    )
    const claimed = await runAs(
      database.db,
      studio,
      async (tx) =>
        (await tx.query<{ priority: number }>("select priority from ops.claim_next_run()")).rows
    )
    expect(claimed).toEqual([{ priority: 10 }])
  })
})
