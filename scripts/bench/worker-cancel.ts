// `npm run bench:runs:cancel`: how fast a cancel from the console reaches a running step, on
// Postgres (DATABASE_URL, default the local CI server), with the worker, the runs routes (in
// process) and a local stack with Realtime (agent/worker/worker-harness.ts). Each round
// queues a run whose step traps SIGTERM and writes the time it got it, waits until the step
// runs, then cancels it as the console does (`ops.cancel_run` through REST with the user's
// token) and measures cancel sent → SIGTERM received by the step. The worker hears of the
// cancel on Realtime; its lease heartbeat (every 20 s) would be the fallback, so a figure
// near 20 s means Realtime was not heard. Yardstick: the same cancel_run call's own round
// trip, in the same run. The issue's target: within 2 s.
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { register } from "node:module"
import os, { tmpdir } from "node:os"
import path from "node:path"

import { createClient } from "@supabase/supabase-js"
import { WebSocket } from "ws"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const ROUNDS = Number(process.argv[2] ?? 20)
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
  const dataDir = await mkdtemp(path.join(tmpdir(), "lmx-bench-cancel-"))
  const marks = await mkdtemp(path.join(tmpdir(), "lmx-bench-cancel-marks-"))
  const token = await userToken()
  const owner = createClient(stack.url, stack.keys.anonKey, {
    accessToken: async () => token,
    // realtime-js types its transport as the DOM WebSocket constructor; ws is compatible.
    realtime: {
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
    },
  })
  const abort = new AbortController()
  const ended = new Map<string, () => void>()
  const worker = runWorker({
    api: createWorkerApi({
      server: HARNESS.server,
      secret: HARNESS.secret,
      fetch: fetchImpl,
    }),
    dataDir,
    localConfig: { postgres: {} },
    env: { ...process.env, LMX_BENCH_MARKS: marks },
    log: () => {},
    error: (text) => console.error(`worker: ${text}`),
    signal: abort.signal,
    onOutcome: (execution) => ended.get(execution.run.id)?.(),
  })
  try {
    console.log(
      `worker cancel bench on ${process.env.LMX_TEST_ENGINE}, ${ROUNDS} rounds; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`
    )
    const workflowId = (
      await stack.db.query<{ id: string }>(
        `insert into ops.workflows (project_id, name, kind, definition)
         values ($1, 'bench cancel', 'custom', $2) returning id`,
        [
          HARNESS.project,
          JSON.stringify({
            version: 1,
            steps: [
              {
                name: "Wait for the cancel",
                // `date +%s%3N`: milliseconds since the epoch, the clock Date.now() reads.
                run: `trap 'date +%s%3N > "$LMX_BENCH_MARKS/$LMX_RUN_ID"; exit 143' TERM; echo started; while true; do sleep 0.05; done`,
              },
            ],
          }),
        ]
      )
    ).rows[0]!.id

    const toSigterm: number[] = []
    const rpc: number[] = []
    for (let round = 0; round < ROUNDS; round += 1) {
      const queued = await owner.schema("ops").rpc("queue_run", { p_workflow_id: workflowId })
      if (queued.error) throw queued.error
      const runId = (queued.data as { id: string }).id
      const done = new Promise<void>((resolve) => ended.set(runId, resolve))
      // Running: its first line is in the log.
      for (;;) {
        const { rows } = await stack.db.query(
          "select 1 from ops.run_logs where run_id = $1 and line = 'started'",
          [runId]
        )
        if (rows.length > 0) break
        await sleep(20)
      }
      const sent = Date.now()
      const canceled = await owner.schema("ops").rpc("cancel_run", { p_run_id: runId })
      rpc.push(Date.now() - sent)
      if (canceled.error) throw canceled.error
      await done
      const mark = Number((await readFile(path.join(marks, runId), "utf8")).trim())
      toSigterm.push(mark - sent)
    }
    console.log(line("cancel sent → SIGTERM in the step", toSigterm))
    console.log(line("yardstick: the cancel_run call's round trip", rpc))
    record({
      name: "runs-worker.cancel_to_sigterm.p95",
      label:
        "cancel in the console → SIGTERM in the step p95 (yardstick: the cancel_run round trip)",
      value: percentile(toSigterm, 95),
      unit: "ms",
      yardstick: percentile(rpc, 95),
      target: "< 2000 ms",
      check: (value) => value < 2000,
    })
  } finally {
    abort.abort()
    await worker
    owner.realtime.disconnect()
    await stack.stop()
    await rm(dataDir, { recursive: true, force: true })
    await rm(marks, { recursive: true, force: true })
  }
}

await main()
process.exit(0)
