import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import os from "node:os"
import path from "node:path"
import { gunzipSync } from "node:zlib"

import { serviceClient } from "@lmx/supabase-local/testing/storage"
import {
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
} from "vitest"
import WebSocket from "ws"

import { type Database } from "@/lib/database.types"
import { getDeviceWorker, workerState } from "@/lib/devices/worker"

import { createWorkerApi, WorkerApiError } from "./api"
import { type RunOutcome } from "./run-execution"
import { runWorker } from "./worker"
import { HARNESS, startWorkerHarness } from "./worker-harness"

// The worker end to end against the local stack: the runs routes in process, the database's
// queue functions and triggers, and Realtime for wake-ups and cancels. Every run must end in
// a final state or back in the queue; none may be left claimed by a worker that stopped.

vi.mock("server-only", () => ({}))

let stack: TestStack
let fetchImpl: typeof fetch
let userToken: () => Promise<string>
let dataDir: string

/** An object's bytes in the run-artifacts bucket, read as the service role. */
async function storedBytes(storagePath: string): Promise<Buffer> {
  const { data, error } = await serviceClient(stack)
    .storage.from("run-artifacts")
    .download(storagePath)
  if (error) throw error

  return Buffer.from(await data.arrayBuffer())
}

async function sql<T extends Record<string, unknown>>(
  text: string,
  params: unknown[] = []
) {
  return (await stack.db.query<T>(text, params)).rows
}

/** Queues a run as the owner would, through ops.queue_run with the owner's claims. */
async function queue(
  definition: unknown,
  params: Record<string, unknown> = {},
  project: string = HARNESS.project
) {
  const [workflow] = await sql<{ id: string }>(
    `insert into ops.workflows (project_id, name, kind, definition, max_attempts)
     values ($1, 'wf ' || gen_random_uuid(), 'custom', $2, 3) returning id`,
    [project, JSON.stringify(definition)]
  )
  const claims = JSON.stringify({
    sub: HARNESS.user,
    role: "authenticated",
    aud: "authenticated",
  })
  const run = await stack.db.transaction(async (tx) => {
    await tx.query("select set_config('request.jwt.claims', $1, true)", [
      claims,
    ])
    await tx.query("set local role authenticated")
    return (
      await tx.query<{ id: string }>("select id from ops.queue_run($1, $2)", [
        workflow!.id,
        JSON.stringify(params),
      ])
    ).rows[0]!
  })

  return run.id
}

async function cancel(runId: string) {
  const claims = JSON.stringify({
    sub: HARNESS.user,
    role: "authenticated",
    aud: "authenticated",
  })
  await stack.db.transaction(async (tx) => {
    await tx.query("select set_config('request.jwt.claims', $1, true)", [
      claims,
    ])
    await tx.query("set local role authenticated")
    await tx.query("select ops.cancel_run($1, 'stop it')", [runId])
  })
}

function worker(
  options: {
    once?: boolean
    secret?: string
    leaseSeconds?: number
    outputLimitBytes?: number
    pgDump?: string
    postgres?: Record<string, string>
    signal?: AbortSignal
    onOutcome?: (runId: string, outcome: RunOutcome) => void
  } = {}
) {
  const lines: string[] = []
  const done = runWorker({
    api: createWorkerApi({
      server: HARNESS.server,
      secret: options.secret ?? HARNESS.secret,
      fetch: fetchImpl,
    }),
    dataDir,
    localConfig: { postgres: options.postgres ?? {} },
    pgDump: options.pgDump,
    log: (line) => lines.push(line),
    error: (line) => lines.push(line),
    once: options.once ?? true,
    leaseSeconds: options.leaseSeconds ?? 30,
    outputLimitBytes: options.outputLimitBytes,
    killGraceMs: 2000,
    pollMinMs: 200,
    pollMaxMs: 1000,
    signal: options.signal,
    onOutcome: (execution, outcome) =>
      options.onOutcome?.(execution.run.id, outcome),
  })

  return { done, lines }
}

