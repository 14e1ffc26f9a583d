import { z } from "zod"

import { dbId } from "@/lib/db-id"

// The sync endpoints' payloads (docs/device-api.md, "Sync"), shared by the route handlers and
// the device agent. The envelope is strict and refused as a whole when malformed; each item is
// parsed on its own, so one bad message is rejected with a code while the rest of the batch
// is applied.

/** A chat app's own id for a session or message: any text up to 200 characters. */
export const SYNC_CLIENT_ID_MAX = 200
/** cloud_messages.content's limit (characters), enforced by a CHECK constraint too. */
export const SYNC_CONTENT_MAX_CHARS = 1_000_000
/** Items per push; sync_push itself takes up to 20,000. */
export const SYNC_PUSH_MAX_ITEMS = 10_000
/** Rows per pull page (sync_pull caps at 5,000). */
export const SYNC_PULL_MAX_ROWS = 5_000
export const SYNC_PULL_DEFAULT_ROWS = 1_000

export const SYNC_ROLES = ["system", "user", "assistant", "tool"] as const
export type SyncRole = (typeof SYNC_ROLES)[number]

const INT32_MAX = 2_147_483_647

const clientId = z
  .string({ error: "client_id must be text." })
  .min(1, "client_id must not be empty.")
  .max(
    SYNC_CLIENT_ID_MAX,
    `client_id must be at most ${SYNC_CLIENT_ID_MAX} characters.`
  )
const timestamp = z.iso.datetime({
  offset: true,
  error: "Must be an ISO 8601 time with a time zone.",
})
const version = z
  .int({ error: "sync_version must be a whole number." })
  .min(1, "sync_version must be at least 1.")
  .max(Number.MAX_SAFE_INTEGER)
const tokenCount = (name: string) =>
  z
    .int({ error: `${name} must be a whole number.` })
    .min(0, `${name} must not be negative.`)
    .max(INT32_MAX, `${name} is too large.`)
const longText = (name: string) =>
  z
    .string({ error: `${name} must be text.` })
    .max(
      SYNC_CONTENT_MAX_CHARS,
      `${name} is longer than ${SYNC_CONTENT_MAX_CHARS.toLocaleString("en")} characters.`
    )

/** Either the app's own id (client_id) or a cloud id (id), never both. */
function oneId<T extends { id?: string; client_id?: string }>(
  item: T,
  ctx: z.RefinementCtx
) {
  if ((item.id === undefined) === (item.client_id === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["client_id"],
      message: "Send exactly one of client_id and id.",
    })
  }
}

export const syncSessionItemSchema = z
  .strictObject({
    client_id: clientId.optional(),
    id: dbId.optional(),
    sync_version: version,
    title: z
      .string()
      .max(500, "title must be at most 500 characters.")
      .optional(),
    model: z.string().max(200).nullable().optional(),
    parent_client_id: clientId.nullable().optional(),
    parent_id: dbId.nullable().optional(),
    branch_point: z.int().min(0).max(INT32_MAX).nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    created_at: timestamp.optional(),
    last_modified_at: timestamp.optional(),
    deleted_at: timestamp.nullable().optional(),
  })
  .superRefine(oneId)
export type SyncSessionItem = z.infer<typeof syncSessionItemSchema>

export const syncMessageItemSchema = z
  .strictObject({
    client_id: clientId.optional(),
    id: dbId.optional(),
    session_client_id: clientId.optional(),
    session_id: dbId.optional(),
    sync_version: version,
    parent_client_id: clientId.nullable().optional(),
    parent_id: dbId.nullable().optional(),
    message_index: z.int().min(0).max(INT32_MAX),
    role: z.enum(SYNC_ROLES, {
      error: "role must be system, user, assistant or tool.",
    }),
    content: longText("content").optional(),
    reasoning: longText("reasoning").nullable().optional(),
    tool_calls: z.array(z.unknown()).max(1000).nullable().optional(),
    token_usage: z.record(z.string(), z.unknown()).nullable().optional(),
    model: z.string().max(200).nullable().optional(),
    input_tokens: tokenCount("input_tokens").optional(),
    output_tokens: tokenCount("output_tokens").optional(),
    cached_tokens: tokenCount("cached_tokens").optional(),
    tokens_per_second: z
      .number()
      .min(0, "tokens_per_second must not be negative.")
      .max(1e9)
      .nullable()
      .optional(),
    time_to_first_token_ms: tokenCount("time_to_first_token_ms")
      .nullable()
      .optional(),
    created_at: timestamp.optional(),
    last_modified_at: timestamp.optional(),
    deleted_at: timestamp.nullable().optional(),
  })
  .superRefine((item, ctx) => {
    oneId(item, ctx)
    if (
      (item.session_id === undefined) ===
      (item.session_client_id === undefined)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["session_client_id"],
        message: "Send exactly one of session_client_id and session_id.",
      })
    }
    if ((item.cached_tokens ?? 0) > (item.input_tokens ?? 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["cached_tokens"],
        message: "cached_tokens must not exceed input_tokens.",
      })
    }
  })
export type SyncMessageItem = z.infer<typeof syncMessageItemSchema>

