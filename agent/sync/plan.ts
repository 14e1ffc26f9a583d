import { createHash } from "node:crypto"

import {
  SYNC_CONTENT_MAX_CHARS,
  type SyncMessageItem,
  type SyncSessionItem,
} from "@/lib/devices/sync-schema"

import { type ImportedMessage, type ImportedSession } from "./model"
import { type SyncState } from "./state"

// What a run must push: every session and message whose content differs from what the console
// acknowledged (at the next sync_version), and tombstones for what vanished from the source.
// Pure: the state is read, never changed, here.

export type PlannedSession = {
  kind: "session"
  sessionClientId: string
  file: string
  hash: string
  item: SyncSessionItem & { client_id: string }
  /** What a later tombstone must resend. */
  keep: Record<string, unknown>
  change: "new" | "changed" | "deleted"
}
export type PlannedMessage = {
  kind: "message"
  sessionClientId: string
  file: string
  hash: string
  item: SyncMessageItem & { client_id: string; session_client_id: string }
  change: "new" | "changed" | "deleted"
}
export type PlannedItem = PlannedSession | PlannedMessage

export type LocalRejection = {
  sessionClientId: string
  clientId: string
  file: string
  reason: "content_too_large"
  message: string
}

export type SyncPlan = {
  sessions: PlannedSession[]
  messages: PlannedMessage[]
  rejected: LocalRejection[]
  /** Sessions and messages already in the console as they are here. */
  unchanged: { sessions: number; messages: number }
}

export type FileImport = { file: string; sessions: ImportedSession[] }

export const DELETED_HASH = "deleted"

function hashOf(value: unknown): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("base64url")
}

function sessionFields(
  session: ImportedSession,
  lastModified: string | undefined
) {
  return {
    title: session.title.slice(0, 500),
    model: session.model?.slice(0, 200) ?? null,
    metadata: session.metadata,
    ...(session.createdAt ? { created_at: session.createdAt } : {}),
    ...(lastModified ? { last_modified_at: lastModified } : {}),
  }
}

function messageFields(message: ImportedMessage, index: number) {
  return {
    parent_client_id: message.parentClientId,
    message_index: index,
    role: message.role,
    content: message.content,
    reasoning: message.reasoning ?? null,
    tool_calls: message.toolCalls ?? null,
    token_usage: message.tokenUsage ?? null,
    model: message.model?.slice(0, 200) ?? null,
    ...(message.inputTokens !== undefined
      ? { input_tokens: message.inputTokens }
      : {}),
    ...(message.outputTokens !== undefined
      ? { output_tokens: message.outputTokens }
      : {}),
    ...(message.cachedTokens !== undefined &&
    message.cachedTokens <= (message.inputTokens ?? 0)
      ? { cached_tokens: message.cachedTokens }
      : {}),
    tokens_per_second: message.tokensPerSecond ?? null,
    time_to_first_token_ms: message.timeToFirstTokenMs ?? null,
    ...(message.createdAt ? { created_at: message.createdAt } : {}),
  }
}

/** The newest time the source gives for a session: its own, else its newest message's. */
function lastModifiedOf(session: ImportedSession): string | undefined {
  if (session.lastModifiedAt) return session.lastModifiedAt
  let newest = session.createdAt
  for (const message of session.messages) {
    if (message.createdAt && (!newest || message.createdAt > newest))
      newest = message.createdAt
  }

  return newest
}

