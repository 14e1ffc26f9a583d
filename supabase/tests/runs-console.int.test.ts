import path from "node:path"

import {
  createTestDatabase,
  PROJECT_ROOT,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"

import {
  deviceActor,
  DEVICES,
  FIXTURES_SQL,
  ROWS,
  signedOutUser,
  userActor,
  USERS,
} from "./ops-fixtures"
import {
  ANON,
  describeRlsMatrix,
  failureAs,
  runAs,
  signedInUser,
  tryAs,
  type Actor,
  type MatrixRow,
} from "./rls-harness"

// The runs console's SQL (supabase/migrations/20261203011000_runs_console.sql): the log's
// attempt stamp, ops.list_runs with the queue position and the workers online, the log's
// outline and search, on both engines.
type ListRow = {
  id: string
  status: string
  priority: number
  queued_at: string
  queue_position: number | null
  workers_online: number | null
  device_name: string | null
  project_slug: string
}

describe(`runs console SQL (${TEST_ENGINE})`, () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase()
    await database.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })
  beforeEach(async () => {
    // Each test starts from the fixture's one finished run and an idle fleet.
    await database.db.exec(`
      delete from ops.runs where id <> '${ROWS.run}';
      update public.devices set helper_enabled = false, last_seen_at = null;
    `)
  })

  const list = (actor: ReturnType<typeof userActor>, args = "") =>
    runAs(
      database.db,
      actor,
      async (tx) => (await tx.query<ListRow>(`select * from ops.list_runs(${args})`)).rows
    )

  async function queue(priorities: number[]): Promise<string[]> {
    return runAs(database.db, userActor("developer"), async (tx) => {
      const ids: string[] = []
      for (const priority of priorities) {
        const { rows } = await tx.query<{ id: string }>(
          "select id from ops.queue_run($1, '{}'::jsonb, $2)",
          [ROWS.workflow, priority]
        )
        ids.push(rows[0]!.id)
      }

      return ids
    })
  }

  it("numbers each queued run's place exactly as claim_next_run takes them", async () => {
    await queue([0, 5, 0, -3, 5, 0])
    const expected = (
      await database.db.query<{ id: string }>(
        `select id from ops.runs where status = 'queued'
        order by priority desc, queued_at, id`
      )
    ).rows.map((row) => row.id)

    const positions = async () =>
      Object.fromEntries(
        (await list(userActor("viewer")))
          .filter((row) => row.status === "queued")
          .map((row) => [row.id, row.queue_position])
      )
    expect(await positions()).toEqual(
      Object.fromEntries(expected.map((id, index) => [id, index + 1]))
    )

    // The run the queue says is first is the one a worker claims, and everyone moves up.
    const claimed = await runAs(
      database.db,
      deviceActor("developer", DEVICES.developer),
      async (tx) =>
        (await tx.query<{ id: string }>("select id from ops.claim_next_run()")).rows[0]!.id
    )
    expect(claimed).toBe(expected[0])
    expect(await positions()).toEqual(
      Object.fromEntries(expected.slice(1).map((id, index) => [id, index + 1]))
    )
  })

  it("counts the workers online for a project: helper on, heard within 90 s, developer or above, project chosen on the device", async () => {
    await queue([0])
    const workers = async () =>
      (await list(userActor("viewer"))).find((row) => row.status === "queued")!.workers_online
    expect(await workers()).toBe(0)

    await database.db.exec(`
      update public.devices set helper_enabled = true, last_seen_at = now()
       where id in ('${DEVICES.developer}', '${DEVICES.admin}', '${DEVICES.viewer}',
                    '${DEVICES.ownerRevoked}', '${DEVICES.stranger}');
    `)
    // The viewer's device (role too low), the revoked one and the stranger's do not count.
    expect(await workers()).toBe(2)
    // A device counts only for the projects chosen on its page (the claim guard's rule).
    await database.db.exec(
      `delete from public.device_run_projects where device_id = '${DEVICES.admin}'`
    )
    expect(await workers()).toBe(1)

    await database.db.exec(`
      update public.devices set last_seen_at = now() - interval '91 seconds'
       where id = '${DEVICES.admin}';
      update public.devices set helper_enabled = false where id = '${DEVICES.developer}';
    `)
    expect(await workers()).toBe(0)
  })

  it("lists only the caller's projects' runs, newest first, in keyset pages without gaps or repeats", async () => {
    const ids = await queue([0, 0, 0, 0, 0])
    expect(await list(userActor("stranger"))).toEqual([])

    const all = await list(userActor("viewer"))
    expect(all.map((row) => row.id).sort()).toEqual([...ids, ROWS.run].sort())
    const sorted = [...all].sort(
      (a, b) => Date.parse(b.queued_at) - Date.parse(a.queued_at) || (b.id > a.id ? 1 : -1)
    )
    expect(all.map((row) => row.id)).toEqual(sorted.map((row) => row.id))

    const seen: string[] = []
    let after: ListRow | undefined
    for (;;) {
      const page: ListRow[] = await list(
        userActor("viewer"),
        after
          ? `after_queued_at => '${after.queued_at}', after_id => '${after.id}', max_rows => 2`
          : "max_rows => 2"
      )
      if (page.length === 0) break
      seen.push(...page.map((row) => row.id))
      after = page.at(-1)
    }
    expect(seen).toEqual(all.map((row) => row.id))

    const finished = await list(userActor("viewer"), "filter_status => array['succeeded']")
    expect(finished.map((row) => row.id)).toEqual([ROWS.run])
    expect(finished[0]!.device_name).toBe("dev box")
    expect(finished[0]!.queue_position).toBeNull()
    expect(await list(userActor("viewer"), "filter_kind => 'deploy'")).toEqual([])
  })

  it("applies each filter, alone and together, as its own predicate over the visible runs", async () => {
    // Twelve runs over both of the project's workflows, the four statuses, two devices and
    // two requesters, and runs of a project the viewer does not belong to.
    await database.db.exec(`
      insert into ops.runs (id, project_id, workflow_id, status, requested_by, claimed_by,
        attempts, queued_at, finished_at)
      select md5('filter-run-' || i)::uuid, '${ROWS.project}',
             case when i % 3 = 0 then '${ROWS.unusedWorkflow}'::uuid else '${ROWS.workflow}'::uuid end,
             s.status,
             case when i % 2 = 0 then '${USERS.developer}'::uuid else '${USERS.admin}'::uuid end,
             case when s.status = 'queued' then null
                  when i % 5 = 0 then '${DEVICES.admin}'::uuid else '${DEVICES.developer}'::uuid end,
             1, now() - i * interval '1 hour',
             case when s.status <> 'queued' then now() - i * interval '1 hour' + interval '1 minute' end
        from generate_series(1, 12) i
       cross join lateral (
         select (array['succeeded', 'failed', 'canceled', 'queued'])[1 + i % 4] as status
       ) s;
      insert into ops.runs (id, project_id, workflow_id, status, requested_by, attempts, queued_at,
        finished_at)
      select md5('stranger-run-' || i)::uuid, '${ROWS.strangerProject}', '${ROWS.strangerWorkflow}',
             'succeeded', '${USERS.stranger}', 1, now() - i * interval '1 hour', now()
        from generate_series(1, 3) i;
    `)
    const { rows: projects } = await database.db.query<{ slug: string }>(
      "select slug from ops.projects where id = $1",
      [ROWS.project]
    )
    const slug = projects[0]!.slug
    const viewer = userActor("viewer")
    // The reference: the same predicate written plainly over what RLS lets the viewer read.
    const expected = (where: string) =>
      runAs(database.db, viewer, async (tx) =>
        (
          await tx.query<{ id: string }>(
            `select x.id from ops.runs x
               join ops.projects p on p.id = x.project_id
               join ops.workflows k on k.id = x.workflow_id
              where ${where}
              order by x.queued_at desc, x.id desc`
          )
        ).rows.map((row) => row.id)
      )
    const cases: [string, string][] = [
      ["filter_status => array['failed', 'queued']", "x.status in ('failed', 'queued')"],
      // Each status is read on its own: a repeated one must not repeat rows.
      ["filter_status => array['failed', 'failed', null]", "x.status = 'failed'"],
      [`filter_project => '${slug}'`, `p.slug = '${slug}'`],
      ["filter_project => 'no-such-project'", "false"],
      [`filter_workflow => '${ROWS.unusedWorkflow}'`, `x.workflow_id = '${ROWS.unusedWorkflow}'`],
      ["filter_kind => 'test'", "k.kind = 'test'"],
      [`filter_device => '${DEVICES.admin}'`, `x.claimed_by = '${DEVICES.admin}'`],
      [`filter_requested_by => '${USERS.admin}'`, `x.requested_by = '${USERS.admin}'`],
      [
        "queued_from => now() - interval '6 hours 30 minutes', queued_to => now() - interval '2 hours 30 minutes'",
        "x.queued_at >= now() - interval '6 hours 30 minutes' and x.queued_at < now() - interval '2 hours 30 minutes'",
      ],
      [
        `filter_status => array['succeeded', 'canceled'], filter_kind => 'build', filter_requested_by => '${USERS.developer}', filter_project => '${slug}'`,
        `x.status in ('succeeded', 'canceled') and k.kind = 'build' and x.requested_by = '${USERS.developer}' and p.slug = '${slug}'`,
      ],
    ]
    for (const [args, where] of cases) {
      const want = await expected(where)
      const got = (await list(viewer, args)).map((row) => row.id)
      expect(got, args).toEqual(want)
    }
    // A filter that keeps something, so the comparisons above are not all empty lists.
    expect(await expected("x.status in ('failed', 'queued')")).toHaveLength(6)

    // Keyset pages of a filtered list join up to the whole filtered list.
    const all = await expected("x.status <> 'canceled'")
    const seen: string[] = []
    let after: ListRow | undefined
    for (;;) {
      const cursor = after
        ? `after_queued_at => '${after.queued_at}', after_id => '${after.id}', `
        : ""
      const page: ListRow[] = await list(
        viewer,
        `${cursor}filter_status => array['succeeded', 'failed', 'queued'], max_rows => 4`
      )
      if (page.length === 0) break
      seen.push(...page.map((row) => row.id))
      after = page.at(-1)
    }
    expect(seen).toEqual(all)
  })

  it("stamps each log line with the attempt that wrote it, and outlines groups and attempts", async () => {
    const [runId] = await queue([0])
    const worker = deviceActor("developer", DEVICES.developer)
    const work = async (lines: unknown[]) =>
      runAs(database.db, worker, async (tx) => {
        await tx.query("select ops.claim_next_run()")
        await tx.query("select ops.start_workflow_run($1)", [runId])
        await tx.query("select ops.append_run_log($1, $2::jsonb)", [runId, JSON.stringify(lines)])
      })
    await work([
      { stream: "system", line: "::group::Install" },
      "\u001b[32mok\u001b[0m 100% done",
      { stream: "system", line: "::endgroup::" },
      { stream: "system", line: "::group::Test" },
      "first try",
    ])
    // The worker vanishes: its lease lapses and the run goes back to the queue.
    await database.db.exec(
      `update ops.runs set lease_expires_at = now() - interval '1 second' where id = '${runId}'`
    )
    await database.db.query("select ops.requeue_expired_runs()")
    await work([{ stream: "system", line: "::group::Install" }, "second try"])

    const lines = await runAs(
      database.db,
      userActor("viewer"),
      async (tx) =>
        (
          await tx.query<{ line_no: number; attempt: number }>(
            "select line_no, attempt from ops.run_logs where run_id = $1 order by line_no",
            [runId]
          )
        ).rows
    )
    expect(lines.map((line) => line.attempt)).toEqual([1, 1, 1, 1, 1, 2, 2])

    const outline = await runAs(
      database.db,
      userActor("viewer"),
      async (tx) => (await tx.query("select * from ops.run_log_outline($1)", [runId])).rows
    )
    expect(outline).toEqual([
      { line_no: 1, attempt: 1, kind: "group", name: "Install" },
      { line_no: 3, attempt: 1, kind: "endgroup", name: null },
      { line_no: 4, attempt: 1, kind: "group", name: "Test" },
      { line_no: 6, attempt: 2, kind: "attempt", name: null },
      { line_no: 6, attempt: 2, kind: "group", name: "Install" },
      { line_no: 7, attempt: null, kind: "last", name: null },
    ])
    expect(
      await runAs(
        database.db,
        userActor("stranger"),
        async (tx) => (await tx.query("select * from ops.run_log_outline($1)", [runId])).rows
      )
    ).toEqual([])

    // The fixture's line predates attempts: it was a first attempt's.
    const fixture = await database.db.query<{ attempt: number }>(
      `select attempt from ops.run_logs where run_id = '${ROWS.run}'`
    )
    expect(fixture.rows).toEqual([{ attempt: 1 }])
  })

  it("searches a log by words and substrings, ignoring colour codes, and counts exactly", async () => {
    const [runId] = await queue([0])
    await runAs(database.db, deviceActor("developer", DEVICES.developer), async (tx) => {
      await tx.query("select ops.claim_next_run()")
      await tx.query("select ops.append_run_log($1, $2::jsonb)", [
        runId,
        JSON.stringify([
          "\u001b[31mERROR\u001b[0m: connection refused",
          "error: retrying",
          "all good",
          "100% done",
          "1000 done",
          "terror",
        ]),
      ])
    })
    const search = (query: string) =>
      runAs(
        database.db,
        userActor("viewer"),
        async (tx) =>
          (
            await tx.query<{ line_no: number; total: number }>(
              "select line_no, total::int as total from ops.search_run_log($1, $2)",
              [runId, query]
            )
          ).rows
      )

    expect(await search("error")).toEqual([
      { line_no: 1, total: 2 },
      { line_no: 2, total: 2 },
    ])
    expect(await search("ERROR: conn")).toEqual([{ line_no: 1, total: 1 }])
    // % and _ are themselves, not wildcards.
    expect(await search("100%")).toEqual([{ line_no: 4, total: 1 }])
    expect(await search("  ")).toEqual([])
    expect(
      await runAs(
        database.db,
        userActor("stranger"),
        async (tx) =>
          (await tx.query("select * from ops.search_run_log($1, 'error')", [runId])).rows
      )
    ).toEqual([])
  })

  it("answers get_run to members only, with the list's row", async () => {
    const [runId] = await queue([0])
    const get = (actor: ReturnType<typeof userActor>) =>
      runAs(
        database.db,
        actor,
        async (tx) => (await tx.query<ListRow>("select * from ops.get_run($1)", [runId])).rows
      )
    expect(await get(userActor("stranger"))).toEqual([])
    const [row] = await get(userActor("viewer"))
    expect(row).toMatchObject({ id: runId, status: "queued", queue_position: 1 })
    expect(await list(userActor("viewer"), `filter_status => array['queued']`)).toEqual([
      expect.objectContaining({ id: runId, queue_position: 1 }),
    ])
  })

  it("keeps the helpers private and the attempt out of writers' hands", async () => {
    for (const name of ["project_workers_online", "run_queue_position"]) {
      const result = await tryAs(database.db, userActor("stranger"), (tx) =>
        tx.query(
          `select private.${name}('${name === "run_queue_position" ? ROWS.run : ROWS.project}')`
        )
      )
      // Callable (the list calls them as the user), but a stranger learns nothing.
      expect(result.ok && result.value.rows[0]).toEqual({ [name]: null })
    }
    await failureAs(database.db, userActor("owner"), (tx) =>
      tx.query(
        `insert into ops.run_logs (run_id, project_id, line_no, line, attempt)
         values ('${ROWS.run}', '${ROWS.project}', 99, 'forged', 7)`
      )
    )
  })
})

