import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

// "Projects this device runs jobs for" (public.device_run_projects, default none): the
// device's worker claims runs of these projects only. The owner may choose any project where
// they are developer or above; RLS refuses the rest (20261203010000_runs_worker.sql).

export const RUN_PROJECT_ROLES = ["owner", "admin", "developer"] as const

export type DeviceRunProjects = {
  /** Projects the owner may choose: developer or above. */
  eligible: { id: string; name: string }[]
  /** Chosen now. */
  enabled: string[]
}

const membershipSchema = z.array(
  z.object({
    project_id: dbId,
    projects: z.object({ name: z.string() }).nullable(),
  })
)

export async function getDeviceRunProjects(
  supabase: Client,
  { userId, deviceId }: { userId: string; deviceId: string }
): Promise<DeviceRunProjects> {
  const [memberships, enabled] = await Promise.all([
    supabase
      .schema("ops")
      .from("project_memberships")
      .select("project_id, projects(name)")
      .eq("user_id", userId)
      .in("role", [...RUN_PROJECT_ROLES])
      .limit(1000),
    supabase
      .from("device_run_projects")
      .select("project_id")
      .eq("device_id", deviceId)
      .limit(1000),
  ])
  if (memberships.error) {
    throw new Error(
      `getDeviceRunProjects: ${memberships.error.code} ${memberships.error.message}`
    )
  }
  if (enabled.error) {
    throw new Error(
      `getDeviceRunProjects: ${enabled.error.code} ${enabled.error.message}`
    )
  }

  return {
    eligible: membershipSchema
      .parse(memberships.data)
      .map((m) => ({ id: m.project_id, name: m.projects?.name ?? "Project" }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    enabled: z
      .array(z.object({ project_id: dbId }))
      .parse(enabled.data)
      .map((row) => row.project_id)
      .sort(),
  }
}

/**
 * Makes the device's chosen projects exactly `projectIds`: removes the others, adds the new
 * ones. Under the owner's session, so RLS decides; a project the owner may not choose makes
 * the insert fail with 42501 and nothing is added.
 */
export async function setDeviceRunProjects(
  supabase: Client,
  { deviceId, projectIds }: { deviceId: string; projectIds: string[] }
): Promise<{ ok: true } | { ok: false; forbidden: boolean; message: string }> {
  const remove = supabase
    .from("device_run_projects")
    .delete()
    .eq("device_id", deviceId)
  const removed = await (projectIds.length > 0
    ? remove.not("project_id", "in", `(${projectIds.join(",")})`)
    : remove)
  if (removed.error) {
    return { ok: false, forbidden: false, message: removed.error.message }
  }
  if (projectIds.length === 0) return { ok: true }
  const added = await supabase.from("device_run_projects").upsert(
    projectIds.map((project_id) => ({ device_id: deviceId, project_id })),
    { onConflict: "device_id,project_id", ignoreDuplicates: true }
  )
  if (added.error) {
    return {
      ok: false,
      forbidden: added.error.code === "42501",
      message: added.error.message,
    }
  }

  return { ok: true }
}
