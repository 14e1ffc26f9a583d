import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

const numeric = z.union([z.number(), z.string()]).transform(Number)

export const SESSION_COLUMNS =
  "id, user_id, device_id, project_id, client_id, title, model, parent_id, branch_point, metadata, message_count, token_count, cost_usd, created_at, updated_at, last_modified_at, deleted_at"

export const sessionDetailSchema = z.object({
  id: dbId,
  user_id: dbId,
  device_id: dbId.nullable(),
  project_id: dbId.nullable(),
  // The chat app's own id, when a device synced it (null for sessions made in the cloud).
  client_id: z.string().nullable(),
  title: z.string(),
  model: z.string().nullable(),
  parent_id: dbId.nullable(),
  branch_point: z.number().int().nullable(),
  // Devices write it; exported as it is.
  metadata: z.record(z.string(), z.unknown()).catch({}),
  message_count: z.number(),
  token_count: numeric,
  cost_usd: numeric,
  created_at: z.string(),
  updated_at: z.string(),
  last_modified_at: z.string(),
  deleted_at: z.string().nullable(),
})
export type SessionDetail = z.infer<typeof sessionDetailSchema>

/**
 * One tool call as devices write it (OpenAI's shape: `{ id, type, function: { name,
 * arguments } }`, sometimes with the result beside it). Lenient: an odd call shows what it
 * has, never hides the message.
 */
export const toolCallSchema = z
  .object({
    id: z.string().optional().catch(undefined),
    type: z.string().optional().catch(undefined),
    name: z.string().optional().catch(undefined),
    arguments: z.unknown().optional(),
    function: z
      .object({
        name: z.string().optional().catch(undefined),
        arguments: z.unknown().optional(),
      })
      .optional()
      .catch(undefined),
    result: z.unknown().optional(),
    output: z.unknown().optional(),
  })
  .catch({})
export type ToolCall = z.infer<typeof toolCallSchema>

export const MESSAGE_COLUMNS =
  "id, client_id, session_id, parent_id, message_index, role, content, reasoning, tool_calls, model, device_id, input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms, cost_usd, created_at, deleted_at"

