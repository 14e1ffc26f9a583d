import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

import { type DateRange } from "./range"

const amount = z
  .union([z.number(), z.string(), z.null()])
  .transform((value) => Number(value ?? 0))

/** The caller's reporting timezone from their profile; null when they have not chosen one. */
export async function getProfileTimezone(
  supabase: Client,
  userId: string
): Promise<string | null> {
  const { data, error } = await supabase
    .from("profiles")
    .select("timezone")
    .eq("id", userId)
    .maybeSingle()
  if (error)
    throw new Error(`getProfileTimezone: ${error.code} ${error.message}`)

  return data?.timezone ?? null
}

const sessionSchema = z.object({
  id: dbId,
  title: z.string().nullable(),
  model: z.string().nullable(),
  device_id: z.string().nullable(),
  device_name: z.string().nullable(),
  project_id: z.string().nullable(),
  message_count: amount,
  token_count: amount,
  cost_usd: amount,
  updated_at: z.string(),
})
export type UsageSession = z.infer<typeof sessionSchema>

/** Which sessions the usage page lists: the range's instants and the page's filters. */
export type SessionRange = {
  userId: string
  fromInstant: string
  toInstant: string
  projectId?: string | null
  deviceId?: string | null
  model?: string | null
}

/** Sessions the usage page shows at first and adds with each "Show more". */
export const SESSIONS_PAGE_SIZE = 10

export type UsageSessionPage = {
  sessions: UsageSession[]
  /** Where the next page starts; null when this one is the last. */
  nextOffset: number | null
}

/**
 * A page of the costliest sessions active in the range (session_summary: whole-session
 * totals), for the session breakdown. A local day's bounds are passed as instants. Ordered by
 * cost, then id, so the pages neither overlap nor skip a row while nothing changes; one row
 * more than the page is read to know whether another page follows.
 */
export async function listSessionsInRange(
  supabase: Client,
  {
    userId,
    fromInstant,
    toInstant,
    projectId,
    deviceId,
    model,
    offset = 0,
    limit = SESSIONS_PAGE_SIZE,
  }: SessionRange & { offset?: number; limit?: number }
): Promise<UsageSessionPage> {
  let query = supabase
    .from("session_summary")
    .select(
      "id, title, model, device_id, device_name, project_id, message_count, token_count, cost_usd, updated_at"
    )
    .gte("updated_at", fromInstant)
    .lt("updated_at", toInstant)
  query = projectId
    ? query.eq("project_id", projectId)
    : query.eq("user_id", userId)
  if (deviceId) query = query.eq("device_id", deviceId)
  if (model) query = query.eq("model", model)
  const { data, error } = await query
    .order("cost_usd", { ascending: false })
    .order("id")
    .range(offset, offset + limit)
  if (error)
    throw new Error(`listSessionsInRange: ${error.code} ${error.message}`)
  const rows = z.array(sessionSchema).parse(data)

  return {
    sessions: rows.slice(0, limit),
    nextOffset: rows.length > limit ? offset + limit : null,
  }
}

const analyticsSchema = z.object({
  session_count: amount,
  message_count: amount,
  cost_usd: amount,
  device_count: amount,
  active_days_30d: amount,
  first_day: z.string().nullable(),
  top_model: z.string().nullable(),
})
export type UserAnalytics = z.infer<typeof analyticsSchema>

/** The all-time overview cards (user_analytics: one row for the caller). */
export async function getUserAnalytics(
  supabase: Client
): Promise<UserAnalytics | null> {
  const { data, error } = await supabase
    .from("user_analytics")
    .select(
      "session_count, message_count, cost_usd, device_count, active_days_30d, first_day, top_model"
    )
    .maybeSingle()
  if (error) throw new Error(`getUserAnalytics: ${error.code} ${error.message}`)

  return data ? analyticsSchema.parse(data) : null
}

const activitySchema = z.object({
  kind: z.enum(["session", "audit"]),
  id: dbId,
  summary: z.string().nullable(),
  at: z.string(),
})
export type RecentActivity = z.infer<typeof activitySchema>

/** The caller's latest sessions and audit entries (recent_activity), newest first. */
export async function listRecentActivity(
  supabase: Client,
  limit = 8
): Promise<RecentActivity[]> {
  const { data, error } = await supabase
    .from("recent_activity")
    .select("kind, id, summary, at")
    .order("at", { ascending: false })
    .limit(limit)
  if (error)
    throw new Error(`listRecentActivity: ${error.code} ${error.message}`)

  return z.array(activitySchema).parse(data)
}

