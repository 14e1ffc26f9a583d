import { type z } from "zod"

import { type Json } from "@/lib/database.types"
import {
  accountNamespace,
  messageCloudId,
  sessionCloudId,
} from "@/lib/devices/sync-ids"
import {
  syncMessageItemSchema,
  syncSessionItemSchema,
  type SyncItemReason,
  type SyncItemResult,
} from "@/lib/devices/sync-schema"

// Turns a push's items into sync_push's batch: each item parsed on its own (a bad one becomes
// a rejected result with a code, the rest go on), client ids turned into cloud ids.

export type PreparedPush = {
  /** What sync_push receives: cloud ids only, client_id kept beside them. */
  batch: {
    sessions: Json[]
    messages: Json[]
  }
  /** Items the API refused itself, already in their final shape. */
  rejected: SyncItemResult[]
  /** For each item sent to sync_push: where it was in the request. */
  sent: {
    kind: "session" | "message"
    index: number
    id: string
    client_id: string | null
  }[]
}

const TOKEN_FIELDS = new Set([
  "input_tokens",
  "output_tokens",
  "cached_tokens",
  "time_to_first_token_ms",
])

/** The code of the first issue that has one of its own, else invalid_item. */
export function reasonForIssues(issues: z.core.$ZodIssue[]): SyncItemReason {
  for (const issue of issues) {
    const field = String(issue.path[0] ?? "")
    if (field === "role") return "unknown_role"
    if (
      (field === "content" || field === "reasoning") &&
      issue.code === "too_big"
    )
      return "content_too_large"
    if (TOKEN_FIELDS.has(field) && issue.code === "too_small")
      return "negative_tokens"
  }

  return "invalid_item"
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === "unrecognized_keys") {
        return `Unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}.`
      }
      const path = issue.path.map(String).join(".")

      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join(" ")
}

function clientIdOf(value: unknown): string | null {
  if (value && typeof value === "object" && "client_id" in value) {
    const id = (value as { client_id: unknown }).client_id
    if (typeof id === "string") return id.slice(0, 200)
  }

  return null
}

export function preparePush(
  userId: string,
  input: { sessions: unknown[]; messages: unknown[] }
): PreparedPush {
  const namespace = accountNamespace(userId)
  const prepared: PreparedPush = {
    batch: { sessions: [], messages: [] },
    rejected: [],
    sent: [],
  }
  const reject = (
    kind: "session" | "message",
    index: number,
    raw: unknown,
    issues: z.core.$ZodIssue[]
  ) =>
    prepared.rejected.push({
      kind,
      index,
      client_id: clientIdOf(raw),
      id: null,
      status: "rejected",
      reason: reasonForIssues(issues),
      message: describeIssues(issues),
      server_version: null,
    })

  input.sessions.forEach((raw, index) => {
    const parsed = syncSessionItemSchema.safeParse(raw)
    if (!parsed.success)
      return reject("session", index, raw, parsed.error.issues)
    const { client_id, parent_client_id, id: cloudId, ...item } = parsed.data
    const id = cloudId ?? sessionCloudId(namespace, client_id!)
    prepared.batch.sessions.push(
      asJson({
        ...item,
        id,
        client_id: client_id ?? null,
        parent_id:
          parent_client_id != null
            ? sessionCloudId(namespace, parent_client_id)
            : (item.parent_id ?? null),
      })
    )
    prepared.sent.push({
      kind: "session",
      index,
      id,
      client_id: client_id ?? null,
    })
  })

  input.messages.forEach((raw, index) => {
    const parsed = syncMessageItemSchema.safeParse(raw)
    if (!parsed.success)
      return reject("message", index, raw, parsed.error.issues)
    const {
      client_id,
      session_client_id,
      parent_client_id,
      id: cloudId,
      ...item
    } = parsed.data
    const sessionId =
      item.session_id ?? sessionCloudId(namespace, session_client_id!)
    const id = cloudId ?? messageCloudId(namespace, sessionId, client_id!)
    prepared.batch.messages.push(
      asJson({
        ...item,
        id,
        client_id: client_id ?? null,
        session_id: sessionId,
        parent_id:
          parent_client_id != null
            ? messageCloudId(namespace, sessionId, parent_client_id)
            : (item.parent_id ?? null),
      })
    )
    prepared.sent.push({
      kind: "message",
      index,
      id,
      client_id: client_id ?? null,
    })
  })

  return prepared
}

/** Every value here came out of JSON.parse and zod (which keeps JSON JSON): it is Json. */
function asJson(value: Record<string, unknown>): Json {
  return value as Json
}
