import { z } from "zod"

import { SYNC_CLIENT_ID_MAX } from "@/lib/devices/sync-schema"

// POST /api/device/v1/sync/attachments (docs/device-api.md, "Attachments"): a device records
// the files it found next to the messages it synced, and gets, for each one the console does
// not hold yet, a signed upload URL straight to Storage (the bytes never pass through the
// console). The limits are the chat-attachments bucket's (supabase/config.toml).

/** The chat-attachments bucket's limit: 50 MiB. */
export const ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
/** The types the bucket takes: text, PDF and images. */
export const ATTACHMENT_MIME_TYPES = ["text/*", "application/pdf", "image/*"]
export const ATTACHMENTS_MAX_PER_CALL = 100

/** Whether the bucket takes a type (exact, or `type/*`), as Storage matches them. */
export function attachmentTypeAllowed(mimeType: string): boolean {
  const [type] = mimeType.split("/")

  return (
    ATTACHMENT_MIME_TYPES.includes(mimeType) ||
    ATTACHMENT_MIME_TYPES.includes(`${type}/*`)
  )
}

/** A file's own name: one path segment of Storage's S3-safe characters. */
export const ATTACHMENT_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]{1,255}$/

/** A name Storage accepts, made from whatever the app called the file. */
export function safeAttachmentName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ""
  const cleaned = base
    .normalize("NFC")
    .replace(/[^A-Za-z0-9_!.*'() &$=@;:+,?-]/g, "_")
    .slice(-255)

  return cleaned === "" || cleaned === "." || cleaned === ".."
    ? "attachment"
    : cleaned
}

const clientId = z.string().min(1).max(SYNC_CLIENT_ID_MAX)

export const attachmentItemSchema = z.strictObject({
  session_client_id: clientId,
  message_client_id: clientId,
  name: z
    .string()
    .regex(ATTACHMENT_NAME, "name must be a plain file name.")
    .refine((name) => name !== "." && name !== "..", "name must be a file."),
  mime_type: z
    .string()
    .regex(
      /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/,
      "mime_type is type/subtype."
    )
    .refine(
      attachmentTypeAllowed,
      "Chat attachments take text, PDF and image files only."
    ),
  size_bytes: z
    .int()
    .min(0)
    .max(
      ATTACHMENT_MAX_BYTES,
      `Chat attachments are at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MiB.`
    ),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "sha256 is 64 lower-case hex digits."),
})
export type AttachmentItem = z.infer<typeof attachmentItemSchema>

export const attachmentsRequestSchema = z.strictObject({
  attachments: z
    .array(z.unknown())
    .min(1, "Send at least one attachment.")
    .max(
      ATTACHMENTS_MAX_PER_CALL,
      `Send at most ${ATTACHMENTS_MAX_PER_CALL} attachments per call.`
    ),
})

export const attachmentResultSchema = z.discriminatedUnion("status", [
  /** The console holds these bytes already: nothing to send. */
  z.object({ index: z.int(), status: z.literal("stored"), path: z.string() }),
  /** PUT the bytes to upload_url (two hours), with the file's content type. */
  z.object({
    index: z.int(),
    status: z.literal("upload"),
    path: z.string(),
    upload_url: z.url(),
  }),
  z.object({
    index: z.int(),
    status: z.literal("rejected"),
    reason: z.enum(["invalid", "too_large", "type_not_allowed", "not_found"]),
    message: z.string(),
  }),
])
export type AttachmentResult = z.infer<typeof attachmentResultSchema>

export const attachmentsResponseSchema = z.object({
  results: z.array(attachmentResultSchema),
})
export type AttachmentsResponse = z.infer<typeof attachmentsResponseSchema>
