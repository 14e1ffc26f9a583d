import { z } from "zod"

import { dbId } from "@/lib/db-id"

/** Which sessions the list shows: live ones, archived ones, or the recently deleted. */
export const SESSION_VIEWS = ["active", "archived", "deleted"] as const
export type SessionView = (typeof SESSION_VIEWS)[number]

export const TOOL_FILTERS = ["any", "yes", "no"] as const

/** The URL keys of the sessions page, in the order they appear in a shared link. */
export const FILTER_KEYS = [
  "q",
  "view",
  "device",
  "model",
  "project",
  "from",
  "to",
  "tools",
] as const
export type FilterKey = (typeof FILTER_KEYS)[number]

const day = z.iso.date()

// Every key falls back to "no filter" when its value is not one we write: a stale or edited
// link still opens the page, never an error.
const sessionFiltersSchema = z.object({
  q: z
    .string()
    .transform((value) => value.trim().slice(0, 200))
    .catch(""),
  view: z.enum(SESSION_VIEWS).catch("active"),
  device: dbId.nullable().catch(null),
  model: z.string().trim().min(1).max(200).nullable().catch(null),
  project: dbId.nullable().catch(null),
  from: day.nullable().catch(null),
  to: day.nullable().catch(null),
  tools: z.enum(TOOL_FILTERS).catch("any"),
})

export type SessionFilters = z.infer<typeof sessionFiltersSchema>

export const DEFAULT_SESSION_FILTERS: SessionFilters = {
  q: "",
  view: "active",
  device: null,
  model: null,
  project: null,
  from: null,
  to: null,
  tools: "any",
}

type RawParams = Partial<
  Record<FilterKey, string | string[] | null | undefined>
>

/** Filters from the URL (a server component's searchParams or nuqs's state). */
export function parseSessionFilters(params: RawParams): SessionFilters {
  const first = (value: string | string[] | null | undefined) =>
    (Array.isArray(value) ? value[0] : value) ?? undefined

  return sessionFiltersSchema.parse({
    q: first(params.q) ?? "",
    view: first(params.view),
    device: first(params.device) ?? null,
    model: first(params.model) ?? null,
    project: first(params.project) ?? null,
    from: first(params.from) ?? null,
    to: first(params.to) ?? null,
    tools: first(params.tools),
  })
}

/** The URL values for filters; defaults become null so nuqs leaves them out of the URL. */
export function filtersToParams(
  filters: SessionFilters
): Record<FilterKey, string | null> {
  return {
    q: filters.q || null,
    view: filters.view === "active" ? null : filters.view,
    device: filters.device,
    model: filters.model,
    project: filters.project,
    from: filters.from,
    to: filters.to,
    tools: filters.tools === "any" ? null : filters.tools,
  }
}

/** Whether anything narrows the list (an empty answer then means "no match", not "no data"). */
export function hasNarrowingFilters(filters: SessionFilters): boolean {
  return (
    filters.device !== null ||
    filters.model !== null ||
    filters.project !== null ||
    filters.from !== null ||
    filters.to !== null ||
    filters.tools !== "any"
  )
}

/**
 * The date range as the half-open interval the database compares last activity with: `from`
 * at the start of its day and `to` through the end of its day, both in UTC (the dates in the
 * URL name UTC days, so a shared link means the same thing in every time zone).
 */
export function activityRange(filters: Pick<SessionFilters, "from" | "to">): {
  activeFrom: string | null
  activeTo: string | null
} {
  const next = (date: string) => {
    const value = new Date(`${date}T00:00:00Z`)
    value.setUTCDate(value.getUTCDate() + 1)

    return value.toISOString()
  }

  return {
    activeFrom: filters.from ? `${filters.from}T00:00:00.000Z` : null,
    activeTo: filters.to ? next(filters.to) : null,
  }
}
