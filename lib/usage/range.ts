import { z } from "zod"

import { dbId } from "@/lib/db-id"

export const RANGE_PRESETS = [
  "today",
  "7d",
  "30d",
  "this-month",
  "last-month",
  "12m",
] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]

export const PRESET_LABELS: Record<RangePreset, string> = {
  today: "Today",
  "7d": "7 days",
  "30d": "30 days",
  "this-month": "This month",
  "last-month": "Last month",
  "12m": "12 months",
}

export const STACKS = ["model", "device", "project"] as const
export type Stack = (typeof STACKS)[number]

/** Longest custom range: the report reads the range before it too, for the change. */
export const MAX_RANGE_DAYS = 400

const isoDate = z.iso.date()

/** An IANA timezone name this runtime knows (the database checks again). */
export function isTimezone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false
  try {
    new Intl.DateTimeFormat("en", { timeZone: value })

    return true
  } catch {
    return false
  }
}

export const timezoneSchema = z
  .string()
  .refine(isTimezone, { error: "Choose a timezone from the list." })

/** The page's query string: everything a chart or table depends on lives in the URL. */
export const usageSearchSchema = z.object({
  range: z.enum([...RANGE_PRESETS, "custom"]).catch("30d"),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
  tz: timezoneSchema.optional().catch(undefined),
  // The project switcher sets ?project=<slug or id>; resolved against the caller's projects.
  project: z.string().min(1).max(200).optional().catch(undefined),
  device: dbId.optional().catch(undefined),
  model: z.string().min(1).max(200).optional().catch(undefined),
  stack: z.enum(STACKS).catch("model"),
})
export type UsageSearch = z.infer<typeof usageSearchSchema>

/** The first search param value of each key (Next gives arrays for repeated keys). */
export function firstValues(
  params: Record<string, string | string[] | undefined>
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [
      key,
      Array.isArray(value) ? value[0] : value,
    ])
  )
}

export type DateRange = { from: string; to: string; days: number }

/** Today's date (YYYY-MM-DD) in a timezone. */
export function todayIn(timezone: string, now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now)
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)

  return d.toISOString().slice(0, 10)
}

export function daysBetween(from: string, to: string): number {
  return (
    Math.round(
      (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) /
        86_400_000
    ) + 1
  )
}

/** Every date from `from` to `to`, inclusive. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = []
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day)

  return days
}

/** A preset's local days in a timezone; a custom range as given, clamped to a sane length. */
export function resolveRange(
  search: Pick<UsageSearch, "range" | "from" | "to">,
  timezone: string,
  now: Date = new Date()
): DateRange & { preset: RangePreset | "custom" } {
  const today = todayIn(timezone, now)
  const month = today.slice(0, 7)
  const make = (from: string, to: string, preset: RangePreset | "custom") => ({
    from,
    to,
    days: daysBetween(from, to),
    preset,
  })
  if (search.range === "custom" && search.from && search.to) {
    const [from, to] =
      search.from <= search.to
        ? [search.from, search.to]
        : [search.to, search.from]
    const clampedFrom =
      daysBetween(from, to) > MAX_RANGE_DAYS
        ? addDays(to, -(MAX_RANGE_DAYS - 1))
        : from

    return make(clampedFrom, to, "custom")
  }
  switch (search.range) {
    case "today":
      return make(today, today, "today")
    case "7d":
      return make(addDays(today, -6), today, "7d")
    case "this-month":
      return make(`${month}-01`, today, "this-month")
    case "last-month": {
      const lastDay = addDays(`${month}-01`, -1)

      return make(`${lastDay.slice(0, 7)}-01`, lastDay, "last-month")
    }
    case "12m":
      // This month and the eleven before it.
      return make(monthsBefore(`${month}-01`, 11), today, "12m")
    default:
      return make(addDays(today, -29), today, "30d")
  }
}

function monthsBefore(monthStart: string, months: number): string {
  const d = new Date(`${monthStart}T00:00:00Z`)
  d.setUTCMonth(d.getUTCMonth() - months)

  return d.toISOString().slice(0, 10)
}

/** The range of the same length just before this one: what the change is measured against. */
export function previousRange(range: DateRange): DateRange {
  return {
    from: addDays(range.from, -range.days),
    to: addDays(range.from, -1),
    days: range.days,
  }
}
