// `npm run dev`'s demo worker: the seeded "Studio Mac" working runs through the real device
// API as `npm run device -- worker` would, for the one project the seed enables on it ("Live
// Demo", supabase/seed_runs_worker.sql), whose workflow only prints coloured lines. So the
// demo has a running run whose log keeps growing. Its folders live under .local/.
import path from "node:path"

import { type Queryable } from "@lmx/supabase-local/db/types"

import { sleep } from "../agent/backoff"
import { createWorkerApi, WorkerApiError } from "../agent/worker/api"
import { runWorker } from "../agent/worker/worker"
import { DEMO_DEVICE_SECRET } from "./dev-demo-heartbeat"

const DEMO_USER = "00000000-0000-4000-a000-000000000001"
const DEMO_WORKFLOW = "00000000-0000-4000-c100-0000000000d1"

/**
 * Queues a run of "Tail the demo log" as the demo user when none is queued, claimed or running,
 * so the demo keeps a live run however many times `npm run dev` restarts: each stop hands the
 * run back through its lease and costs an attempt, and after max_attempts (20) restarts, or a day
 * of streaming, the seeded run ends. Resolves with the new run's id, or null when one is live
 * already (or the demo data is absent).
 */
export async function queueDemoRunIfIdle(db: {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
}): Promise<string | null> {
  return db.transaction(async (tx) => {
    await tx.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify({ sub: DEMO_USER, role: "authenticated", aud: "authenticated" }),
    ])
    await tx.query("set local role authenticated")
    // As the demo user, through the same function the Runs page's "Run workflow" calls (it
    // checks the demo may operate the project and writes the queued event and audit entry).
    const { rows } = await tx.query<{ id: string }>(
      `select (ops.queue_run(w.id)).id
         from ops.workflows w
        where w.id = $1
          and w.archived_at is null
          and not exists (
            -- Live: queued, or held with its lease running or attempts left to retry it.
            select 1 from ops.runs r
             where r.workflow_id = w.id
               and (r.status = 'queued'
                    or (r.status in ('claimed', 'running')
                        and (r.lease_expires_at > pg_catalog.now() or r.attempts < r.max_attempts))))`,
      [DEMO_WORKFLOW]
    )

    return rows[0]?.id ?? null
  })
}

export async function runDemoWorker({
  appUrl,
  root,
  log = (line) => console.log(line),
  signal,
  fetch: fetchImpl,
}: {
  appUrl: string
  root: string
  log?: (line: string) => void
  signal?: AbortSignal
  /** The device API's transport (tests hand requests to the routes in process). */
  fetch?: typeof fetch
}): Promise<void> {
  const api = createWorkerApi({
    server: appUrl,
    secret: DEMO_DEVICE_SECRET,
    fetch: fetchImpl,
    // next dev compiles each route on its first request; give it time.
    timeoutMs: 120_000,
  })
  // Wait for the app (it is still starting) before the worker's first call.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await api.session()
      break
    } catch (error) {
      if (error instanceof WorkerApiError && error.status >= 400 && error.status < 500) {
        log(`Demo worker not started: ${error.message}`)
        return
      }
      if (attempt >= 60 || signal?.aborted) return
      await sleep(2000)
    }
  }
  const code = await runWorker({
    api,
    dataDir: path.join(root, ".local", "demo-worker"),
    localConfig: { postgres: {} },
    log: (line) => log(`Demo worker: ${line}`),
    error: (line) => log(`Demo worker: ${line}`),
    signal,
  })
  if (code !== 0) log("Demo worker stopped.")
}
