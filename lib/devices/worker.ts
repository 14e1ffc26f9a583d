import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

// The device as a worker, for its page: whether `npm run device -- worker` is running there
// (public.device_workers, written by the worker's session and claim requests), and the runs
// it holds now. Which projects it serves is the device's run-projects setting (run-projects.ts).

/** Seen within this long: running (the database's private.worker_seen_window()). */
export const WORKER_SEEN_WINDOW_MS = 90_000

const workerRowSchema = z.object({
  started_at: z.string(),
  seen_at: z.string(),
})

const currentRunSchema = z.object({
  id: dbId,
  status: z.enum(["claimed", "running"]),
  claimed_at: z.string().nullable(),
  started_at: z.string().nullable(),
  workflow: z.object({ name: z.string() }).nullable(),
  project: z.object({ name: z.string() }).nullable(),
})
export type WorkerCurrentRun = z.infer<typeof currentRunSchema>

export type DeviceWorker = {
  /** Last check-in and when this stretch of running began; null if it never ran. */
  seen: z.infer<typeof workerRowSchema> | null
  runs: WorkerCurrentRun[]
}

export async function getDeviceWorker(
  supabase: Client,
  { deviceId }: { deviceId: string }
): Promise<DeviceWorker> {
  const [worker, runs] = await Promise.all([
    supabase
      .from("device_workers")
      .select("started_at, seen_at")
      .eq("device_id", deviceId)
      .maybeSingle(),
    supabase
      .schema("ops")
      .from("runs")
      .select(
        "id, status, claimed_at, started_at, workflow:workflows(name), project:projects(name)"
      )
      .eq("claimed_by", deviceId)
      .in("status", ["claimed", "running"])
      .order("claimed_at", { ascending: false })
      .limit(50),
  ])
  if (worker.error)
    throw new Error(
      `getDeviceWorker: ${worker.error.code} ${worker.error.message}`
    )
  if (runs.error)
    throw new Error(`getDeviceWorker: ${runs.error.code} ${runs.error.message}`)

  return {
    seen: worker.data ? workerRowSchema.parse(worker.data) : null,
    runs: z.array(currentRunSchema).parse(runs.data),
  }
}

export type WorkerState = "running" | "stopped" | "never"

/**
 * Running: seen within the window, or holding a run (a worker at its concurrency limit
 * does not poll, but heartbeats its runs' leases).
 */
export function workerState(worker: DeviceWorker, now: number): WorkerState {
  if (worker.runs.length > 0) return "running"
  if (!worker.seen) return "never"

  return now - Date.parse(worker.seen.seen_at) <= WORKER_SEEN_WINDOW_MS
    ? "running"
    : "stopped"
}