const budgetSchema = z.object({
  budget_id: dbId,
  project_id: z.string().nullable(),
  monthly_usd: amount,
  monthly_tokens: z
    .union([z.number(), z.string()])
    .nullable()
    .transform((v) => (v === null ? null : Number(v))),
  warn_at_percent: amount,
  spent_usd: amount,
  spent_tokens: amount,
  level: z.enum(["warning", "exceeded"]).nullable(),
})
export type BudgetStatus = z.infer<typeof budgetSchema>

/**
 * The caller's budgets with this month's spend (in their timezone); records each newly
 * crossed threshold once, with an audit entry (record_budget_crossings).
 */
export async function checkBudgets(
  supabase: Client,
  timezone: string
): Promise<BudgetStatus[]> {
  const { data, error } = await supabase.rpc("record_budget_crossings", {
    p_tz: timezone,
  })
  if (error) throw new Error(`checkBudgets: ${error.code} ${error.message}`)

  return z.array(budgetSchema).parse(data)
}

const nameSchema = z.object({ id: dbId, name: z.string() })
const projectNameSchema = nameSchema.extend({ slug: z.string() })

/**
 * Names for the ids the report returns: the caller's devices and their projects, and the
 * projects' slugs (the header's project switcher puts `?project=<slug>` in the URL).
 */
export async function getUsageNames(supabase: Client): Promise<{
  devices: Map<string, string>
  projects: Map<string, string>
  projectSlugs: Map<string, string>
}> {
  const [devices, projects] = await Promise.all([
    supabase.from("devices").select("id, name").limit(500),
    supabase.schema("ops").from("projects").select("id, name, slug").limit(500),
  ])
  if (devices.error) throw new Error(`getUsageNames: ${devices.error.message}`)
  if (projects.error)
    throw new Error(`getUsageNames: ${projects.error.message}`)

  return {
    devices: new Map(
      z
        .array(nameSchema)
        .parse(devices.data)
        .map((d) => [d.id, d.name])
    ),
    projects: new Map(
      z
        .array(projectNameSchema)
        .parse(projects.data)
        .map((p) => [p.id, p.name])
    ),
    projectSlugs: new Map(
      z
        .array(projectNameSchema)
        .parse(projects.data)
        .map((p) => [p.slug, p.id])
    ),
  }
}

/** `?project=` holds an id or a slug (the project switcher's); null when it names none of the caller's. */
export function resolveProject(
  value: string | undefined,
  names: { projects: Map<string, string>; projectSlugs: Map<string, string> }
): string | null {
  if (!value) return null
  if (names.projects.has(value)) return value

  return names.projectSlugs.get(value.toLowerCase()) ?? null
}

/** A local date's midnight in a timezone as an instant (for filters on timestamps). */
export function localMidnight(date: string, timezone: string): string {
  // Start from UTC midnight and correct by the zone's offset at that moment, twice, which
  // settles across a DST change.
  let guess = Date.parse(`${date}T00:00:00Z`)
  for (let i = 0; i < 2; i++) {
    const offset = offsetMs(guess, timezone)
    guess = Date.parse(`${date}T00:00:00Z`) - offset
  }

  return new Date(guess).toISOString()
}

function offsetMs(instant: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant))
  const get = (type: string) =>
    Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second")
  )

  return asUtc - Math.floor(instant / 1000) * 1000
}

/** A range's bounds as instants: its first local midnight and the one after its last day. */
export function rangeInstants(range: DateRange, timezone: string) {
  const next = new Date(`${range.to}T00:00:00Z`)
  next.setUTCDate(next.getUTCDate() + 1)

  return {
    fromInstant: localMidnight(range.from, timezone),
    toInstant: localMidnight(next.toISOString().slice(0, 10), timezone),
  }
}

/** How many of the caller's (or the project's) sessions were active between two instants. */
export async function countSessionsInRange(
  supabase: Client,
  {
    userId,
    fromInstant,
    toInstant,
    projectId,
    deviceId,
    model,
  }: {
    userId: string
    fromInstant: string
    toInstant: string
    projectId?: string | null
    deviceId?: string | null
    model?: string | null
  }
): Promise<number> {
  let query = supabase
    .from("session_summary")
    .select("id", { count: "exact", head: true })
    .gte("updated_at", fromInstant)
    .lt("updated_at", toInstant)
  query = projectId
    ? query.eq("project_id", projectId)
    : query.eq("user_id", userId)
  if (deviceId) query = query.eq("device_id", deviceId)
  if (model) query = query.eq("model", model)
  const { count, error } = await query
  if (error)
    throw new Error(`countSessionsInRange: ${error.code} ${error.message}`)

  return count ?? 0
}
