import { z } from "zod"

import { SYNC_ROLES } from "@/lib/devices/sync-schema"

import {
  fallbackTitle,
  ImportError,
  toIsoTime,
  type ImportedMessage,
  type ImportedSession,
} from "../model"

// LMX Console's own chat format (docs/device-api.md, "The JSONL format"), what Opta Local and
// any other client can write directly: one JSON object per line, `{"type": "session", …}` then
// its `{"type": "message", …}` lines; or a `.json` file `{"sessions": [{…, "messages": […]}]}`.
// Ids are the client's own (any text up to 200 characters). Unknown fields are ignored, so a
// newer writer's extras do not make an older agent skip the file.

export const JSONL_FILE = /\.(jsonl|ndjson)$|\.lmx\.json$/

const id = z.string().min(1).max(200)
const time = z.union([z.string(), z.number()]).optional()
const count = z.int().min(0).optional()

const messageSchema = z.object({
  id,
  session_id: id.optional(),
  parent_id: id.nullable().optional(),
  role: z.enum(SYNC_ROLES),
  content: z.string().default(""),
  reasoning: z.string().nullable().optional(),
  tool_calls: z.array(z.unknown()).nullable().optional(),
  model: z.string().max(200).nullable().optional(),
  usage: z
    .object({ input_tokens: count, output_tokens: count, cached_tokens: count })
    .loose()
    .nullable()
    .optional(),
  tokens_per_second: z.number().min(0).nullable().optional(),
  time_to_first_token_ms: z.number().min(0).nullable().optional(),
  created_at: time,
  // Files next to the JSONL file (docs/device-api.md, "Attachments").
  attachments: z
    .array(
      z.object({
        path: z.string().min(1).max(4096),
        name: z.string().min(1).max(255).optional(),
        mime_type: z.string().max(255).nullable().optional(),
      })
    )
    .max(100)
    .optional(),
})

const sessionSchema = z.object({
  id,
  title: z.string().max(500).optional(),
  model: z.string().max(200).nullable().optional(),
  created_at: time,
  updated_at: time,
  metadata: z.record(z.string(), z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
})

function toMessage(value: z.infer<typeof messageSchema>): ImportedMessage {
  return {
    clientId: value.id,
    parentClientId: value.parent_id ?? null,
    role: value.role,
    content: value.content,
    reasoning: value.reasoning ?? null,
    toolCalls: value.tool_calls ?? null,
    model: value.model ?? null,
    inputTokens: value.usage?.input_tokens,
    outputTokens: value.usage?.output_tokens,
    cachedTokens: value.usage?.cached_tokens,
    tokensPerSecond: value.tokens_per_second ?? null,
    timeToFirstTokenMs:
      value.time_to_first_token_ms == null
        ? null
        : Math.round(value.time_to_first_token_ms),
    tokenUsage: value.usage ? { ...value.usage } : null,
    createdAt: toIsoTime(value.created_at),
    ...(value.attachments?.length
      ? {
          attachments: value.attachments.map((a) => ({
            name: a.name ?? a.path.split(/[\\/]/).pop() ?? a.path,
            mimeType: a.mime_type ?? null,
            source: { file: a.path },
          })),
        }
      : {}),
  }
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]

  return issue
    ? `${issue.path.join(".") || "line"}: ${issue.message}`
    : "invalid"
}

function toSession(
  value: z.infer<typeof sessionSchema>,
  messages: ImportedMessage[]
): ImportedSession {
  return {
    clientId: value.id,
    title: value.title?.trim() || fallbackTitle(messages),
    model: value.model ?? null,
    createdAt: toIsoTime(value.created_at),
    lastModifiedAt: toIsoTime(value.updated_at),
    metadata: { source: "jsonl", ...value.metadata },
    messages,
  }
}

/** A file in our JSONL format (or its .json form) as sessions. */
export function importJsonl(textContent: string): ImportedSession[] {
  const trimmed = textContent.trimStart()
  if (trimmed.startsWith("{") && /^\{\s*"sessions"\s*:/.test(trimmed)) {
    let json: unknown
    try {
      json = JSON.parse(textContent)
    } catch (error) {
      throw new ImportError(
        `not valid JSON (${(error as Error).message}); it may be cut off`
      )
    }
    const parsed = z
      .object({ sessions: z.array(sessionSchema) })
      .safeParse(json)
    if (!parsed.success)
      throw new ImportError(
        `not an LMX sessions file: ${describe(parsed.error)}`
      )

    return parsed.data.sessions.map((session, s) =>
      toSession(
        session,
        (session.messages ?? []).map((raw, m) => {
          const message = messageSchema.safeParse(raw)
          if (!message.success) {
            throw new ImportError(
              `session ${s + 1}, message ${m + 1}: ${describe(message.error)}`
            )
          }

          return toMessage(message.data)
        })
      )
    )
  }

  const sessions = new Map<
    string,
    { value: z.infer<typeof sessionSchema>; messages: ImportedMessage[] }
  >()
  const orphans: {
    line: number
    sessionId: string | undefined
    message: ImportedMessage
  }[] = []
  const lines = textContent.split(/\r?\n/)
  lines.forEach((line, index) => {
    if (line.trim() === "") return
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      // A writer killed mid-line leaves a partial last line; anywhere else it is damage.
      throw new ImportError(
        index >= lines.length - 2 && !textContent.endsWith("\n")
          ? `line ${index + 1} is cut off`
          : `line ${index + 1} is not JSON`
      )
    }
    const type = (json as { type?: unknown } | null)?.type
    if (type === "session") {
      const parsed = sessionSchema.safeParse(json)
      if (!parsed.success)
        throw new ImportError(`line ${index + 1}: ${describe(parsed.error)}`)
      sessions.set(parsed.data.id, {
        value: parsed.data,
        messages: sessions.get(parsed.data.id)?.messages ?? [],
      })
    } else if (type === "message") {
      const parsed = messageSchema.safeParse(json)
      if (!parsed.success)
        throw new ImportError(`line ${index + 1}: ${describe(parsed.error)}`)
      orphans.push({
        line: index + 1,
        sessionId: parsed.data.session_id,
        message: toMessage(parsed.data),
      })
    } else {
      throw new ImportError(
        `line ${index + 1}: "type" must be "session" or "message"`
      )
    }
  })
  if (sessions.size === 0) throw new ImportError("no session line in the file")
  const only = sessions.size === 1 ? [...sessions.values()][0] : undefined
  for (const { line, sessionId, message } of orphans) {
    const session = sessionId !== undefined ? sessions.get(sessionId) : only
    if (!session) {
      throw new ImportError(
        `line ${line}: message for unknown session ${sessionId ?? "(none given)"}`
      )
    }
    session.messages.push(message)
  }

  return [...sessions.values()].map(({ value, messages }) =>
    toSession(value, messages)
  )
}
