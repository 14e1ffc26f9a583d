// The files a session's messages carry (docs/storage.md, "Chat attachments"), with a signed
// URL each, made as the signed-in user: on the server for the first render, in the browser when
// Realtime says an attachment arrived. An image is shown inline, any other file is a download,
// and the browser fetches both straight from Storage.
import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { BUCKETS, createSignedUrls } from "@/lib/storage/signed-urls"
import { type Client } from "@/lib/supabase/types"

/**
 * An hour: images below the fold load lazily, long after the page was made, and a reader may
 * keep a session open for a while. A reload makes new URLs.
 */
export const ATTACHMENT_URL_SECONDS = 60 * 60

/** Types a browser shows inline as an image (SVG is a download: it may carry script). */
const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp|avif)$/

const attachmentRowSchema = z.object({
  id: dbId,
  message_id: dbId,
  object_path: z.string(),
  name: z.string(),
  mime_type: z.string(),
  size_bytes: z.union([z.number(), z.string()]).transform(Number),
  uploaded_at: z.string().nullable(),
})

export type SessionAttachment = {
  id: string
  name: string
  mimeType: string
  sizeBytes: number
  inline: boolean
  /** Null when Storage has no such object for the reader (not uploaded yet, or removed). */
  url: string | null
  /** False while the device is still sending the bytes. */
  uploaded: boolean
}

/** Attachments by message id, in the order they were recorded. */
export type SessionAttachments = Record<string, SessionAttachment[]>

export async function listSessionAttachments(
  supabase: Client,
  sessionId: string
): Promise<SessionAttachments> {
  const { data, error } = await supabase
    .from("message_attachments")
    .select(
      "id, message_id, object_path, name, mime_type, size_bytes, uploaded_at"
    )
    .eq("session_id", dbId.parse(sessionId))
    .order("created_at")
    .order("id")
    .limit(1000)
  if (error) throw error
  const rows = z.array(attachmentRowSchema).parse(data)
  if (rows.length === 0) return {}

  // Files still on their way have nothing to sign yet.
  const stored = rows.filter((row) => row.uploaded_at !== null)
  const inline = stored.filter((row) => INLINE_IMAGE.test(row.mime_type))
  const files = stored.filter((row) => !INLINE_IMAGE.test(row.mime_type))
  const [inlineUrls, downloadUrls] = await Promise.all([
    createSignedUrls(
      supabase,
      BUCKETS.chatAttachments,
      inline.map((row) => row.object_path),
      { expiresIn: ATTACHMENT_URL_SECONDS }
    ),
    // The name is in the path already; download=true serves it as an attachment by that name.
    createSignedUrls(
      supabase,
      BUCKETS.chatAttachments,
      files.map((row) => row.object_path),
      { expiresIn: ATTACHMENT_URL_SECONDS, download: true }
    ),
  ])

  const byMessage: SessionAttachments = {}
  for (const row of rows) {
    const isInline = INLINE_IMAGE.test(row.mime_type)
    const url =
      (isInline ? inlineUrls : downloadUrls).get(row.object_path) ?? null
    ;(byMessage[row.message_id] ??= []).push({
      id: row.id,
      name: row.name,
      mimeType: row.mime_type,
      sizeBytes: row.size_bytes,
      inline: isInline,
      url,
      uploaded: row.uploaded_at !== null,
    })
  }

  return byMessage
}
