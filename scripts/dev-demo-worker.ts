// `npm run dev`'s demo worker: the seeded "Studio Mac" working runs through the real device
// API as `npm run device -- worker` would, for the one project the seed enables on it ("Live
// Demo", supabase/seed_runs_worker.sql), whose workflow only prints coloured lines. So the
// demo has a running run whose log keeps growing. Its folders live under .local/.
import path from "node:path"

import { sleep } from "../agent/backoff"
import { createWorkerApi, WorkerApiError } from "../agent/worker/api"
import { runWorker } from "../agent/worker/worker"
import { DEMO_DEVICE_SECRET } from "./dev-demo-heartbeat"

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
