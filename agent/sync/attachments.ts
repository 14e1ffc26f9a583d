import { createHash } from "node:crypto"
import { readFile, stat } from "node:fs/promises"
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

// After a push, the files the importers found next to messages go to the console's
// chat-attachments bucket (docs/device-api.md, "Attachments"): the console records each one and
// answers, per file, "stored" (the same bytes are there: a re-sync sends nothing) or a signed
// upload URL the bytes go to, straight to Storage.

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
  bytes: Uint8Array
}

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
 * The attachment's bytes, or its size alone when it is over the limit: a 2 GB file is refused
 * without being read.
 */
async function readAttachment(
  attachment: ImportedAttachment,
  sourceFile: string
): Promise<{ size: number; bytes: Uint8Array | null }> {
  if ("data" in attachment.source) {
    return {
      size: attachment.source.data.byteLength,
      bytes: attachment.source.data,
    }
  }
  const file = path.resolve(path.dirname(sourceFile), attachment.source.file)
  const { size } = await stat(file)

  return {
    size,
    bytes: size > ATTACHMENT_MAX_BYTES ? null : await readFile(file),
  }
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
          let read: { size: number; bytes: Uint8Array | null }
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
          const { size, bytes } = read
          if (!bytes || size > ATTACHMENT_MAX_BYTES) {
            report.rejected += 1
            log(
              `attachment ${where} not sent: it is ${(size / 1024 / 1024).toFixed(1)} MiB, over the ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MiB chat attachments take`
            )
            continue
          }
          found.push({
            file,
            bytes,
            item: {
              session_client_id: session.clientId,
              message_client_id: message.clientId,
              name,
              mime_type: mimeType,
              size_bytes: bytes.byteLength,
              sha256: createHash("sha256").update(bytes).digest("hex"),
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
      const response = await fetchImpl(result.upload_url, {
        method: "PUT",
        headers: {
          "content-type": entry.item.mime_type,
          "x-upsert": "true",
          "cache-control": "max-age=3600",
        },
        body: Buffer.from(entry.bytes),
      }).catch((error: unknown) => error as Error)
      if (response instanceof Error || !response.ok) {
        report.unsettledFiles.add(entry.file)
        const why =
          response instanceof Error
            ? response.message
            : `${response.status} ${await response.text().catch(() => "")}`
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
