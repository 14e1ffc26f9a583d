import { Download, FileText } from "lucide-react"

import { formatCount } from "@/lib/format"
import type { SessionAttachment } from "@/lib/sessions/attachments"

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} B`
  const units = ["KB", "MB", "GB"]
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }

  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/**
 * A message's files: images inline (lazy, straight from Storage by signed URL), anything else
 * a download card with its size and type. A file Storage does not hold says so instead of a
 * broken image.
 */
export function MessageAttachments({
  attachments,
}: {
  attachments: SessionAttachment[]
}) {
  return (
    <ul aria-label="Attachments" className="flex flex-wrap gap-2">
      {attachments.map((attachment) => (
        <li key={attachment.id} className="max-w-full">
          {attachment.inline && attachment.url ? (
            <a
              href={attachment.url}
              target="_blank"
              rel="noreferrer"
              className="block rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
            >
              {/* next/image would fetch the bytes through Next.js; signed URLs go to Storage. */}
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img
                src={attachment.url}
                alt={attachment.name}
                loading="lazy"
                decoding="async"
                className="max-h-64 max-w-full rounded-md border object-contain"
              />
            </a>
          ) : (
            <FileCard attachment={attachment} />
          )}
        </li>
      ))}
    </ul>
  )
}

function FileCard({ attachment }: { attachment: SessionAttachment }) {
  const details = `${formatBytes(attachment.sizeBytes)} · ${attachment.mimeType}`
  const body = (
    <>
      <FileText
        className="size-4 shrink-0 text-muted-foreground"
        aria-hidden="true"
      />
      <span className="min-w-0">
        <span className="block truncate font-medium">{attachment.name}</span>
        <span className="block text-xs text-muted-foreground">
          {attachment.url
            ? details
            : `${details} · ${attachment.uploaded ? "not available" : "arriving…"}`}
        </span>
      </span>
      {attachment.url ? (
        <Download
          className="size-4 shrink-0 text-muted-foreground"
          aria-hidden="true"
        />
      ) : null}
    </>
  )
  const className =
    "flex max-w-xs items-center gap-2 rounded-md border bg-muted/40 px-3 py-2 text-sm"

  return attachment.url ? (
    <a
      href={attachment.url}
      download={attachment.name}
      aria-label={`Download ${attachment.name} (${details})`}
      className={`${className} outline-none hover:bg-muted focus-visible:ring-[3px] focus-visible:ring-ring/50`}
    >
      {body}
    </a>
  ) : (
    <div className={className}>{body}</div>
  )
}
