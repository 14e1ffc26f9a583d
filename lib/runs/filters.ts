import { z } from "zod"

import { dbId } from "@/lib/db-id"

export const RUN_STATUSES = [
  "queued",
  "claimed",
  "running",
  "succeeded",
  "failed",
  "canceled",
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const WORKFLOW_KINDS = [
  "build",
  "test",
  "deploy",
  "backup",
  "upgrade",
  "maintenance",
  "custom",
] as const
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number]

/** The URL keys of the runs page, in the order they appear in a shared link. */
export const RUN_FILTER_KEYS = [
  "status",
  "project",
  "workflow",
  "kind",
  "device",
  "by",
  "from",
  "to",
] as const
export type RunFilterKey = (typeof RUN_FILTER_KEYS)[number]

const day = z.iso.date()

// Every key falls back to "no filter" when its value is not one we write: a stale or edited
// link still opens the page, never an error. `project` is the slug the header's project
// switcher writes (docs/projects.md).
const runFiltersSchema = z.object({
  status: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .filter((item): item is RunStatus =>
          (RUN_STATUSES as readonly string[]).includes(item)
        )
    )
    .transform((list) => [...new Set(list)].sort())
    .catch([]),
  project: z
    .string()
    .regex(/^[a-z0-9-]{1,48}$/)
    .nullable()
    .catch(null),
  workflow: dbId.nullable().catch(null),
  kind: z.enum(WORKFLOW_KINDS).nullable().catch(null),
  device: dbId.nullable().catch(null),
  by: dbId.nullable().catch(null),
  from: day.nullable().catch(null),
  to: day.nullable().catch(null),
})

export type RunFilters = z.infer<typeof runFiltersSchema>

export const DEFAULT_RUN_FILTERS: RunFilters = {
  status: [],
  project: null,
  workflow: null,
  kind: null,
  device: null,
  by: null,
  from: null,
  to: null,
}

type RawParams = Partial<
  Record<RunFilterKey, string | string[] | null | undefined>
>

/** Filters from the URL (a server component's searchParams or nuqs's state). */
export function parseRunFilters(params: RawParams): RunFilters {
  const first = (value: string | string[] | null | undefined) =>
    (Array.isArray(value) ? value[0] : value) ?? null

  return runFiltersSchema.parse({
    status: first(params.status) ?? "",
    project: first(params.project),
    workflow: first(params.workflow),
    kind: first(params.kind),
    device: first(params.device),
    by: first(params.by),
    from: first(params.from),
    to: first(params.to),
  })
}

/** The URL values for filters; defaults become null so nuqs leaves them out of the URL. */
export function runFiltersToParams(
  filters: RunFilters
): Record<RunFilterKey, string | null> {
  return {
    status: filters.status.length ? filters.status.join(",") : null,
    project: filters.project,
    workflow: filters.workflow,
    kind: filters.kind,
    device: filters.device,
    by: filters.by,
    from: filters.from,
    to: filters.to,
  }
}

/** Whether anything narrows the list (an empty answer then means "no match", not "no runs"). */
export function hasRunFilters(filters: RunFilters): boolean {
  return RUN_FILTER_KEYS.some((key) =>
    key === "status" ? filters.status.length > 0 : filters[key] !== null
  )
}

/**
 * The date range as the half-open interval queued_at is compared with: `from` at the start
 * of its UTC day, `to` through the end of its UTC day (a shared link means the same thing in
 * every time zone, as on the sessions page).
 */
export function queuedRange(filters: Pick<RunFilters, "from" | "to">): {
  queuedFrom: string | null
  queuedTo: string | null
} {
  const next = (date: string) => {
    const value = new Date(`${date}T00:00:00Z`)
    value.setUTCDate(value.getUTCDate() + 1)

    return value.toISOString()
  }

  return {
    queuedFrom: filters.from ? `${filters.from}T00:00:00.000Z` : null,
    queuedTo: filters.to ? next(filters.to) : null,
  }
}