/** A message row as the session page uses it; also parses Realtime payloads (extra keys drop). */
export const sessionMessageSchema = z.object({
  id: dbId,
  // The chat app's own id; only the export reads it.
  client_id: z.string().nullable(),
  session_id: dbId,
  parent_id: dbId.nullable(),
  message_index: z.number().int(),
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string(),
  reasoning: z.string().nullable(),
  tool_calls: z.array(toolCallSchema).nullable().catch(null),
  model: z.string().nullable(),
  device_id: dbId.nullable(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_tokens: z.number(),
  tokens_per_second: z.number().nullable(),
  time_to_first_token_ms: z.number().nullable(),
  cost_usd: numeric,
  created_at: z.string(),
  deleted_at: z.string().nullable(),
})
export type SessionMessage = z.infer<typeof sessionMessageSchema>

/** The session, or null when it does not exist, is tombstoned or RLS hides it. */
export async function getSession(
  supabase: Client,
  { id }: { id: string }
): Promise<SessionDetail | null> {
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select(SESSION_COLUMNS)
    .eq("id", id)
    .is("deleted_at", null)
    .maybeSingle()
  if (error) throw new Error(`getSession: ${error.code} ${error.message}`)

  return data ? sessionDetailSchema.parse(data) : null
}

/** PostgREST answers at most max_rows (supabase/config.toml) rows per request. */
export const MESSAGE_BATCH = 1000

export type MessageCursor = { index: number; id: string }

/**
 * One keyset batch of a session's messages in (message_index, id) order, after `after`.
 * Tombstoned messages are included (they keep their children attached to the tree) and shown
 * as deleted. Never OFFSET: each batch is an index range scan.
 */
export async function listSessionMessagesBatch(
  supabase: Client,
  {
    sessionId,
    after,
    limit = MESSAGE_BATCH,
  }: { sessionId: string; after?: MessageCursor | null; limit?: number }
): Promise<SessionMessage[]> {
  let query = supabase
    .from("cloud_messages")
    .select(MESSAGE_COLUMNS)
    .eq("session_id", sessionId)
  if (after) {
    query = query.or(
      `message_index.gt.${after.index},and(message_index.eq.${after.index},id.gt.${after.id})`
    )
  }
  const { data, error } = await query
    .order("message_index", { ascending: true })
    .order("id", { ascending: true })
    .limit(limit)
  if (error)
    throw new Error(`listSessionMessagesBatch: ${error.code} ${error.message}`)

  return z.array(sessionMessageSchema).parse(data)
}

/** Every batch of a session's messages, one after the other (keyset, memory per batch). */
export async function* iterateSessionMessages(
  supabase: Client,
  { sessionId, batch = MESSAGE_BATCH }: { sessionId: string; batch?: number }
): AsyncGenerator<SessionMessage[]> {
  let after: MessageCursor | null = null
  for (;;) {
    const rows = await listSessionMessagesBatch(supabase, {
      sessionId,
      after,
      limit: batch,
    })
    if (rows.length > 0) yield rows
    if (rows.length < batch) return
    const last = rows[rows.length - 1]!
    after = { index: last.message_index, id: last.id }
  }
}

/**
 * All of a session's messages (all branches), in (message_index, id) order. The index span is
 * cut into ranges read in parallel (a 5,000-message session is five requests at once, not
 * five in a row); a range holding more rows than one request returns (many branches) is
 * continued by keyset.
 */
export async function listSessionMessages(
  supabase: Client,
  {
    sessionId,
    range = MESSAGE_BATCH,
    batch = MESSAGE_BATCH,
  }: { sessionId: string; range?: number; batch?: number }
): Promise<SessionMessage[]> {
  const { data, error } = await supabase
    .from("cloud_messages")
    .select("message_index")
    .eq("session_id", sessionId)
    .order("message_index", { ascending: false })
    .limit(1)
    .maybeSingle()
  if (error)
    throw new Error(`listSessionMessages: ${error.code} ${error.message}`)
  if (!data) return []

  const ranges: [number, number][] = []
  for (let low = 0; low <= data.message_index; low += range) {
    ranges.push([low, low + range])
  }
  const parts = await Promise.all(
    ranges.map(async ([low, high]) => {
      const rows: SessionMessage[] = []
      let after: MessageCursor | null = null
      for (;;) {
        let query = supabase
          .from("cloud_messages")
          .select(MESSAGE_COLUMNS)
          .eq("session_id", sessionId)
          .lt("message_index", high)
        query = after
          ? query.or(
              `message_index.gt.${after.index},and(message_index.eq.${after.index},id.gt.${after.id})`
            )
          : query.gte("message_index", low)
        const { data: page, error: batchError } = await query
          .order("message_index", { ascending: true })
          .order("id", { ascending: true })
          .limit(batch)
        if (batchError) {
          throw new Error(
            `listSessionMessages: ${batchError.code} ${batchError.message}`
          )
        }
        const parsed = z.array(sessionMessageSchema).parse(page)
        rows.push(...parsed)
        if (parsed.length < batch) return rows
        const last = parsed[parsed.length - 1]!
        after = { index: last.message_index, id: last.id }
      }
    })
  )

  return parts.flat()
}

export const sessionDeviceSchema = z.object({ id: dbId, name: z.string() })
export type SessionDevice = z.infer<typeof sessionDeviceSchema>

/**
 * Names of the devices a session's messages ran on, as far as RLS shows them (a project
 * member does not see a colleague's devices: those messages show "another member's device").
 */
export async function listSessionDevices(
  supabase: Client,
  { deviceIds }: { deviceIds: string[] }
): Promise<SessionDevice[]> {
  if (deviceIds.length === 0) return []
  const { data, error } = await supabase
    .from("devices")
    .select("id, name")
    .in("id", deviceIds)
    .limit(deviceIds.length)
  if (error)
    throw new Error(`listSessionDevices: ${error.code} ${error.message}`)

  return z.array(sessionDeviceSchema).parse(data)
}

export type SessionHeader = {
  session: SessionDetail
  /** The name of the device that synced the session, when the caller can see it. */
  deviceName: string | null
}

const HEADER_COLUMNS = `${SESSION_COLUMNS}, device:devices(name)` as const

const headerRowSchema = sessionDetailSchema.extend({
  // The embedded device, null when the caller cannot see it (RLS on devices).
  device: z.object({ name: z.string() }).nullable(),
})

/**
 * The session page's header: the session and its device's name (embedded, one request);
 * null when not readable.
 */
export async function getSessionHeader(
  supabase: Client,
  { id }: { id: string }
): Promise<SessionHeader | null> {
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select(HEADER_COLUMNS)
    .eq("id", id)
    .is("deleted_at", null)
    .maybeSingle()
  if (error) throw new Error(`getSessionHeader: ${error.code} ${error.message}`)
  if (!data) return null
  const { device, ...session } = headerRowSchema.parse(data)

  return { session, deviceName: device?.name ?? null }
}

export type SessionThread = {
  messages: SessionMessage[]
  devices: SessionDevice[]
}

/** The session page's conversation: every message, and the names of their devices. */
export async function getSessionThread(
  supabase: Client,
  { sessionId }: { sessionId: string }
): Promise<SessionThread> {
  const messages = await listSessionMessages(supabase, { sessionId })
  const deviceIds = new Set<string>()
  for (const message of messages) {
    if (message.device_id) deviceIds.add(message.device_id)
  }
  const devices = await listSessionDevices(supabase, {
    deviceIds: [...deviceIds],
  })

  return { messages, devices }
}

/**
 * The messages the server puts in the session page's HTML: a first screen and some margin (the
 * list renders about a dozen at 1280×900; the browser reads the rest after the first paint).
 * Each one travels twice, as HTML and as the query cache's JSON, so no more than needed.
 */
export const FIRST_PAGE = 40

// Each message with its device's name embedded (one request per page; null when RLS hides the
// device, as a project member does not see a colleague's devices).
const PAGE_COLUMNS = `${MESSAGE_COLUMNS}, device:devices(id, name)` as const
const pageRowSchema = sessionMessageSchema.extend({
  device: sessionDeviceSchema.nullable(),
})

/** One keyset page of the session page's conversation. */
export type SessionThreadPage = {
  messages: SessionMessage[]
  /** The names of the devices this page's messages ran on, as far as RLS shows them. */
  devices: SessionDevice[]
  /** Where the next page starts (the last row read), or null when this was the last page. */
  next: MessageCursor | null
}

/**
 * One page of the session page's conversation in (message_index, id) order, after `after`:
 * the server reads the first (a screenful, so the HTML stays small however long the
 * session), the browser reads the rest after the first paint, page by page by keyset.
 * `next` is taken from the rows read, so a live message patched into a page never moves it.
 */
export async function getSessionThreadPage(
  supabase: Client,
  {
    sessionId,
    after = null,
    limit = MESSAGE_BATCH,
  }: { sessionId: string; after?: MessageCursor | null; limit?: number }
): Promise<SessionThreadPage> {
  let query = supabase
    .from("cloud_messages")
    .select(PAGE_COLUMNS)
    .eq("session_id", sessionId)
  if (after) {
    query = query.or(
      `message_index.gt.${after.index},and(message_index.eq.${after.index},id.gt.${after.id})`
    )
  }
  const { data, error } = await query
    .order("message_index", { ascending: true })
    .order("id", { ascending: true })
    .limit(limit)
  if (error)
    throw new Error(`getSessionThreadPage: ${error.code} ${error.message}`)

  return threadPage(z.array(pageRowSchema).parse(data), limit)
}

// The header and the first page in one request: the messages embedded under their session
// (the foreign key is (session_id, user_id), so the embed is the same index range scan as
// getSessionThreadPage's first page), each with its device.
const FIRST_SCREEN_COLUMNS =
  `${HEADER_COLUMNS}, messages:cloud_messages!cloud_messages_session_fkey(${PAGE_COLUMNS})` as const
const firstScreenRowSchema = headerRowSchema.extend({
  messages: z.array(pageRowSchema),
})

export type SessionFirstScreen = {
  header: SessionHeader
  /** The first page of the conversation, as getSessionThreadPage reads it. */
  page: SessionThreadPage
}

/**
 * What the session page's server render needs, in one round trip: the header (as
 * getSessionHeader) and the first `limit` messages (as getSessionThreadPage with no cursor);
 * null when the session is not readable.
 */
export async function getSessionFirstScreen(
  supabase: Client,
  { id, limit = FIRST_PAGE }: { id: string; limit?: number }
): Promise<SessionFirstScreen | null> {
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select(FIRST_SCREEN_COLUMNS)
    .eq("id", id)
    .is("deleted_at", null)
    .order("message_index", { referencedTable: "messages", ascending: true })
    .order("id", { referencedTable: "messages", ascending: true })
    .limit(limit, { referencedTable: "messages" })
    .maybeSingle()
  if (error)
    throw new Error(`getSessionFirstScreen: ${error.code} ${error.message}`)
  if (!data) return null
  const {
    device,
    messages: rows,
    ...session
  } = firstScreenRowSchema.parse(data)

  return {
    header: { session, deviceName: device?.name ?? null },
    page: threadPage(rows, limit),
  }
}

function threadPage(
  rows: z.infer<typeof pageRowSchema>[],
  limit: number
): SessionThreadPage {
  const messages: SessionMessage[] = []
  const devices = new Map<string, SessionDevice>()
  for (const { device, ...message } of rows) {
    messages.push(message)
    if (device) devices.set(device.id, device)
  }
  const last = messages.at(-1)

  return {
    messages,
    devices: [...devices.values()],
    next:
      last && messages.length === limit
        ? { index: last.message_index, id: last.id }
        : null,
  }
}

/**
 * The pages read so far as one thread: each message once (a live one patched in may also
 * arrive in a later page; the page read later wins), and each device once.
 */
export function mergeThreadPages(
  pages: readonly SessionThreadPage[]
): SessionThread {
  const messages = new Map<string, SessionMessage>()
  const devices = new Map<string, SessionDevice>()
  for (const page of pages) {
    for (const message of page.messages) messages.set(message.id, message)
    for (const device of page.devices) devices.set(device.id, device)
  }

  return { messages: [...messages.values()], devices: [...devices.values()] }
}