async function runRow(id: string) {
  const [row] = await sql<{
    status: string
    error: string | null
    attempts: number
    exit_code: number | null
    claimed_by: string | null
  }>(
    "select status, error, attempts, exit_code, claimed_by from ops.runs where id = $1",
    [id]
  )
  return row!
}

async function logLines(id: string) {
  return (
    await sql<{ line: string; stream: string }>(
      "select line, stream from ops.run_logs where run_id = $1 order by line_no",
      [id]
    )
  ).map((row) => row.line)
}

async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe(`the worker against the local stack (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    ;({ stack, fetch: fetchImpl, userToken } = await startWorkerHarness())
    dataDir = await mkdtemp(path.join(os.tmpdir(), "lmx-worker-"))
  })
  afterAll(async () => {
    await stack?.stop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await sql(
      "update ops.runs set status = 'canceled' where status in ('queued', 'claimed', 'running')"
    )
  })

  it("claims, streams each step in a group with its colours, records step events and succeeds", async () => {
    const id = await queue(
      {
        version: 1,
        inputs: { who: { type: "string", default: "world" } },
        steps: [
          {
            name: "Greet",
            run: "printf '\\033[32mhello %s\\033[0m\\n' \"$INPUT_WHO\"; echo oops >&2",
          },
          {
            name: "Nested",
            run: "echo '::group::inner'; echo in; echo '::endgroup::'",
          },
          { name: "Soft fail", run: "exit 3", continue_on_error: true },
        ],
      },
      { who: "runs" }
    )
    const { done } = worker()
    expect(await done).toBe(0)
    expect(await runRow(id)).toMatchObject({
      status: "succeeded",
      attempts: 1,
      exit_code: 0,
    })
    const lines = await logLines(id)
    expect(lines).toEqual(
      expect.arrayContaining([
        "::group::Greet",
        "\u001b[32mhello runs\u001b[0m",
        "oops",
        "::endgroup::",
        "::group::inner",
        "in",
      ])
    )
    expect(lines.indexOf("::group::Greet")).toBeLessThan(
      lines.indexOf("\u001b[32mhello runs\u001b[0m")
    )
    const stderr = await sql(
      "select stream from ops.run_logs where run_id = $1 and line = 'oops'",
      [id]
    )
    expect(stderr).toEqual([{ stream: "stderr" }])
    // The step's own group is a group (a system marker), as the run page's outline reads
    // them: its start and end, and the three steps' ends.
    expect(
      await sql(
        "select stream from ops.run_logs where run_id = $1 and line in ('::group::inner', '::endgroup::') order by line_no",
        [id]
      )
    ).toEqual(Array.from({ length: 5 }, () => ({ stream: "system" })))
    const events = await sql<{ kind: string; data: Record<string, unknown> }>(
      "select kind, data from ops.run_events where run_id = $1 and kind like 'step.%' order by id",
      [id]
    )
    expect(events.map((e) => e.kind)).toEqual([
      "step.started",
      "step.finished",
      "step.started",
      "step.finished",
      "step.started",
      "step.finished",
    ])
    expect(events[5]!.data).toMatchObject({
      index: 2,
      name: "Soft fail",
      exit_code: 3,
      timed_out: false,
      canceled: false,
    })
    expect(typeof events[1]!.data.duration_ms).toBe("number")
    // The run's folder is gone with it.
    expect(existsSync(path.join(dataDir, "runs", id))).toBe(false)
  })

  it("fails a run at its first failing step, with the exit code and the step in the error", async () => {
    const id = await queue({
      version: 1,
      steps: [
        { name: "Break", run: "exit 7" },
        { name: "Never", run: "echo never" },
      ],
    })
    expect(await worker().done).toBe(1)
    expect(await runRow(id)).toMatchObject({
      status: "failed",
      exit_code: 7,
      error: 'Step "Break" failed with exit code 7.',
    })
    expect(await logLines(id)).not.toContain("never")
  })

  it.each([
    ["a definition that fails its schema", {}, /invalid definition/],
    [
      "a working directory outside the run's folder",
      {
        version: 1,
        steps: [{ name: "Out", run: "pwd", working_directory: "../../.." }],
      },
      /outside the run's folder/,
    ],
    [
      "a step over its timeout",
      {
        version: 1,
        steps: [{ name: "Slow", run: "sleep 20", timeout_seconds: 1 }],
      },
      /timed out after 1 s/,
    ],
    [
      "an upload that matches nothing",
      {
        version: 1,
        steps: [
          { name: "Up", uses: "upload-artifact", with: { path: "none/*.tgz" } },
        ],
      },
      /no file matches/,
    ],
    [
      "a backup of a connection this device does not have",
      {
        version: 1,
        steps: [
          {
            name: "Dump",
            uses: "backup-postgres",
            with: { connection: "main" },
          },
        ],
      },
      /no Postgres connection "main"/,
    ],
  ])(
    "ends the run with a clear error for %s",
    async (_, definition, expected) => {
      const id = await queue(definition)
      expect(await worker().done).toBe(1)
      const row = await runRow(id)
      expect(row.status).toBe("failed")
      expect(row.error).toMatch(expected)
      expect(
        (await logLines(id)).some(
          (line) => line.startsWith("::error::") && expected.test(line)
        )
      ).toBe(true)
    }
  )

  it("truncates output over the limit with a marker and fails the run", async () => {
    const id = await queue({
      version: 1,
      steps: [{ name: "Loud", run: "yes lmx | head -c 200000" }],
    })
    expect(await worker({ outputLimitBytes: 10_000 }).done).toBe(1)
    const row = await runRow(id)
    expect(row.error).toMatch(/Output over 10 KB/)
    const lines = await logLines(id)
    expect(lines).toContain(
      "::error::Output truncated: this run wrote more than 10 KB; the rest was dropped and the run failed."
    )
    expect(lines.filter((line) => line === "lmx").length).toBeLessThanOrEqual(
      2500
    )
  })

  it("checks in while it runs, so the device's page shows it running with the run it holds", async () => {
    await sql("delete from public.device_workers")
    const id = await queue({
      version: 1,
      steps: [{ name: "Wait", run: "sleep 2" }],
    })
    const started = worker()
    await waitFor(async () => (await runRow(id)).status === "running")
    const owner = createClient<Database>(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { headers: { Authorization: `Bearer ${await userToken()}` } },
      // Node 20 has no global WebSocket; realtime-js insists on a transport even when unused.
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const seen = await getDeviceWorker(owner, { deviceId: HARNESS.device })
    expect(workerState(seen, Date.now())).toBe("running")
    expect(seen.runs).toMatchObject([
      { id, status: "running", project: { name: "Worker project" } },
    ])
    expect(seen.runs[0]!.workflow?.name).toMatch(/^wf /)
    expect(await started.done).toBe(0)
    // Idle now, still checked in; an hour later without a check-in it reads as stopped.
    const idle = await getDeviceWorker(owner, { deviceId: HARNESS.device })
    expect(idle.runs).toEqual([])
    expect(workerState(idle, Date.now())).toBe("running")
    expect(workerState(idle, Date.now() + 3_600_000)).toBe("stopped")
    // Another device of the same owner never ran a worker.
    expect(
      workerState(
        await getDeviceWorker(owner, { deviceId: HARNESS.otherDevice }),
        Date.now()
      )
    ).toBe("never")
  })

  it("uploads artifacts by glob into Storage and records them with size and sha256", async () => {
    const id = await queue({
      version: 1,
      steps: [
        {
          name: "Make",
          run: "mkdir -p dist && printf abc > dist/a.txt && printf defg > dist/b.txt",
        },
        { name: "Keep", uses: "upload-artifact", with: { path: "dist/*.txt" } },
      ],
    })
    expect(await worker().done).toBe(0)
    const path = (key: string) => `${HARNESS.project}/${id}/${key}`
    expect(
      await sql(
        "select key, size_bytes::int as size, sha256, storage_path from ops.run_artifacts where run_id = $1 order by key",
        [id]
      )
    ).toEqual([
      {
        key: "dist/a.txt",
        size: 3,
        sha256:
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        storage_path: path("dist/a.txt"),
      },
      {
        key: "dist/b.txt",
        size: 4,
        sha256:
          "4c8a43980498636e9c1d1595fa5d115af7937c2422dfe68a2520a52b7a5fb4de",
        storage_path: path("dist/b.txt"),
      },
    ])
    expect((await storedBytes(path("dist/a.txt"))).toString()).toBe("abc")
    expect((await storedBytes(path("dist/b.txt"))).toString()).toBe("defg")
  })

  it("refuses to sign an upload or record stored bytes for a run this device does not hold", async () => {
    const id = await queue({ version: 1, steps: [{ name: "x", run: "true" }] })
    const api = createWorkerApi({
      server: HARNESS.server,
      secret: HARNESS.secret,
      fetch: fetchImpl,
    })
    const meta = {
      key: "x.txt",
      size_bytes: 1,
      sha256: "a".repeat(64),
      content_type: "text/plain",
    }
    // Still queued: nobody holds it.
    await expect(api.artifactUploadUrl(id, meta)).rejects.toMatchObject({
      status: 404,
      code: "run_not_found",
    })
    await expect(
      api.artifactUploadUrl(id, { ...meta, key: "a/../../x" })
    ).rejects.toMatchObject({ status: 422, code: "invalid_request" })
    await expect(
      api.artifactUploadUrl(id, { ...meta, size_bytes: 100 * 1024 * 1024 + 1 })
    ).rejects.toMatchObject({ status: 422, code: "invalid_request" })
    // Claimed by this device, but nothing was put at the URL: the row is refused.
    const run = await api.claim({ lease_seconds: 30 })
    expect(run?.id).toBe(id)
    await expect(
      api.artifact(id, { ...meta, uploaded: true })
    ).rejects.toMatchObject({ status: 422, code: "artifact_not_uploaded" })
    // Another device of the same owner, not holding the run, gets no URL.
    const other = createWorkerApi({
      server: HARNESS.server,
      secret: HARNESS.otherSecret,
      fetch: fetchImpl,
    })
    await expect(other.artifactUploadUrl(id, meta)).rejects.toMatchObject({
      status: 404,
    })
    expect(
      await sql("select 1 from ops.run_artifacts where run_id = $1", [id])
    ).toEqual([])
  })

  it("backs up Postgres with the device's own connection string into a gzip artifact", async () => {
    // A stand-in pg_dump: proves the arguments and writes a known dump to stdout.
    const fake = path.join(dataDir, "fake-pg-dump")
    const argsFile = path.join(dataDir, "fake-pg-dump.args")
    await writeFile(
      fake,
      `#!/bin/sh\necho "$*" > '${argsFile}'\necho "pg_dump: dumping" >&2\nprintf "create table t (id int);\\n"\n`,
      { mode: 0o755 }
    )
    const id = await queue({
      version: 1,
      steps: [
        {
          name: "Dump",
          uses: "backup-postgres",
          with: { connection: "main", key: "db.sql.gz" },
        },
      ],
    })
    const url = "postgres://backup@127.0.0.1:5432/app"
    expect(await worker({ pgDump: fake, postgres: { main: url } }).done).toBe(0)
    const [artifact] = await sql<{
      key: string
      size: number
      sha256: string
      content_type: string
    }>(
      "select key, size_bytes::int as size, sha256, content_type from ops.run_artifacts where run_id = $1",
      [id]
    )
    expect(artifact).toMatchObject({
      key: "db.sql.gz",
      content_type: "application/gzip",
    })
    const [{ storage_path } = { storage_path: "" }] = await sql<{
      storage_path: string
    }>("select storage_path from ops.run_artifacts where run_id = $1", [id])
    expect(storage_path).toBe(`${HARNESS.project}/${id}/db.sql.gz`)
    const kept = await storedBytes(storage_path)
    expect(kept.byteLength).toBe(artifact!.size)
    expect(createHash("sha256").update(kept).digest("hex")).toBe(
      artifact!.sha256
    )
    expect(gunzipSync(kept).toString()).toBe("create table t (id int);\n")
    // The connection string reached pg_dump on the device, and nothing the console stores.
    expect((await readFile(argsFile, "utf8")).trim()).toBe(
      `--no-password --dbname ${url}`
    )
    const lines = await logLines(id)
    expect(lines).toContain("pg_dump: dumping")
    const stored = JSON.stringify([
      lines,
      await sql("select * from ops.run_events where run_id = $1", [id]),
      await sql("select * from ops.run_artifacts where run_id = $1", [id]),
      await sql("select params, error, result from ops.runs where id = $1", [
        id,
      ]),
    ])
    expect(stored).not.toContain("backup@")
  })

  it("never claims a run of a project not enabled on the device", async () => {
    const id = await queue(
      { version: 1, steps: [{ name: "x", run: "true" }] },
      {},
      HARNESS.otherProject
    )
    const api = createWorkerApi({
      server: HARNESS.server,
      secret: HARNESS.secret,
      fetch: fetchImpl,
    })
    expect(await api.claim({ lease_seconds: 30 })).toBeNull()
    await expect(
      api.claim({ lease_seconds: 30, project_id: HARNESS.otherProject })
    ).rejects.toMatchObject({ status: 403, code: "project_not_enabled" })
    expect((await runRow(id)).status).toBe("queued")
  })

  it("refuses to work when the owner turned jobs off", async () => {
    await sql(
      "update public.devices set helper_enabled = false where id = $1",
      [HARNESS.otherDevice]
    )
    try {
      const { done, lines } = worker({ secret: HARNESS.otherSecret })
      expect(await done).toBe(1)
      expect(lines.join("\n")).toMatch(/does not run workflow jobs/)
    } finally {
      await sql(
        "update public.devices set helper_enabled = true where id = $1",
        [HARNESS.otherDevice]
      )
    }
  })

  it("stops a canceled run (SIGTERM), records how, and never completes it", async () => {
    const id = await queue({
      version: 1,
      steps: [{ name: "Wait", run: "echo started; sleep 30" }],
    })
    const abort = new AbortController()
    const outcomes: RunOutcome[] = []
    const { done } = worker({
      once: false,
      signal: abort.signal,
      onOutcome: (_, outcome) => outcomes.push(outcome),
    })
    try {
      await waitFor(async () => (await logLines(id)).includes("started"))
      await cancel(id)
      await waitFor(async () => outcomes.length > 0)
    } finally {
      abort.abort()
      await done
    }
    expect(outcomes).toEqual([{ status: "canceled" }])
    expect((await runRow(id)).status).toBe("canceled")
    const [stopped] = await sql<{ data: Record<string, unknown> }>(
      "select data from ops.run_events where run_id = $1 and kind = 'worker.stopped'",
      [id]
    )
    expect(stopped?.data).toMatchObject({ signal: "SIGTERM" })
    const lines = await logLines(id)
    expect(lines.at(-1)).toBe("::endgroup::")
    expect(
      lines.some((line) => line.startsWith("Canceled: sent SIGTERM"))
    ).toBe(true)
  })

  it("works as many runs at once as the device's setting allows, and no more", async () => {
    // The harness's worker device allows 2 at a time.
    const definition = {
      version: 1,
      steps: [{ name: "Hold", run: "echo started; sleep 3" }],
    }
    const ids = [
      await queue(definition),
      await queue(definition),
      await queue(definition),
    ]
    const abort = new AbortController()
    const outcomes: RunOutcome[] = []
    const { done } = worker({
      once: false,
      signal: abort.signal,
      onOutcome: (_, outcome) => outcomes.push(outcome),
    })
    try {
      const statuses = async () =>
        (
          await sql<{ status: string }>(
            "select status from ops.runs where id = any($1::uuid[]) order by status",
            [ids]
          )
        ).map((row) => row.status)
      await waitFor(
        async () =>
          (await statuses()).filter((status) => status === "running").length ===
          2
      )
      // Two are running; the third waits for one of them to end.
      expect(await statuses()).toEqual(["queued", "running", "running"])
      await waitFor(async () => outcomes.length === 3, 30_000)
    } finally {
      abort.abort()
      await done
    }
    expect(outcomes).toEqual([
      { status: "succeeded", error: null },
      { status: "succeeded", error: null },
      { status: "succeeded", error: null },
    ])
  })

  it("stops the steps it runs when it is stopped itself, completes nothing, and leaves the run to its lease", async () => {
    // A step runs in its own process group: without this, Ctrl-C on the worker (or the end
    // of `npm run dev`, for the demo worker) would leave it running on the machine.
    const id = await queue({
      version: 1,
      steps: [{ name: "Long", run: "echo pid $$; sleep 30" }],
    })
    const abort = new AbortController()
    const { done, lines } = worker({ once: false, signal: abort.signal })
    const pid = await waitFor(async () =>
      Number(
        (await logLines(id))
          .find((line) => line.startsWith("pid "))
          ?.slice("pid ".length)
      )
    )
    abort.abort()
    expect(await done).toBe(0)
    expect(() => process.kill(pid, 0)).toThrow(
      expect.objectContaining({ code: "ESRCH" })
    )
    expect(lines).toContain(
      `Run ${id} was stopped with the worker; nothing was completed.`
    )
    // Not completed: the run is still the (expiring) lease's, for the queue to retry.
    expect(await runRow(id)).toMatchObject({ status: "running", attempts: 1 })
    expect(existsSync(path.join(dataDir, "runs", id))).toBe(false)
  })

  it("stops on a lost lease without completing; the run is retried and its attempts counted", async () => {
    const id = await queue({
      version: 1,
      steps: [{ name: "Long", run: "echo attempt $LMX_RUN_ATTEMPT; sleep 30" }],
    })
    const outcomes: RunOutcome[] = []
    const abort = new AbortController()
    const { done } = worker({
      once: false,
      leaseSeconds: 10,
      signal: abort.signal,
      onOutcome: (_, outcome) => outcomes.push(outcome),
    })
    try {
      await waitFor(async () => (await logLines(id)).includes("attempt 1"))
      // The lease runs out (as if this worker had hung) and the reaper puts the run back.
      await sql(
        "update ops.runs set lease_expires_at = now() - interval '1 second' where id = $1",
        [id]
      )
      await sql("select ops.requeue_expired_runs(10)")
      // Realtime wakes the worker, which claims the run again as attempt 2 and stops the
      // stale attempt 1 without completing it.
      await waitFor(async () => outcomes.length > 0, 15_000)
      expect(outcomes[0]).toEqual({ status: "lease_lost" })
      await waitFor(async () => (await logLines(id)).includes("attempt 2"))
      expect(await runRow(id)).toMatchObject({ status: "running", attempts: 2 })
      await cancel(id)
      await waitFor(async () => outcomes.length > 1)
    } finally {
      abort.abort()
      await done
    }
    expect(outcomes[1]).toEqual({ status: "canceled" })
    const attempts = await sql<{ kind: string }>(
      "select kind from ops.run_events where run_id = $1 and kind in ('lease.expired', 'claimed', 'step.started') order by id",
      [id]
    )
    expect(attempts.filter((e) => e.kind === "step.started")).toHaveLength(2)
  })

  it("fences a late completion: a worker that lost the run is refused and changes nothing", async () => {
    const id = await queue({ version: 1, steps: [{ name: "x", run: "true" }] })
    const api = createWorkerApi({
      server: HARNESS.server,
      secret: HARNESS.secret,
      fetch: fetchImpl,
    })
    const claimed = await api.claim({ lease_seconds: 30 })
    expect(claimed?.id).toBe(id)
    await api.start(id, 30)
    await sql(
      "update ops.runs set lease_expires_at = now() - interval '1 second' where id = $1",
      [id]
    )
    await sql("select ops.requeue_expired_runs(10)")
    const late = await api
      .complete(id, { status: "succeeded", exit_code: 0 })
      .catch((error: unknown) => error)
    expect(late).toBeInstanceOf(WorkerApiError)
    expect(late).toMatchObject({ status: 409, code: "lease_lost" })
    expect(await runRow(id)).toMatchObject({ status: "queued", attempts: 1 })
    await expect(
      api.appendLogs(id, [{ line: "late", stream: "stdout" }])
    ).rejects.toMatchObject({ status: 409 })
  })

  it("kills a canceled step that ignores SIGTERM once the grace period is over, and records SIGKILL", async () => {
    // `trap '' TERM` ignores SIGTERM in the shell and in the sleep it starts (an ignored
    // signal stays ignored across exec), so only SIGKILL ends the step.
    const id = await queue({
      version: 1,
      steps: [
        { name: "Stubborn", run: "trap '' TERM; echo stubborn; sleep 30" },
      ],
    })
    const abort = new AbortController()
    const outcomes: RunOutcome[] = []
    const { done } = worker({
      once: false,
      signal: abort.signal,
      onOutcome: (_, outcome) => outcomes.push(outcome),
    })
    try {
      await waitFor(async () => (await logLines(id)).includes("stubborn"))
      await cancel(id)
      await waitFor(async () => outcomes.length > 0)
    } finally {
      abort.abort()
      await done
    }
    expect(outcomes).toEqual([{ status: "canceled" }])
    const [stopped] = await sql<{ data: Record<string, unknown> }>(
      "select data from ops.run_events where run_id = $1 and kind = 'worker.stopped'",
      [id]
    )
    // The harness's grace period is 2 s (the command's is 10 s).
    expect(stopped?.data).toMatchObject({ signal: "SIGKILL" })
    expect(Number(stopped?.data.stopped_after_ms)).toBeGreaterThanOrEqual(2000)
    expect(
      (await logLines(id)).some((line) =>
        line.startsWith("Canceled: sent SIGTERM, then SIGKILL after 2 s;")
      )
    ).toBe(true)
  })

  it("fails a step whose working directory leads out of the run's folder through a symlink a step made", async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), "lmx-elsewhere-"))
    try {
      // Through a symlink a step made: refused once the real path is known.
      const linked = await queue({
        version: 1,
        steps: [
          { name: "Link", run: `ln -s '${elsewhere}' outside` },
          {
            name: "Escape",
            run: "touch escaped",
            working_directory: "outside",
          },
        ],
      })
      expect(await worker().done).toBe(1)
      const row = await runRow(linked)
      expect(row.status).toBe("failed")
      expect(row.error).toMatch(/^Step "Escape": .*outside/)
      expect(existsSync(path.join(elsewhere, "escaped"))).toBe(false)
    } finally {
      await rm(elsewhere, { recursive: true, force: true })
    }
  })

  it("answers bad bodies and unknown runs with clear 4xx", async () => {
    const post = (pathname: string, body: unknown) =>
      fetchImpl(`${HARNESS.server}/api/device/v1/runs/${pathname}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${HARNESS.secret}`,
        },
        body: JSON.stringify(body),
      })
    expect((await post("claim", { lease_seconds: 5 })).status).toBe(422)
    expect((await post("claim", { extra: true })).status).toBe(422)
    expect(
      (
        await post("not-a-uuid/logs", {
          lines: [{ line: "x", stream: "stdout" }],
        })
      ).status
    ).toBe(404)
    expect((await post(`${HARNESS.project}/logs`, { lines: [] })).status).toBe(
      422
    )
    expect(
      (
        await post(`${HARNESS.project}/logs`, {
          lines: [{ line: "x", stream: "stdout" }],
        })
      ).status
    ).toBe(409)
    expect(
      (await post(`${HARNESS.project}/complete`, { status: "canceled" })).status
    ).toBe(422)
  })
})
