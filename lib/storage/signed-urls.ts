// The console's Storage buckets (docs/storage.md) and the one thing pages do with them:
// signed URLs, created on the server for objects the signed-in user may read, so the browser
// downloads straight from Storage and no bytes pass through Next.js. Always as the caller's
// client (its RLS decides), so the same code signs in the browser for live updates.

import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

export const BUCKETS = {
  chatAttachments: "chat-attachments",
  runArtifacts: "run-artifacts",
} as const

export type Bucket = (typeof BUCKETS)[keyof typeof BUCKETS]

/** A file's own name: one path segment of Storage's S3-safe characters. */
const fileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_!.*'() &$=@;:+,?-]+$/)
  .refine((name) => name !== "." && name !== "..")

/** chat-attachments/<user_id>/<session_id>/<file> (the policies read the first two folders). */
export function attachmentPath(
  userId: string,
  sessionId: string,
  file: string
): string {
  return [dbId.parse(userId), dbId.parse(sessionId), fileName.parse(file)].join(
    "/"
  )
}

/** run-artifacts/<project_id>/<run_id>/<file>. */
export function artifactPath(
  projectId: string,
  runId: string,
  file: string
): string {
  return [dbId.parse(projectId), dbId.parse(runId), fileName.parse(file)].join(
    "/"
  )
}

export type SignedUrlOptions = {
  /** Seconds the URL lives (default 60: long enough to start a download, short enough to leak little). */
  expiresIn?: number
  /** Serve as an attachment; a string names the downloaded file. */
  download?: boolean | string
}

/**
 * Signed URLs for `paths` as the caller's client may read them: a path the caller may not
 * see, or that does not exist, maps to null.
 */
export async function createSignedUrls(
  supabase: Client,
  bucket: Bucket,
  paths: string[],
  { expiresIn = 60, download }: SignedUrlOptions = {}
): Promise<Map<string, string | null>> {
  const urls = new Map<string, string | null>()
  if (paths.length === 0) return urls
  const { data, error } = await supabase.storage
    .from(bucket)
    .createSignedUrls(
      paths,
      expiresIn,
      download === undefined ? undefined : { download }
    )
  if (error) throw error
  for (const entry of data)
    if (entry.path) urls.set(entry.path, entry.signedUrl)
  for (const path of paths) if (!urls.has(path)) urls.set(path, null)

  return urls
}
