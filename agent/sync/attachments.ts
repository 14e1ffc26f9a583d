import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { open, readFile, stat } from "node:fs/promises"
import path from "node:path"

import {
  ATTACHMENT_MAX_BYTES,
  ATTACHMENTS_MAX_PER_CALL,
  attachmentTypeAllowed,
  safeAttachmentName,
  type AttachmentItem,
  type AttachmentsResponse,
} from "@/lib/devices/attachments-schema"

import { type ImportedAttachment } from "./model"
import { type FileImport } from "./plan"
import {
  RESUMABLE_THRESHOLD_BYTES,
  uploadResumable,
  type ResumableSource,
} from "./resumable-upload"

// After a push, the files the importers found next to messages go to the console's
// chat-attachments bucket (docs/device-api.md, "Attachments"): the console records each one and
// answers, per file, "stored" (the same bytes are there: a re-sync sends nothing) or a signed
// upload URL the bytes go to, straight to Storage. Files over 6 MB are hashed as a stream and
// sent over TUS (resumable-upload.ts) without being held in memory whole.

export type AttachmentReport = {
  uploaded: number
  stored: number
  rejected: number
  /** Source files with an attachment that failed for a reason that may pass next time. */
  unsettledFiles: Set<string>
}

type Found = {
  file: string
  item: AttachmentItem
  content: Content
}

/** An attachment's bytes: in memory (small, or inline in the source) or a file on disk. */
type Content = { bytes: Uint8Array } | { path: string }

const EXTENSION_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".html": "text/html",
}

