import "server-only"

import { dbId } from "@/lib/db-id"
import { BUCKETS, createSignedUrls } from "@/lib/storage/signed-urls"
import { type Client } from "@/lib/supabase/types"

import { runArtifactSchema } from "./queries"

/** How long a download link lives: enough to start the download, little to leak. */
const DOWNLOAD_URL_SECONDS = 60

export type ArtifactDownload =
  { ok: true; url: string } | { ok: false; status: 404 | 410; reason: string }

/**
 * A signed URL for one artifact of a run, as the caller may read it: the row through RLS on
 * ops.run_artifacts, the bytes through the run-artifacts bucket's policy (whoever sees the
 * run). The URL serves the file as an attachment named after the artifact's last path part.
 */
export async function artifactDownload(
  supabase: Client,
  {
    runId,
    artifactId,
    now = Date.now(),
  }: { runId: string; artifactId: string; now?: number }
): Promise<ArtifactDownload> {
  const run = dbId.safeParse(runId)
  const artifact = dbId.safeParse(artifactId)
  const notFound = {
    ok: false,
    status: 404,
    reason: "No such artifact.",
  } as const
  if (!run.success || !artifact.success) return notFound
  const { data, error } = await supabase
    .schema("ops")
    .from("run_artifacts")
    .select(
      "id, key, size_bytes, sha256, content_type, storage_path, expires_at, created_at"
    )
    .eq("id", artifact.data)
    .eq("run_id", run.data)
    .maybeSingle()
  if (error) throw new Error(`artifactDownload: ${error.code} ${error.message}`)
  if (!data) return notFound
  const row = runArtifactSchema.parse(data)
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now)
    return { ok: false, status: 410, reason: "This artifact has expired." }
  if (row.storage_path === null)
    return {
      ok: false,
      status: 404,
      reason: "The worker did not upload this file.",
    }
  const urls = await createSignedUrls(
    supabase,
    BUCKETS.runArtifacts,
    [row.storage_path],
    {
      expiresIn: DOWNLOAD_URL_SECONDS,
      download: row.key.split("/").at(-1) ?? row.key,
    }
  )
  const url = urls.get(row.storage_path)
  if (!url)
    return {
      ok: false,
      status: 404,
      reason: "Storage no longer holds this file.",
    }

  return { ok: true, url }
}