// The demo account's runs pages (supabase/seed_runs_console.sql): a failed run with a red
// group, a retried run whose log shows both attempts, and a queued run with its place.
describe(`runs console seed (${TEST_ENGINE})`, () => {
  let database: TestDatabase
  const DEMO = signedInUser("00000000-0000-4000-a000-000000000001", "demo@lmx.local")

  beforeAll(async () => {
    database = await createTestDatabase({
      seedFiles: [
        "supabase/seed.sql",
        "supabase/seed_ops.sql",
        "supabase/seed_runs_console.sql",
      ].map((file) => path.join(PROJECT_ROOT, file)),
    })
  })
  afterAll(async () => {
    await database?.dispose()
  })

  it("shows the demo a failed step, a second attempt and a queued run's place", async () => {
    const outline = (run: string) =>
      runAs(
        database.db,
        DEMO,
        async (tx) =>
          (
            await tx.query<{ kind: string; name: string | null; attempt: number | null }>(
              "select kind, name, attempt from ops.run_log_outline(md5($1)::uuid) order by line_no, kind",
              [run]
            )
          ).rows
      )
    const failed = await outline("lmx-console-run-failed")
    expect(failed.filter((row) => row.kind === "group").map((row) => row.name)).toEqual([
      "Install",
      "Test",
      "unit",
      "integration",
    ])
    const events = await runAs(database.db, DEMO, async (tx) =>
      (
        await tx.query<{ data: { name: string; exit_code: number } }>(
          `select data from ops.run_events
            where run_id = md5('lmx-console-run-failed')::uuid and kind = 'step.finished' order by id`
        )
      ).rows.map((row) => [row.data.name, row.data.exit_code])
    )
    expect(events).toEqual([
      ["Install", 0],
      ["Test", 1],
    ])

    const retried = await outline("lmx-console-run-retried")
    expect(retried.filter((row) => row.kind === "attempt")).toEqual([
      { kind: "attempt", name: null, attempt: 2 },
    ])

    const queued = await runAs(
      database.db,
      DEMO,
      async (tx) =>
        (
          await tx.query<{ queue_position: number; workers_online: number }>(
            "select queue_position, workers_online from ops.get_run(md5('lmx-console-run-queued')::uuid)"
          )
        ).rows
    )
    // Priority 5 puts it behind only the seed's priority-10 run. No worker serves this
    // project: the demo's only enabled worker project is Live Demo (seed_runs_worker.sql), so
    // the dev worker never runs these seeded workflows' commands on the developer's machine.
    expect(queued).toEqual([{ queue_position: 2, workers_online: 0 }])
  })
})