/** The file's type: what the app said, else by its extension. */
export function attachmentTypeOf(name: string, declared?: string | null) {
  const type = declared?.split(";")[0]?.trim().toLowerCase()
  if (type && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return type

  return (
    EXTENSION_TYPES[path.extname(name).toLowerCase()] ??
    "application/octet-stream"
  )
}

/**
 * The attachment's size and sha256, and where its bytes are: a file of at most 6 MB is read
 * into memory, a larger one is hashed as a stream and left on disk, and one over the limit is
 * refused without being read.
 */
async function readAttachment(
  attachment: ImportedAttachment,
  sourceFile: string
): Promise<{ size: number; sha256?: string; content?: Content }> {
  if ("data" in attachment.source) {
    const bytes = attachment.source.data

    return {
      size: bytes.byteLength,
      sha256: sha256Of(bytes),
      content: { bytes },
    }
  }
  const file = path.resolve(path.dirname(sourceFile), attachment.source.file)
  const { size } = await stat(file)
  if (size > ATTACHMENT_MAX_BYTES) return { size }
  if (size <= RESUMABLE_THRESHOLD_BYTES) {
    const bytes = await readFile(file)

    return {
      size: bytes.byteLength,
      sha256: sha256Of(bytes),
      content: { bytes },
    }
  }
  const hash = createHash("sha256")
  let read = 0
  for await (const chunk of createReadStream(file, {
    highWaterMark: 1024 * 1024,
  })) {
    hash.update(chunk as Buffer)
    read += (chunk as Buffer).byteLength
  }

  return { size: read, sha256: hash.digest("hex"), content: { path: file } }
}

const sha256Of = (bytes: Uint8Array) =>
  createHash("sha256").update(bytes).digest("hex")

function resumableSource(content: Content, size: number): ResumableSource {
  if ("bytes" in content)
    return {
      size,
      read: async (offset, length) =>
        content.bytes.subarray(offset, offset + length),
    }

  return {
    size,
    read: async (offset, length) => {
      const handle = await open(content.path, "r")
      try {
        const chunk = Buffer.alloc(length)
        const { bytesRead } = await handle.read(chunk, 0, length, offset)
        if (bytesRead !== length)
          throw new Error("the file changed while it was sent")

        return chunk
      } finally {
        await handle.close()
      }
    },
  }
}

/** Sends one attachment's bytes to its signed upload URL: one PUT, or TUS above 6 MB. */
async function uploadOne(
  entry: Found,
  uploadUrl: string,
  fetchImpl: typeof fetch
): Promise<string | null> {
  const { item, content } = entry
  if (item.size_bytes > RESUMABLE_THRESHOLD_BYTES || "path" in content) {
    try {
      await uploadResumable({
        signedUrl: uploadUrl,
        contentType: item.mime_type,
        source: resumableSource(content, item.size_bytes),
        fetchImpl,
      })
      return null
    } catch (error) {
      return (error as Error).message
    }
  }
  const response = await fetchImpl(uploadUrl, {
    method: "PUT",
    headers: {
      "content-type": item.mime_type,
      "x-upsert": "true",
      "cache-control": "max-age=3600",
    },
    body: Buffer.from(content.bytes),
  }).catch((error: unknown) => error as Error)
  if (response instanceof Error) return response.message
  if (!response.ok)
    return `${response.status} ${await response.text().catch(() => "")}`

  return null
}

export async function syncAttachments({
  imports,
  send,
  log,
  fetchImpl = fetch,
}: {
  imports: FileImport[]
  send: (attachments: AttachmentItem[]) => Promise<AttachmentsResponse>
  log: (line: string) => void
  fetchImpl?: typeof fetch
}): Promise<AttachmentReport> {
  const report: AttachmentReport = {
    uploaded: 0,
    stored: 0,
    rejected: 0,
    unsettledFiles: new Set(),
  }
  const found: Found[] = []
  for (const { file, sessions } of imports) {
    for (const session of sessions) {
      for (const message of session.messages) {
        for (const attachment of message.attachments ?? []) {
          const name = safeAttachmentName(attachment.name)
          const where = `${name} of message ${message.clientId} (${file})`
          const mimeType = attachmentTypeOf(name, attachment.mimeType)
          if (!attachmentTypeAllowed(mimeType)) {
            report.rejected += 1
            log(
              `attachment ${where} not sent: chat attachments take text, PDF and images, not ${mimeType}`
            )
            continue
          }
          let read: Awaited<ReturnType<typeof readAttachment>>
          try {
            read = await readAttachment(attachment, file)
          } catch (error) {
            report.rejected += 1
            const code = (error as NodeJS.ErrnoException).code
            log(
              `attachment ${where} not sent: ${code === "ENOENT" ? "the file is not there" : (error as Error).message}`
            )
            continue
          }
          const { size, sha256, content } = read
          if (!content || !sha256 || size > ATTACHMENT_MAX_BYTES) {
            report.rejected += 1
            log(
              `attachment ${where} not sent: it is ${(size / 1024 / 1024).toFixed(1)} MiB, over the ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MiB chat attachments take`
            )
            continue
          }
          found.push({
            file,
            content,
            item: {
              session_client_id: session.clientId,
              message_client_id: message.clientId,
              name,
              mime_type: mimeType,
              size_bytes: size,
              sha256,
            },
          })
        }
      }
    }
  }

  for (let start = 0; start < found.length; start += ATTACHMENTS_MAX_PER_CALL) {
    const batch = found.slice(start, start + ATTACHMENTS_MAX_PER_CALL)
    const answer = await send(batch.map((f) => f.item))
    for (const result of answer.results) {
      const entry = batch[result.index]
      if (!entry) continue
      if (result.status === "stored") {
        report.stored += 1
        continue
      }
      if (result.status === "rejected") {
        report.rejected += 1
        // A message the console does not have yet (its push was refused) may arrive later.
        if (result.reason === "not_found") report.unsettledFiles.add(entry.file)
        log(
          `attachment ${entry.item.name} of message ${entry.item.message_client_id} not accepted (${result.reason}): ${result.message}`
        )
        continue
      }
      const why = await uploadOne(entry, result.upload_url, fetchImpl)
      if (why !== null) {
        report.unsettledFiles.add(entry.file)
        log(
          `attachment ${entry.item.name} upload failed: ${why}; the next sync tries again`
        )
        continue
      }
      report.uploaded += 1
    }
  }

  return report
}
