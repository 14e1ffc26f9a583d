import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { runClaimSchema, type ClaimedRun } from "@/lib/devices/runs-schema"

import { queueRefusal, readBody, runsRequest } from "../_lib/runs"
import { readWorkerSettings, WORKER_DISABLED_MESSAGE } from "../_lib/settings"
import { recordWorkerSeen } from "../_lib/worker-seen"
import {
  REVOKED_MESSAGE,
  type AuthenticatedDevice,
} from "../../_lib/authenticate"
import { errorResponse, jsonResponse, UpstreamError } from "../../_lib/http"

const claimedRowSchema = z.object({
  id: dbId,
  project_id: dbId,
  workflow_id: dbId,
  status: z.string(),
  params: z.record(z.string(), z.unknown()),
  attempts: z.int(),
  max_attempts: z.int(),
  lease_expires_at: z.string(),
})

/** The enabled project whose queue head comes first in claim order, or null. */
async function nextProject(
  device: AuthenticatedDevice,
  projectIds: string[]
): Promise<string | null> {
  const { data, error } = await device.supabase
    .schema("ops")
    .from("runs")
    .select("project_id")
    .eq("status", "queued")
    .in("project_id", projectIds)
    .order("priority", { ascending: false })
    .order("queued_at")
    .order("id")
    .limit(1)
  if (error) throw new UpstreamError("runs queue head", error)

  return (
    z.array(z.object({ project_id: dbId })).parse(data)[0]?.project_id ?? null
  )
}

/**
 * Claims the next queued run of a project this device runs jobs for, with its workflow.
 * claim_next_run is asked for one project at a time: the database leaves other projects'
 * runs alone for this device (runs_guard_claim), so asking for "any" could stall behind
 * one of them. A run lost to another worker between the look and the claim is looked for
 * again, a few times.
 */
export async function POST(request: Request) {
  return runsRequest("claim", request, async (device) => {
    const input = await readBody(request, runClaimSchema)
    if (!input.ok) return input.response
    const { lease_seconds, project_id: hint } = input.value

    const [settings] = await Promise.all([
      readWorkerSettings(device),
      recordWorkerSeen(device),
    ])
    if (!settings) return errorResponse(401, "device_revoked", REVOKED_MESSAGE)
    if (!settings.enabled) {
      return errorResponse(403, "worker_disabled", WORKER_DISABLED_MESSAGE)
    }
    if (hint && !settings.projectIds.includes(hint)) {
      return errorResponse(
        403,
        "project_not_enabled",
        "This device does not run jobs for that project; its owner can add it on the device's page."
      )
    }

    if (settings.projectIds.length === 0) return jsonResponse({ run: null })

    let claimed: z.infer<typeof claimedRowSchema> | undefined
    for (let attempt = 0; attempt < 3 && !claimed; attempt += 1) {
      const project =
        attempt === 0 && hint
          ? hint
          : await nextProject(device, settings.projectIds)
      if (!project) break
      const { data, error } = await device.supabase
        .schema("ops")
        .rpc("claim_next_run", {
          p_project_id: project,
          p_lease_seconds: lease_seconds,
        })
      if (error) return queueRefusal("claim_next_run", error)
      claimed = z.array(claimedRowSchema).parse(data)[0]
    }
    if (!claimed) return jsonResponse({ run: null })

    const { data: workflow, error } = await device.supabase
      .schema("ops")
      .from("workflows")
      .select("name, kind, definition")
      .eq("id", claimed.workflow_id)
      .single()
    if (error) throw new UpstreamError("claimed run's workflow", error)
    const run: ClaimedRun = { ...claimed, workflow }

    return jsonResponse({ run })
  })
}
