import { type SyncRole } from "@/lib/devices/sync-schema"

// What every importer produces from a chat app's files: sessions with their messages, each
// carrying the app's own id (client_id) and its parent's, so branches survive the trip.

/**
 * A file a message carries (docs/device-api.md, "Attachments"): bytes the source file holds
 * itself (an image as a data: URL) or a file next to it, by a path relative to the source
 * file's folder (or absolute).
 */
export type ImportedAttachment = {
  name: string
  mimeType?: string | null
  source: { data: Uint8Array } | { file: string }
}

export type ImportedMessage = {
  clientId: string
  /** The message this one answers or is an alternative to; siblings share it (branches). */
  parentClientId: string | null
  role: SyncRole
  content: string
  reasoning?: string | null
  toolCalls?: unknown[] | null
  model?: string | null
  inputTokens?: number
  outputTokens?: number
  cachedTokens?: number
  tokensPerSecond?: number | null
  timeToFirstTokenMs?: number | null
  /** Whatever else the app says about usage (stop reason, durations), kept as it came. */
  tokenUsage?: Record<string, unknown> | null
  createdAt?: string
  attachments?: ImportedAttachment[]
}

export type ImportedSession = {
  clientId: string
  title: string
  model?: string | null
  createdAt?: string
  lastModifiedAt?: string
  metadata: Record<string, unknown>
  messages: ImportedMessage[]
}

export const SYNC_SOURCES = [
  "lmstudio",
  "openwebui",
  "chatgpt",
  "jsonl",
] as const
export type SyncSource = (typeof SYNC_SOURCES)[number]

/** A file the agent cannot read as its source's format; the sync skips it and goes on. */
export class ImportError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = "ImportError"
  }
}

/** Epoch seconds or milliseconds (or an ISO string) as ISO 8601, or undefined. */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Date.parse(value)

    return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString()
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    return undefined
  // Apps write either; 1e11 ms is 1973, 1e11 s is the year 5138.
  const ms = value > 1e11 ? value : value * 1000
  const date = new Date(ms)

  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** A non-negative whole token count, or undefined for anything else. */
export function toCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.min(Math.round(value), 2_147_483_647)
    : undefined
}

export function toRate(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined
}

/** Splits `<think>…</think>` (how reasoning models answer through chat apps) from the reply. */
export function splitThinking(content: string): {
  content: string
  reasoning: string | null
} {
  const match = /^\s*<think>([\s\S]*?)(?:<\/think>|$)/.exec(content)
  if (!match) return { content, reasoning: null }

  return {
    content: content.slice(match[0].length).trimStart(),
    reasoning: match[1]!.trim() || null,
  }
}

/** A title for a session that has none: the first user words, as chat apps do. */
export function fallbackTitle(messages: ImportedMessage[]): string {
  const first = messages.find((m) => m.role === "user" && m.content.trim())
  const words = first?.content.trim().replace(/\s+/g, " ") ?? ""

  return words.length > 80 ? `${words.slice(0, 79)}…` : words || "Untitled chat"
}

/** The bytes and type of a `data:<type>;base64,<bytes>` URL, or null for anything else. */
export function decodeDataUrl(
  url: string
): { mimeType: string; data: Uint8Array } | null {
  const match =
    /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)?(?:;[^,;]*)*;base64,/i.exec(
      url
    )
  if (!match) return null

  return {
    mimeType: (match[1] ?? "application/octet-stream").toLowerCase(),
    data: Buffer.from(url.slice(match[0].length), "base64"),
  }
}
