import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import {
  decodeSessionCursor,
  encodeSessionCursor,
  type SessionCursor,
} from "./cursor"
import { activityRange, type SessionFilters } from "./filters"

/** Rows per page of the list. */
export const SESSION_PAGE_SIZE = 50

/** How long a deleted session can be restored. */
export const RESTORE_WINDOW_DAYS = 30

const numeric = z.union([z.number(), z.string()]).transform(Number)

export const sessionListItemSchema = z.object({
  id: dbId,
  title: z.string(),
  model: z.string().nullable(),
  models: z
    .array(z.string())
    .nullable()
    .transform((value) => value ?? []),
  device_id: dbId.nullable(),
  device_name: z.string().nullable(),
  project_id: dbId.nullable(),
  project_name: z.string().nullable(),
  message_count: numeric,
  token_count: numeric,
  cost_usd: numeric,
  created_at: z.string(),
  last_activity_at: z.string(),
  pinned_at: z.string().nullable(),
  archived_at: z.string().nullable(),
  is_mine: z.boolean(),
  has_tool_calls: z.boolean(),
})
export type SessionListItem = z.infer<typeof sessionListItemSchema>

export type SessionPage = {
  sessions: SessionListItem[]
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null
}

/** The models a row shows: the session's own, then any other its messages ran on. */
export function sessionModels(session: SessionListItem): string[] {
  const all = [session.model, ...session.models].filter(
    (model): model is string => !!model
  )

  return [...new Set(all)]
}

export function cursorOf(session: SessionListItem): SessionCursor {
  return {
    pinned: session.pinned_at !== null,
    at: session.last_activity_at,
    id: session.id,
  }
}

/**
 * One page of the sessions the caller can see (their own and their projects': RLS decides,
 * through the security-invoker `list_sessions`), pinned first, then by last activity. Keyset
 * pagination: `cursor` is the previous page's `nextCursor`; a cursor that does not decode
 * starts from the top rather than failing.
 */
export async function listSessions(
  supabase: Client,
  {
    filters,
    cursor,
    limit = SESSION_PAGE_SIZE,
  }: {
    filters: Omit<SessionFilters, "q">
    cursor?: string | null
    limit?: number
  }
): Promise<SessionPage> {
  const after = decodeSessionCursor(cursor)
  const { activeFrom, activeTo } = activityRange(filters)
  const { data, error } = await supabase.rpc("list_sessions", {
    filter_device: filters.device ?? undefined,
    filter_model: filters.model ?? undefined,
    filter_project: filters.project ?? undefined,
    active_from: activeFrom ?? undefined,
    active_to: activeTo ?? undefined,
    with_tool_calls:
      filters.tools === "any" ? undefined : filters.tools === "yes",
    show_archived: filters.view === "archived",
    after_pinned: after?.pinned,
    after_at: after?.at,
    after_id: after?.id,
    // One more than the page, to know whether another page follows.
    max_rows: limit + 1,
  })
  if (error) throw new Error(`listSessions: ${error.code} ${error.message}`)

  const rows = z.array(sessionListItemSchema).parse(data)
  const sessions = rows.slice(0, limit)
  const last = sessions.at(-1)

  return {
    sessions,
    nextCursor:
      rows.length > limit && last ? encodeSessionCursor(cursorOf(last)) : null,
  }
}

/**
 * Whether the caller can see any live session at all, archived ones included: the list's
 * empty state ("nothing synced yet") is only true when this is false.
 */
export async function hasAnySession(supabase: Client): Promise<boolean> {
  const { data, error } = await supabase.rpc("list_sessions", { max_rows: 1 })
  if (error) throw new Error(`hasAnySession: ${error.code} ${error.message}`)

  return z.array(z.unknown()).parse(data).length > 0
}

const deletedSessionSchema = z.object({
  id: dbId,
  title: z.string(),
  model: z.string().nullable(),
  message_count: numeric,
  deleted_at: z.string(),
})
export type DeletedSession = z.infer<typeof deletedSessionSchema>

/**
 * The caller's own sessions deleted within the restore window, newest deletion first. Only
 * their own: a project member cannot restore someone else's session, so it is not offered.
 */
