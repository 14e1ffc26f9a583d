// `npm run bench:runs:worker`: the device-side figures of the runs issue, on Postgres
// (DATABASE_URL, default the local CI server), with the worker, the runs routes (in process)
// and a local stack with Realtime:
//   1. log line written by a step → delivered to a subscriber of the run, as the run page
//      subscribes ("log.appended" broadcasts on the private topic run:<id>), while the step
//      writes 1,000 lines/s; yardstick: single lines inserted straight into ops.run_logs of
//      another run → its subscriber, in the same run.
//   2. queued → claimed by an idle worker (Realtime wake-up; its poll is set to 60 s so a
//      poll never answers); yardstick: one claim_next_run round trip as the device.
// Absolute figures depend on the machine's load; the ratios are what to compare.
import { mkdtemp, rm } from "node:fs/promises"
import { register } from "node:module"
import { tmpdir } from "node:os"
import path from "node:path"

import { createClient } from "@supabase/supabase-js"
import { WebSocket } from "ws"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const SECONDS = Number(process.argv[2] ?? 6)
const CLAIMS = Number(process.argv[3] ?? 30)
const RATE = 1000
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function line(label: string, samples: number[]) {
  return `${label}: n=${samples.length} median ${formatMs(median(samples))}, p95 ${formatMs(percentile(samples, 95))}`
}

