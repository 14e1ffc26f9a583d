import {
  createTestDatabase,
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
  tryAs,
  type Actor,
  type MatrixRow,
} from "./rls-harness"

// The database side of the device as a worker (20261203010000_runs_worker.sql): who may
// choose the projects a device runs jobs for, that a device claims nothing else, that params
// meet the workflow's inputs when a run is queued, who hears a worker's Realtime topic, and
// how a canceled run's stop is recorded.

const P = ROWS.project
/** A second project where the developer is developer, not enabled on any device. */
const P2 = "0b000000-0000-4000-8000-0000000000a2"

const EXTRA_SQL = `
insert into ops.projects (id, name, created_by) values ('${P2}', 'Second project', null);
insert into ops.project_memberships (project_id, user_id, role) values
  ('${P2}', '${USERS.developer}', 'developer'),
  ('${P2}', '${USERS.viewer}', 'viewer');
`

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
  signedOut: signedOutUser("developer"),
} satisfies Record<string, Actor>

type Operation = "select" | "insert" | "update" | "delete"

// prettier-ignore
const MATRIX: MatrixRow<Operation>[] = [
  //                                     anon  viewer developer admin owner stranger devDevice revoked strangerDevice signedOut
  ["public.device_run_projects", "select", "no", "no", "ok",     "no", "no", "no",    "ok",     "no",   "no", "no"],
  ["public.device_run_projects", "insert", "no", "no", "ok",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.device_run_projects", "update", "no", "no", "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.device_run_projects", "delete", "no", "no", "ok",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["realtime worker topic",      "select", "no", "no", "no",     "no", "no", "no",    "ok",     "no",   "no", "no"],
  ["public.device_workers",      "select", "no", "no", "ok",     "no", "no", "no",    "ok",     "no",   "no", "no"],
  ["public.device_workers",      "insert", "no", "no", "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.device_workers",      "update", "no", "no", "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  ["public.device_workers",      "delete", "no", "no", "no",     "no", "no", "no",    "no",     "no",   "no", "no"],
  // Only a live device says its own worker runs (a stranger's device speaks for its own).
  ["record_worker_seen()",       "select", "no", "no", "no",     "no", "no", "no",    "ok",     "no",   "ok", "no"],
]

const DEV_ROW = `device_id = '${DEVICES.developer}' and project_id = '${P}'`

describeRlsMatrix({
  title: "runs worker RLS matrix",
  actors: ACTORS,
  rows: MATRIX,
  statements: {
    "public.device_run_projects": {
      select: `select device_id from public.device_run_projects where ${DEV_ROW}`,
      insert: `insert into public.device_run_projects (device_id, project_id) values ('${DEVICES.developer}', '${P2}')`,
      update: `update public.device_run_projects set created_at = now() where ${DEV_ROW}`,
      delete: `delete from public.device_run_projects where ${DEV_ROW}`,
    },
    "public.device_workers": {
      select: `select device_id from public.device_workers where device_id = '${DEVICES.developer}'`,
      insert: `insert into public.device_workers (device_id, user_id) values ('${DEVICES.admin}', '${USERS.admin}')`,
      update: `update public.device_workers set seen_at = now() where device_id = '${DEVICES.developer}'`,
      delete: `delete from public.device_workers where device_id = '${DEVICES.developer}'`,
    },
    "record_worker_seen()": {
      select: `select 1 from public.record_worker_seen()`,
    },
    // What Realtime asks before admitting a private channel: can the joiner read a message of
    // the topic? The fixture message is written by the platform role in setup.
    "realtime worker topic": {
      select: `select id from realtime.messages
                where topic = 'worker:${DEVICES.developer}'
                  and set_config('realtime.topic', 'worker:${DEVICES.developer}', true) is not null`,
    },
  },
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(EXTRA_SQL)
    await db.exec(`insert into realtime.messages (topic, extension, event, payload, private)
      values ('worker:${DEVICES.developer}', 'broadcast', 'run.queued', '{}', true)`)
    await db.exec(`insert into public.device_workers (device_id, user_id)
      values ('${DEVICES.developer}', '${USERS.developer}')`)
  },
})

describe(`runs worker in the database (${TEST_ENGINE})`, () => {
  let database: TestDatabase
  const developer = userActor("developer")
  const devWorker = deviceActor("developer", DEVICES.developer)
  const adminWorker = deviceActor("admin", DEVICES.admin)

  beforeAll(async () => {
    database = await createTestDatabase({ seedFiles: [] })
    await database.db.exec(FIXTURES_SQL)
    await database.db.exec(EXTRA_SQL)
  })
  afterAll(async () => {
    await database?.dispose()
  })
  beforeEach(async () => {
    await database.db.exec(`
      update ops.runs set status = 'canceled' where status in ('queued', 'claimed', 'running');
      delete from realtime.messages;
      update public.devices set helper_enabled = false;
      insert into public.device_run_projects (device_id, project_id, user_id)
      select d.id, m.project_id, d.user_id from public.devices d
        join ops.project_memberships m on m.user_id = d.user_id and m.project_id = '${P}'
      on conflict do nothing;`)
  })

  const sql = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    (await database.db.query<T>(text, params)).rows

  async function workflow(definition: unknown, project: string = P) {
    const [row] = await sql<{ id: string }>(
      `insert into ops.workflows (project_id, name, kind, definition) values ($1, 'wf ' || gen_random_uuid(), 'custom', $2) returning id`,
      [project, JSON.stringify(definition)]
    )
    return row!.id
  }

  const queue = (workflowId: string, params: unknown = {}) =>
    runAs(
      database.db,
      developer,
      async (tx) =>
        (
          await tx.query<{ id: string; params: unknown }>(
            "select id, params from ops.queue_run($1, $2)",
            [workflowId, JSON.stringify(params)]
          )
        ).rows[0]!
    )

  const claim = (actor: Actor, project: string | null = null) =>
    runAs(database.db, actor, async (tx) =>
      (
        await tx.query<{ id: string }>("select id from ops.claim_next_run($1, 60)", [project])
      ).rows.map((r) => r.id)
    )

  it("lets the owner choose only projects where they are developer or above, for their own live devices", async () => {
    // Viewer in P2: refused; developer of P2 for someone else's device: refused.
    const viewer = userActor("viewer")
    expect(
      (
        await tryAs(database.db, viewer, (tx) =>
          tx.query(
            `insert into public.device_run_projects (device_id, project_id) values ('${DEVICES.viewer}', '${P2}')`
          )
        )
      ).ok
    ).toBe(false)
    expect(
      (
        await tryAs(database.db, developer, (tx) =>
          tx.query(
            `insert into public.device_run_projects (device_id, project_id) values ('${DEVICES.admin}', '${P2}')`
          )
        )
      ).ok
    ).toBe(false)
    // Nor a project the owner is not in, nor as the device itself.
    expect(
      (
        await tryAs(database.db, developer, (tx) =>
          tx.query(
            `insert into public.device_run_projects (device_id, project_id) values ('${DEVICES.developer}', '${ROWS.strangerProject}')`
          )
        )
      ).ok
    ).toBe(false)
    expect(
      (
        await tryAs(database.db, devWorker, (tx) =>
          tx.query(
            `insert into public.device_run_projects (device_id, project_id) values ('${DEVICES.developer}', '${P2}')`
          )
        )
      ).ok
    ).toBe(false)
  })

  it("claims only runs of projects enabled on the claiming device", async () => {
    const other = await workflow({ version: 1, steps: [{ name: "x", run: "true" }] }, P2)
    const mine = await workflow({ version: 1, steps: [{ name: "x", run: "true" }] })
    const foreign = await queue(other)
    // Not enabled: the device gets nothing, and the run stays queued for a device that is.
    expect(await claim(devWorker, P2)).toEqual([])
    expect(await claim(devWorker)).toEqual([])
    expect((await sql("select status from ops.runs where id = $1", [foreign.id]))[0]).toEqual({
      status: "queued",
    })
    const own = await queue(mine)
    expect(await claim(devWorker, P)).toEqual([own.id])
    // The admin's device has P enabled but P2 is not the admin's: nothing.
    expect(await claim(adminWorker, P2)).toEqual([])
  })

  it("checks params against the inputs when a run is queued and fills defaults", async () => {
    const id = await workflow({
      version: 1,
      inputs: { ref: { type: "string", default: "main" }, n: { type: "number" } },
      steps: [{ name: "x", run: "true" }],
    })
    expect((await queue(id, { n: 2 })).params).toEqual({ ref: "main", n: 2 })
    for (const [params, message] of [
      [{}, 'Input "n" is required'],
      [{ n: "2" }, 'Input "n" must be a number'],
      [{ n: 2, other: true }, 'Unknown input "other"'],
    ] as const) {
      const error = await failureAs(database.db, developer, (tx) =>
        tx.query("select ops.queue_run($1, $2)", [id, JSON.stringify(params)])
      )
      expect(error.message).toBe(message)
    }
    // Definitions from before versioning declare no inputs and take any params.
    const legacy = await workflow({ steps: [{ run: "npm ci" }] })
    expect((await queue(legacy, { anything: 1 })).params).toEqual({ anything: 1 })
  })

  it("broadcasts queued runs to enabled workers and a cancel to the holding one", async () => {
    await sql("update public.devices set helper_enabled = true where id in ($1, $2)", [
      DEVICES.developer,
      DEVICES.viewer,
    ])
    const id = await workflow({ version: 1, steps: [{ name: "x", run: "true" }] })
    const run = await queue(id)
    const topics = await sql<{ topic: string; event: string }>(
      "select topic, event from realtime.messages order by topic"
    )
    // The viewer's device has P enabled (fixture) and its helper on, but it is told anyway:
    // the claim refuses it by role; the admin's device has its helper off.
    expect(topics).toEqual([
      { topic: `worker:${DEVICES.developer}`, event: "run.queued" },
      { topic: `worker:${DEVICES.viewer}`, event: "run.queued" },
    ])
    expect(await claim(devWorker, P)).toEqual([run.id])
    await sql("delete from realtime.messages")
    await runAs(database.db, developer, (tx) => tx.query("select ops.cancel_run($1)", [run.id]))
    expect(
      await sql("select topic, event, payload ->> 'run_id' as run_id from realtime.messages")
    ).toEqual([{ topic: `worker:${DEVICES.developer}`, event: "run.canceled", run_id: run.id }])
  })

  it("broadcasts each appended batch of log lines once on run:<id>, readable by the run's members only", async () => {
    const id = await workflow({ version: 1, steps: [{ name: "x", run: "true" }] })
    const run = await queue(id)
    expect(await claim(devWorker, P)).toEqual([run.id])
    await sql("delete from realtime.messages")
    await runAs(database.db, devWorker, (tx) =>
      tx.query("select ops.append_run_log($1, $2)", [
        run.id,
        JSON.stringify(["one", { line: "\u001b[31mtwo\u001b[0m", stream: "stderr" }]),
      ])
    )
    const messages = await sql<{
      topic: string
      event: string
      payload: {
        first_line_no: number
        last_line_no: number
        lines: { line_no: number; attempt: number; line: string; stream: string }[]
      }
    }>("select topic, event, payload from realtime.messages")
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({
      topic: `run:${run.id}`,
      event: "log.appended",
      payload: {
        first_line_no: 1,
        last_line_no: 2,
        lines: [
          { line_no: 1, attempt: 1, line: "one", stream: "stdout" },
          { line_no: 2, attempt: 1, line: "\u001b[31mtwo\u001b[0m", stream: "stderr" },
        ],
      },
    })
    // The broadcast is the only live path for log lines: per-row changes would make Realtime
    // read and check every line for every viewer.
    expect(
      await sql(
        "select 1 from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'ops' and tablename = 'run_logs'"
      )
    ).toEqual([])
    const canRead = (actor: Actor, topic: string) =>
      runAs(
        database.db,
        actor,
        async (tx) =>
          (
            await tx.query(
              "select id from realtime.messages where topic = $1 and set_config('realtime.topic', $1, true) is not null",
              [topic]
            )
          ).rows.length > 0
      )
    expect(await canRead(userActor("viewer"), `run:${run.id}`)).toBe(true)
    expect(await canRead(userActor("stranger"), `run:${run.id}`)).toBe(false)
    expect(await canRead(userActor("viewer"), `run:${run.id}' or true or '`)).toBe(false)
  })

  it("records a canceled run's stop once, for the device that held it only", async () => {
    const id = await workflow({ version: 1, steps: [{ name: "x", run: "true" }] })
    const run = await queue(id)
    expect(await claim(devWorker, P)).toEqual([run.id])
    const stop = (actor: Actor) =>
      runAs(database.db, actor, (tx) =>
        tx.query("select ops.record_run_stopped($1, $2, $3)", [
          run.id,
          JSON.stringify([{ line: "::endgroup::", stream: "system" }]),
          '{"signal": "SIGTERM"}',
        ])
      )
    await expect(stop(devWorker)).rejects.toThrow(/is claimed, not canceled/)
    await runAs(database.db, developer, (tx) => tx.query("select ops.cancel_run($1)", [run.id]))
    await expect(stop(adminWorker)).rejects.toThrow(/not held by this device/)
    await stop(devWorker)
    await expect(stop(devWorker)).rejects.toThrow(/already recorded/)
    expect(await sql("select line, stream from ops.run_logs where run_id = $1", [run.id])).toEqual([
      { line: "::endgroup::", stream: "system" },
    ])
    expect(
      await sql("select data from ops.run_events where run_id = $1 and kind = 'worker.stopped'", [
        run.id,
      ])
    ).toEqual([{ data: { signal: "SIGTERM" } }])
  })
})
