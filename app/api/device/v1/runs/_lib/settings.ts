import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { type AuthenticatedDevice } from "../../_lib/authenticate"
import { UpstreamError } from "../../_lib/http"

const settingsRowSchema = z.object({
  helper_enabled: z.boolean(),
  helper_config: z
    .object({
      max_concurrent: z.int().min(1).max(16).optional().catch(undefined),
    })
    .catch({}),
  device_run_projects: z.array(z.object({ project_id: dbId })),
})

export type WorkerSettings = {
  enabled: boolean
  maxConcurrent: number
  projectIds: string[]
}

/**
 * The device's worker settings as its owner set them on the device's page: the "run workflow
 * jobs" helper switch, its concurrency, and the projects it runs jobs for. Read under the
 * device's own JWT, so RLS returns nothing for a revoked device.
 */
export async function readWorkerSettings(
  device: AuthenticatedDevice
): Promise<WorkerSettings | null> {
  const { data, error } = await device.supabase
    .from("devices")
    .select("helper_enabled, helper_config, device_run_projects(project_id)")
    .eq("id", device.id)
    .maybeSingle()
  if (error) throw new UpstreamError("worker settings", error)
  if (!data) return null
  const row = settingsRowSchema.parse(data)

  return {
    enabled: row.helper_enabled,
    maxConcurrent: row.helper_config.max_concurrent ?? 1,
    projectIds: row.device_run_projects.map((p) => p.project_id).sort(),
  }
}

export const WORKER_DISABLED_MESSAGE =
  "This device does not run workflow jobs: turn on “Let this device run workflow jobs” in its settings in the console."