async function main() {
  process.env.LMX_TEST_ENGINE = "postgres"
  process.env.DATABASE_URL ||= "postgres://lmx_ci:lmx_ci@127.0.0.1:5432/lmx_dev"
  // The route handlers import "server-only", which throws outside Next's server build.
  register(
    `data:text/javascript,${encodeURIComponent(`export async function resolve(specifier, context, next) {
      return specifier === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(specifier, context)
    }`)}`
  )
  const { HARNESS, startWorkerHarness } = await import("../../agent/worker/worker-harness")
  const { createWorkerApi } = await import("../../agent/worker/api")
  const { runWorker } = await import("../../agent/worker/worker")
  const { stack, fetch: fetchImpl, userToken } = await startWorkerHarness()
  const dataDir = await mkdtemp(path.join(tmpdir(), "lmx-bench-worker-"))
  const api = createWorkerApi({ server: HARNESS.server, secret: HARNESS.secret, fetch: fetchImpl })
  const claims = JSON.stringify({ sub: HARNESS.user, role: "authenticated", aud: "authenticated" })
  const asOwner = async <T>(text: string, params: unknown[]) =>
    stack.db.transaction(async (tx) => {
      await tx.query("select set_config('request.jwt.claims', $1, true)", [claims])
      await tx.query("set local role authenticated")
      return (await tx.query<T & Record<string, unknown>>(text, params)).rows[0]!
    })
  const workflow = async (definition: unknown) =>
    (
      await stack.db.query<{ id: string }>(
        `insert into ops.workflows (project_id, name, kind, definition) values ($1, 'bench ' || gen_random_uuid(), 'custom', $2) returning id`,
        [HARNESS.project, JSON.stringify(definition)]
      )
    ).rows[0]!.id
  const queue = (workflowId: string) =>
    asOwner<{ id: string }>("select id from ops.queue_run($1)", [workflowId])

  const token = await userToken()
  const subscriber = createClient(stack.url, stack.keys.anonKey, {
    accessToken: async () => token,
    // realtime-js types its transport as the DOM WebSocket constructor; ws is compatible.
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  })
  await subscriber.realtime.setAuth(token)
  const abort = new AbortController()
  try {
    console.log(
      `runs worker bench on ${process.env.LMX_TEST_ENGINE}; load average ${(await import("node:os"))
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`
    )

    // 1. Log delivery. Each way of following the log is measured on its own stream, so one
    // does not queue behind the other in the same Realtime server.
    const subscribed = (channel: ReturnType<typeof subscriber.channel>) =>
      new Promise<void>((resolve, reject) =>
        channel.subscribe((status, error) => {
          if (status === "SUBSCRIBED") resolve()
          else if (status === "CHANNEL_ERROR" || status === "TIMED_OUT")
            reject(error ?? new Error(status))
        })
      )
    const stampOf = (text: unknown) => /^L \d+ (\d+(?:\.\d+)?)$/.exec(String(text ?? ""))?.[1]

    // Yardstick first, on a quiet stack: single-line batches appended straight to the
    // ops.run_logs of a run no worker takes (its project is not enabled on the device), one by
    // one at 20/s, heard by a "log.appended" subscriber of that run: the same path with no
    // worker, no batching and no load.
    const [{ id: otherWorkflow }] = (
      await stack.db.query<{ id: string }>(
        `insert into ops.workflows (project_id, name, kind, definition) values ($1, 'yardstick', 'custom', '{}') returning id`,
        [HARNESS.otherProject]
      )
    ).rows as [{ id: string }]
    const yardRun = await asOwner<{ id: string }>("select id from ops.queue_run($1)", [
      otherWorkflow,
    ])
    const direct: number[] = []
    const sentAt = new Map<number, number>()
    const yardChannel = subscriber
      .channel(`run:${yardRun.id}`, { config: { private: true } })
      .on("broadcast", { event: "log.appended" }, ({ payload }) => {
        const sent = sentAt.get(Number((payload as { first_line_no?: unknown }).first_line_no))
        if (sent !== undefined) direct.push(now() - sent)
      })
    await subscribed(yardChannel)
    for (let i = 1; i <= 100; i++) {
      sentAt.set(i, now())
      await stack.db.query(
        "insert into ops.run_logs (run_id, project_id, line_no, line) values ($1, $2, $3, 'yardstick')",
        [yardRun.id, HARNESS.otherProject, i]
      )
      await sleep(50)
    }
    await sleep(1000)
    await subscriber.removeChannel(yardChannel)
    console.log(line("yardstick: one line appended → log.appended subscriber", direct))

    const streamWorkflow = await workflow({
      version: 1,
      steps: [
        {
          name: "Write 1000 lines a second",
          // Each line carries the time it was written, on the clock the subscriber reads.
          run: `node -e "let n=0;const end=Date.now()+${SECONDS * 1000};const t=setInterval(()=>{for(let i=0;i<10;i++)console.log('L '+(++n)+' '+(performance.timeOrigin+performance.now()));if(Date.now()>end)clearInterval(t)},10)"`,
        },
      ],
    })
    async function stream() {
      const run = await queue(streamWorkflow)
      const delays: number[] = []
      const channel = subscriber
        .channel(`run:${run.id}`, { config: { private: true } })
        .on("broadcast", { event: "log.appended" }, ({ payload }) => {
          const arrived = now()
          const lines = (payload as { lines?: { line?: unknown }[] | null }).lines ?? []
          for (const entry of lines) {
            const written = stampOf(entry.line)
            if (written) delays.push(arrived - Number(written))
          }
        })
      await subscribed(channel)
      await runWorker({
        api,
        dataDir,
        localConfig: { postgres: {} },
        log: () => {},
        error: (text) => console.error(text),
        once: true,
        pollMinMs: 50,
      })
      const written = (
        await stack.db.query<{ n: number }>(
          "select count(*)::int as n from ops.run_logs where run_id = $1 and line like 'L %'",
          [run.id]
        )
      ).rows[0]!.n
      // Let Realtime deliver what it still holds: until nothing new arrives for 3 s (or 60 s).
      for (
        let last = -1, quietSince = Date.now(), started = Date.now();
        Date.now() - started < 60_000;
      ) {
        if (delays.length !== last) {
          last = delays.length
          quietSince = Date.now()
        } else if (Date.now() - quietSince > 3000 || delays.length >= written) break
        await sleep(200)
      }
      await subscriber.removeChannel(channel)
      console.log(
        line(
          `log line → log.appended subscriber at ${RATE} lines/s (${delays.length} of ${written} lines)`,
          delays
        )
      )
      record({
        name: "runs-worker.log_to_page.p95",
        label: `log line → run page subscriber p95 at ${RATE} lines/s (yardstick: one line appended → subscriber)`,
        value: percentile(delays, 95),
        unit: "ms",
        yardstick: percentile(direct, 95),
        target: "< 250 ms",
        check: (value) => value < 250,
      })
    }
    await stream()

    // 2. Queued → claimed, with an idle worker woken by Realtime.
    const quick = await workflow({ version: 1, steps: [{ name: "Nothing", run: "true" }] })
    const idle = runWorker({
      api,
      dataDir,
      localConfig: { postgres: {} },
      log: () => {},
      error: (text) => console.error(text),
      signal: abort.signal,
      pollMinMs: 60_000,
      pollMaxMs: 60_000,
    })
    await sleep(2000)
    const waits: number[] = []
    for (let i = 0; i < CLAIMS; i++) {
      const queued = await queue(quick)
      for (;;) {
        const [row] = (
          await stack.db.query<{ status: string; ms: number | null }>(
            "select status, extract(epoch from (claimed_at - queued_at)) * 1000 as ms from ops.runs where id = $1",
            [queued.id]
          )
        ).rows
        if (
          row &&
          row.status !== "queued" &&
          row.status !== "claimed" &&
          row.status !== "running"
        ) {
          if (row.ms !== null) waits.push(Number(row.ms))
          break
        }
        await sleep(20)
      }
    }
    console.log(line("queued → claimed (idle worker, Realtime wake-up)", waits))
    const direct2: number[] = []
    const device = JSON.stringify({
      sub: HARNESS.user,
      role: "authenticated",
      aud: "authenticated",
      device_id: HARNESS.device,
    })
    for (let i = 0; i < CLAIMS; i++) {
      const started = now()
      await stack.db.transaction(async (tx) => {
        await tx.query("select set_config('request.jwt.claims', $1, true)", [device])
        await tx.query("set local role authenticated")
        await tx.query("select id from ops.claim_next_run($1, 60)", [HARNESS.project])
      })
      direct2.push(now() - started)
    }
    console.log(line("yardstick: one claim_next_run round trip (empty queue)", direct2))
    record({
      name: "runs-worker.queued_to_claimed.p95",
      label: "queued → claimed p95, idle worker (yardstick: one claim_next_run round trip)",
      value: percentile(waits, 95),
      unit: "ms",
      yardstick: percentile(direct2, 95),
      target: "< 200 ms",
      check: (value) => value < 200,
    })
    abort.abort()
    await idle
  } finally {
    abort.abort()
    subscriber.realtime.disconnect()
    await stack.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
process.exit(0)