// The runs pages' reads for every actor, as the ops matrix (ops-rls.int.test.ts) does for the
// tables: "ok" = the read returns the fixture run's row, "no" = nothing or an error.
const ACTORS = {
  anon: ANON,
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  devDevice: deviceActor("developer", DEVICES.developer),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
  signedOut: signedOutUser("owner"),
} satisfies Record<string, Actor>

// prettier-ignore
const READS: MatrixRow<"select">[] = [
  //                                    anon  viewer developer admin owner stranger devDevice revoked strangerDevice signedOut
  ["ops.list_runs",          "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.get_run",            "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  // The run page's first screen in one call (20261205020100_run_page_first_screen.sql).
  ["ops.run_page",           "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.run_log_outline",    "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.search_run_log",     "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  ["ops.run_logs.attempt",   "select", "no", "ok",  "ok",     "ok", "ok", "no",    "ok",     "no",   "no", "no"],
  // The search's security definer helper applies the run_logs policy's rule itself, so a
  // direct call (naming any run and project) reads no more than the policy allows.
  ["private.run_log_search_hits", "select", "no", "ok", "ok",  "ok", "ok", "no",    "ok",     "no",   "no", "no"],
]

describeRlsMatrix({
  title: "runs console reads matrix",
  actors: ACTORS,
  rows: READS,
  statements: {
    "ops.list_runs": { select: `select id from ops.list_runs() where id = '${ROWS.run}'` },
    "ops.get_run": { select: `select id from ops.get_run('${ROWS.run}')` },
    "ops.run_page": {
      select: `select p -> 'run' ->> 'id' from ops.run_page('${ROWS.run}') p where p is not null`,
    },
    "ops.run_log_outline": { select: `select * from ops.run_log_outline('${ROWS.run}')` },
    "ops.search_run_log": { select: `select * from ops.search_run_log('${ROWS.run}', 'fixture')` },
    "private.run_log_search_hits": {
      select: `select * from private.run_log_search_hits('${ROWS.run}', '${ROWS.project}', 'fixture:*', '%fixture%', 10)`,
    },
    "ops.run_logs.attempt": {
      select: `select attempt from ops.run_logs where run_id = '${ROWS.run}' and attempt = 1`,
    },
  },
  setup: (db) => db.exec(FIXTURES_SQL),
})
