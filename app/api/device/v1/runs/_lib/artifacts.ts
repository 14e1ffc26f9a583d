import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { type AuthenticatedDevice } from "../../_lib/authenticate"
import { UpstreamError } from "../../_lib/http"

/** The private bucket of run artifacts (20261203012000_storage_buckets.sql). */
export const RUN_ARTIFACTS_BUCKET = "run-artifacts"

/**
 * Where an artifact's bytes live: run-artifacts/<project_id>/<run_id>/<key>. The storage
 * policies read the first two folders; the key (already checked: no empty or .. folder) may
 * add folders of its own.
 */
export function artifactStoragePath(
  projectId: string,
  runId: string,
  key: string
): string {
  return `${dbId.parse(projectId)}/${dbId.parse(runId)}/${key}`
}

/**
 * The project of a run this device holds (claimed by it, claimed or running), or null. The
 * lease itself is checked where it matters: by the storage policy when the upload URL is
 * signed, and by add_run_artifact when the artifact is recorded.
 */
export async function heldRunProject(
  device: AuthenticatedDevice,
  runId: string
): Promise<string | null> {
  const { data, error } = await device.supabase
    .schema("ops")
    .from("runs")
    .select("project_id")
    .eq("id", runId)
    .eq("claimed_by", device.id)
    .in("status", ["claimed", "running"])
    .maybeSingle()
  if (error) throw new UpstreamError("held run", error)

  return data ? z.object({ project_id: dbId }).parse(data).project_id : null
}