export async function listDeletedSessions(
  supabase: Client,
  { userId, now = Date.now() }: { userId: string; now?: number }
): Promise<DeletedSession[]> {
  const since = new Date(now - RESTORE_WINDOW_DAYS * 86_400_000).toISOString()
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select("id, title, model, message_count, deleted_at")
    .eq("user_id", userId)
    .not("deleted_at", "is", null)
    .gte("deleted_at", since)
    .order("deleted_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(200)
  if (error)
    throw new Error(`listDeletedSessions: ${error.code} ${error.message}`)

  return z.array(deletedSessionSchema).parse(data)
}

const searchHitSchema = z.object({
  message_id: dbId,
  session_id: dbId,
  session_title: z.string(),
  role: z.string(),
  created_at: z.string(),
  headline: z.string(),
  rank: numeric,
})

export type SessionSearchHit = {
  messageId: string
  role: string
  createdAt: string
  excerpt: string
}

export type SessionSearchGroup = {
  sessionId: string
  title: string
  /** The title itself matched (no message needs to). */
  titleMatched: boolean
  hits: SessionSearchHit[]
}

/** Matching messages and titles, at most this many of each. */
export const SEARCH_LIMIT = 100

/**
 * Full-text search over the messages (`search_messages`: the policies decide what is
 * searched, archived sessions included) and the titles of the sessions the caller can see,
 * grouped by session: best-ranked message first, sessions in the order of their best hit,
 * then sessions matched by title only.
 */
export async function searchSessions(
  supabase: Client,
  { query }: { query: string }
): Promise<SessionSearchGroup[]> {
  const text = query.trim().slice(0, 200)
  if (!text) return []

  const [messages, titles] = await Promise.all([
    supabase.rpc("search_messages", { query: text, max_rows: SEARCH_LIMIT }),
    supabase.rpc("list_sessions", {
      // show_archived omitted: archived sessions stay searchable.
      title_search: text,
      max_rows: 20,
    }),
  ])
  if (messages.error)
    throw new Error(
      `searchSessions: ${messages.error.code} ${messages.error.message}`
    )
  if (titles.error)
    throw new Error(
      `searchSessions: ${titles.error.code} ${titles.error.message}`
    )

  const groups = new Map<string, SessionSearchGroup>()
  for (const hit of z.array(searchHitSchema).parse(messages.data)) {
    let group = groups.get(hit.session_id)
    if (!group) {
      group = {
        sessionId: hit.session_id,
        title: hit.session_title,
        titleMatched: false,
        hits: [],
      }
      groups.set(hit.session_id, group)
    }
    group.hits.push({
      messageId: hit.message_id,
      role: hit.role,
      createdAt: hit.created_at,
      excerpt: hit.headline,
    })
  }
  for (const session of z.array(sessionListItemSchema).parse(titles.data)) {
    const group = groups.get(session.id)
    if (group) group.titleMatched = true
    else
      groups.set(session.id, {
        sessionId: session.id,
        title: session.title,
        titleMatched: true,
        hits: [],
      })
  }

  return [...groups.values()]
}

const optionSchema = z.object({ id: dbId, name: z.string() })
export type FilterOption = z.infer<typeof optionSchema>

export type SessionFilterOptions = {
  devices: FilterOption[]
  projects: (FilterOption & { canWrite: boolean })[]
  models: string[]
}

const WRITER_ROLES = new Set(["owner", "admin", "developer"])

/**
 * What the filters offer: the caller's devices (revoked ones too: their sessions remain), the
 * projects they belong to (and whether they may move sessions into each: developer or above,
 * as the update policy requires) and the models their sessions ran on.
 */
export async function listSessionFilterOptions(
  supabase: Client,
  { userId }: { userId: string }
): Promise<SessionFilterOptions> {
  const [devices, projects, models] = await Promise.all([
    supabase
      .from("devices")
      .select("id, name")
      .eq("user_id", userId)
      .order("name")
      .order("id")
      .limit(200),
    supabase
      .schema("ops")
      .from("projects")
      .select("id, name, members:project_memberships(user_id, role)")
      .order("name")
      .order("id")
      .limit(200),
    supabase.rpc("list_session_models"),
  ])
  for (const [what, result] of [
    ["devices", devices],
    ["projects", projects],
    ["models", models],
  ] as const) {
    if (result.error)
      throw new Error(
        `listSessionFilterOptions (${what}): ${result.error.code} ${result.error.message}`
      )
  }

  return {
    devices: z.array(optionSchema).parse(devices.data),
    projects: z
      .array(
        optionSchema.extend({
          members: z.array(z.object({ user_id: dbId, role: z.string() })),
        })
      )
      .parse(projects.data)
      .map(({ id, name, members }) => ({
        id,
        name,
        canWrite: members.some(
          (member) => member.user_id === userId && WRITER_ROLES.has(member.role)
        ),
      })),
    models: z.array(z.string()).parse(models.data),
  }
}
