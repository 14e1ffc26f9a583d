import { z } from "zod"

import { dbId } from "@/lib/db-id"

// The chat relay's messages (docs/chat-relay.md), shared by the console (which sends requests
// and reads answers) and the device agent (which does the reverse). Everything that crosses
// the relay is parsed with these schemas on arrival: the agent trusts no request, the console
// no answer.
//
// Requests travel on "device:<device id>", answers on "device:<device id>:reply:<user id>"
// (supabase/migrations/20261203020000_chat_relay.sql says who may send and read each).

/** Hosted Realtime's smallest broadcast limit is 256 KB; a request stays well under it. */
export const RELAY_REQUEST_LIMIT_BYTES = 200 * 1024
/** The agent sends what it has every this many milliseconds, at most (issue #18). */
export const RELAY_BATCH_MS = 50
/** While a request is open the agent says it is alive this often, even with no tokens. */
export const RELAY_KEEPALIVE_MS = 2000
/** No word from the host for this long: the console ends the answer as "host offline". */
export const RELAY_SILENCE_MS = 10_000

export const RELAY_EVENTS = {
  request: "relay.request",
  cancel: "relay.cancel",
  accepted: "relay.accepted",
  chunk: "relay.chunk",
  done: "relay.done",
  error: "relay.error",
  models: "relay.models",
  alive: "relay.alive",
} as const

export function requestTopic(deviceId: string) {
  return `device:${deviceId}`
}

export function replyTopic(deviceId: string, userId: string) {
  return `device:${deviceId}:reply:${userId}`
}

export const chatRoleSchema = z.enum(["system", "user", "assistant"])

export const relayChatMessageSchema = z.strictObject({
  role: chatRoleSchema,
  content: z.string().max(RELAY_REQUEST_LIMIT_BYTES),
})
export type RelayChatMessage = z.infer<typeof relayChatMessageSchema>

export const chatOptionsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.int().min(1).max(131_072).optional(),
})
export type ChatOptions = z.infer<typeof chatOptionsSchema>

const envelope = {
  request_id: dbId,
  /** The user the answer goes to: the agent answers on that user's reply topic only. */
  reply_to: dbId,
}

export const relayChatRequestSchema = z.strictObject({
  ...envelope,
  kind: z.literal("chat"),
  model: z.string().trim().min(1).max(300),
  messages: z.array(relayChatMessageSchema).min(1).max(1000),
  options: chatOptionsSchema.default({}),
})
export type RelayChatRequest = z.infer<typeof relayChatRequestSchema>

export const relayModelsRequestSchema = z.strictObject({
  ...envelope,
  kind: z.literal("models"),
})

export const relayRequestSchema = z.discriminatedUnion("kind", [
  relayChatRequestSchema,
  relayModelsRequestSchema,
])
export type RelayRequest = z.infer<typeof relayRequestSchema>

export const relayCancelSchema = z.strictObject(envelope)
export type RelayCancel = z.infer<typeof relayCancelSchema>

const answer = { request_id: dbId }

export const relayAcceptedSchema = z.object({
  ...answer,
  server: z.string().max(100),
})

export const relayChunkSchema = z.object({
  ...answer,
  /** 0, 1, 2…: the console detects a lost or reordered batch by it. */
  seq: z.int().min(0),
  content: z.string(),
  reasoning: z.string().optional(),
})
export type RelayChunk = z.infer<typeof relayChunkSchema>

export const relayUsageSchema = z.object({
  input_tokens: z.int().min(0).nullable(),
  output_tokens: z.int().min(0).nullable(),
  /** From the server's stats when it gives them (LM Studio), else measured by the agent. */
  time_to_first_token_ms: z.int().min(0).nullable(),
  tokens_per_second: z.number().min(0).nullable(),
})
export type RelayUsage = z.infer<typeof relayUsageSchema>

export const relayDoneSchema = z.object({
  ...answer,
  /** The seq of the last chunk before it, or -1: the console checks nothing is missing. */
  last_seq: z.int().min(-1),
  finish_reason: z.string().max(50).nullable(),
  usage: relayUsageSchema,
})
export type RelayDone = z.infer<typeof relayDoneSchema>

export const RELAY_ERROR_CODES = [
  "refused",
  "too_large",
  "server_unreachable",
  "server_error",
  "canceled",
  "busy",
] as const

export const relayErrorSchema = z.object({
  ...answer,
  last_seq: z.int().min(-1),
  code: z.enum(RELAY_ERROR_CODES),
  message: z.string().max(2000),
})
export type RelayError = z.infer<typeof relayErrorSchema>

export const relayModelsSchema = z.object({
  ...answer,
  server: z.string().max(100).nullable(),
  models: z
    .array(z.object({ id: z.string().min(1).max(300), loaded: z.boolean() }))
    .max(500),
})
export type RelayModels = z.infer<typeof relayModelsSchema>

export const relayAliveSchema = z.object(answer)

/** What `POST /api/device/v1/relay/session` answers: a device JWT for the relay's topics. */
export const relaySessionResponseSchema = z.object({
  device_id: dbId,
  /** The LLM server's port as set on the device's page (the agent tries it first). */
  lan_port: z.int().min(1).max(65535),
  /**
   * "Relay chats from the console" on the device's page: whether `heartbeat --watch` and
   * `worker` relay too (`serve` always does). Absent from older consoles: off.
   */
  relay_enabled: z.boolean().default(false),
  realtime: z.object({
    url: z.url(),
    anon_key: z.string().min(1),
    token: z.string().min(1),
    expires_in: z.int().positive(),
  }),
})
export type RelaySessionResponse = z.infer<typeof relaySessionResponseSchema>