/** The envelope only; items are parsed one by one (parseSyncItem). */
export const syncPushSchema = z
  .strictObject({
    sessions: z
      .array(z.unknown(), { error: "sessions must be a list." })
      .default([]),
    messages: z
      .array(z.unknown(), { error: "messages must be a list." })
      .default([]),
  })
  .refine(
    (batch) =>
      batch.sessions.length + batch.messages.length <= SYNC_PUSH_MAX_ITEMS,
    {
      error: `A push carries at most ${SYNC_PUSH_MAX_ITEMS.toLocaleString("en")} items; split it into batches.`,
    }
  )
export type SyncPush = z.input<typeof syncPushSchema>

export const SYNC_STATUSES = [
  "applied",
  "duplicate",
  "conflict",
  "rejected",
] as const
export type SyncStatus = (typeof SYNC_STATUSES)[number]

/**
 * Why an item was rejected or conflicted. The first four come from the item itself (the API
 * checks them), the rest from the database (sync_push).
 */
export const SYNC_ITEM_REASONS = [
  "invalid_item",
  "unknown_role",
  "content_too_large",
  "negative_tokens",
  "other_account",
  "other_device",
  "session_not_found",
  "session_mismatch",
  "project_forbidden",
  "server_newer",
  "same_version_differs",
] as const
export type SyncItemReason = (typeof SYNC_ITEM_REASONS)[number]

export const syncItemResultSchema = z.object({
  kind: z.enum(["session", "message"]),
  /** Position of the item in its list of the request. */
  index: z.int().min(0),
  client_id: z.string().nullable(),
  /** The cloud id (derived from client_id), null when the item was unreadable. */
  id: dbId.nullable(),
  status: z.enum(SYNC_STATUSES),
  /** Set for rejected and conflict; a reason the agent may not know yet is kept as text. */
  reason: z.string().nullable(),
  message: z.string().optional(),
  /** The version the server holds after this push (null when it holds none). */
  server_version: z.int().nullable(),
})
export type SyncItemResult = z.infer<typeof syncItemResultSchema>

export const syncSummarySchema = z.object({
  applied: z.int().min(0),
  duplicate: z.int().min(0),
  conflict: z.int().min(0),
  rejected: z.int().min(0),
})
export type SyncSummary = z.infer<typeof syncSummarySchema>

export const syncPushResponseSchema = z.object({
  results: z.array(syncItemResultSchema),
  summary: syncSummarySchema,
})
export type SyncPushResponse = z.infer<typeof syncPushResponseSchema>

export const SYNC_CURSOR_PATTERN = /^\d{1,20}:[01]:[0-9a-f-]{36}$/i

export const syncPullQuerySchema = z.strictObject({
  cursor: z
    .string()
    .regex(SYNC_CURSOR_PATTERN, "cursor must be a next_cursor from a pull.")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  limit: z.coerce
    .number({ error: "limit must be a number." })
    .int("limit must be a whole number.")
    .min(1, `limit must be between 1 and ${SYNC_PULL_MAX_ROWS}.`)
    .max(
      SYNC_PULL_MAX_ROWS,
      `limit must be between 1 and ${SYNC_PULL_MAX_ROWS}.`
    )
    .default(SYNC_PULL_DEFAULT_ROWS),
})

const nullableText = z.string().nullable()
const num = z.coerce.number()

export const syncPulledSessionSchema = z.object({
  id: dbId,
  client_id: nullableText,
  device_id: dbId.nullable(),
  project_id: dbId.nullable(),
  title: z.string(),
  model: nullableText,
  parent_id: dbId.nullable(),
  branch_point: z.int().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  message_count: z.int(),
  created_at: z.string(),
  last_modified_at: z.string(),
  sync_version: num,
  deleted_at: nullableText,
})
export type SyncPulledSession = z.infer<typeof syncPulledSessionSchema>

export const syncPulledMessageSchema = z.object({
  id: dbId,
  client_id: nullableText,
  session_id: dbId,
  device_id: dbId.nullable(),
  parent_id: dbId.nullable(),
  message_index: z.int(),
  role: z.string(),
  content: z.string(),
  reasoning: nullableText,
  tool_calls: z.array(z.unknown()).nullable(),
  token_usage: z.record(z.string(), z.unknown()).nullable(),
  model: nullableText,
  input_tokens: z.int(),
  output_tokens: z.int(),
  cached_tokens: z.int(),
  tokens_per_second: z.number().nullable(),
  time_to_first_token_ms: z.int().nullable(),
  created_at: z.string(),
  last_modified_at: z.string(),
  sync_version: num,
  deleted_at: nullableText,
})
export type SyncPulledMessage = z.infer<typeof syncPulledMessageSchema>

export const syncPullChangeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("session"), row: syncPulledSessionSchema }),
  z.object({ kind: z.literal("message"), row: syncPulledMessageSchema }),
])
export type SyncPullChange = z.infer<typeof syncPullChangeSchema>

export const syncPullResponseSchema = z.object({
  changes: z.array(syncPullChangeSchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
})
export type SyncPullResponse = z.infer<typeof syncPullResponseSchema>

/** The sync state an agent reports in its heartbeat (capabilities.sync_status). */
export const syncStatusReportSchema = z.strictObject({
  pending: z.int().min(0).max(INT32_MAX),
  last_error: z.string().max(500).nullable(),
  at: timestamp,
})
export type SyncStatusReport = z.infer<typeof syncStatusReportSchema>