export function planSync({
  state,
  imports,
  unchangedFiles = [],
  failedFiles = [],
  inScope,
  now = new Date().toISOString(),
}: {
  state: SyncState
  imports: FileImport[]
  /** Files skipped because they did not change since they were last synced in full. */
  unchangedFiles?: string[]
  /** Files that could not be read this time: their sessions are left alone. */
  failedFiles?: string[]
  /** Whether a file the state remembers belongs to what this run looked at. */
  inScope: (file: string) => boolean
  now?: string
}): SyncPlan {
  const plan: SyncPlan = {
    sessions: [],
    messages: [],
    rejected: [],
    unchanged: { sessions: 0, messages: 0 },
  }
  const present = new Set<string>()
  for (const file of unchangedFiles) {
    for (const id of state.files[file]?.sessions ?? []) present.add(id)
  }
  for (const file of unchangedFiles) {
    for (const id of state.files[file]?.sessions ?? []) {
      plan.unchanged.sessions += 1
      plan.unchanged.messages += Object.keys(state.sessions[id]?.m ?? {}).length
    }
  }

  for (const { file, sessions } of imports) {
    for (const session of sessions) {
      if (present.has(session.clientId)) continue // the same chat twice: the first wins
      present.add(session.clientId)
      const known = state.sessions[session.clientId]
      const fields = sessionFields(session, lastModifiedOf(session))
      const hash = hashOf(fields)
      if (!known || known.s[1] !== hash) {
        plan.sessions.push({
          kind: "session",
          sessionClientId: session.clientId,
          file,
          hash,
          item: {
            client_id: session.clientId,
            sync_version: known ? known.s[0] + 1 : 1,
            ...fields,
            deleted_at: null,
          },
          keep: fields,
          change: known ? "changed" : "new",
        })
      } else {
        plan.unchanged.sessions += 1
      }

      const seen = new Set<string>()
      session.messages.forEach((message, index) => {
        if (seen.has(message.clientId)) return
        seen.add(message.clientId)
        if (
          message.content.length > SYNC_CONTENT_MAX_CHARS ||
          (message.reasoning?.length ?? 0) > SYNC_CONTENT_MAX_CHARS
        ) {
          plan.rejected.push({
            sessionClientId: session.clientId,
            clientId: message.clientId,
            file,
            reason: "content_too_large",
            message: `message ${message.clientId} is longer than ${SYNC_CONTENT_MAX_CHARS.toLocaleString("en")} characters`,
          })

          return
        }
        const fields = messageFields(message, index)
        const hash = hashOf(fields)
        const previous = known?.m[message.clientId]
        if (previous && previous[1] === hash) {
          plan.unchanged.messages += 1

          return
        }
        plan.messages.push({
          kind: "message",
          sessionClientId: session.clientId,
          file,
          hash,
          item: {
            client_id: message.clientId,
            session_client_id: session.clientId,
            sync_version: previous ? previous[0] + 1 : 1,
            ...fields,
            deleted_at: null,
          },
          change: previous ? "changed" : "new",
        })
      })
      // Messages gone from a chat that is still there (deleted in the app).
      for (const [clientId, [version, hash, index, role]] of Object.entries(
        known?.m ?? {}
      )) {
        if (seen.has(clientId) || hash === DELETED_HASH) continue
        plan.messages.push(
          tombstoneMessage(
            session.clientId,
            file,
            clientId,
            version,
            index,
            role,
            now
          )
        )
      }
    }
  }

  // Chats gone from the source: their file was deleted, or the chat left its export.
  const failed = new Set(failedFiles)
  for (const [clientId, known] of Object.entries(state.sessions)) {
    if (present.has(clientId) || known.s[1] === DELETED_HASH) continue
    if (!inScope(known.file) || failed.has(known.file)) continue
    plan.sessions.push({
      kind: "session",
      sessionClientId: clientId,
      file: known.file,
      hash: DELETED_HASH,
      item: {
        client_id: clientId,
        sync_version: known.s[0] + 1,
        ...known.p,
        deleted_at: now,
      },
      keep: known.p,
      change: "deleted",
    })
  }

  return plan
}

function tombstoneMessage(
  sessionClientId: string,
  file: string,
  clientId: string,
  version: number,
  index: number,
  role: string,
  now: string
): PlannedMessage {
  return {
    kind: "message",
    sessionClientId,
    file,
    hash: DELETED_HASH,
    item: {
      client_id: clientId,
      session_client_id: sessionClientId,
      sync_version: version + 1,
      message_index: index,
      role: role as SyncMessageItem["role"],
      deleted_at: now,
    },
    change: "deleted",
  }
}
