import { MAX_SERIES } from "./palette"

export type ChartDay = {
  day: string
  key: string | null
  cost: number
  tokens: number
}

export type ChartMetric = "cost" | "tokens"

/**
 * The chart's columns and one row per day: the largest series of the metric get a column
 * each, the rest are "other" (with the keys usage_dashboard already folded per day).
 */
export function stackDays({
  days,
  otherDays,
  keyCount,
  allDays,
  metric,
}: {
  days: ChartDay[]
  otherDays: Omit<ChartDay, "key">[]
  keyCount: number
  allDays: string[]
  metric: ChartMetric
}): { series: string[]; rows: Record<string, number | string>[] } {
  const totals = new Map<string, number>()
  for (const d of days) {
    const key = d.key ?? "none"
    totals.set(key, (totals.get(key) ?? 0) + d[metric])
  }
  const ranked = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => k)
  // The database sends every key that can be among the largest by either metric, so
  // ranking those picks what ranking every key would.
  const keys = Math.max(keyCount, ranked.length)
  const top = ranked.slice(0, keys > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES)
  const hasOther = keys > top.length
  const series = [...top, ...(hasOther ? ["other"] : [])]
  const byDay = new Map<string, Record<string, number | string>>(
    allDays.map((day) => [day, { day }])
  )
  for (const d of days) {
    const key = d.key ?? "none"
    const column = top.includes(key) ? key : "other"
    const row = byDay.get(d.day)
    if (row) row[column] = Number(row[column] ?? 0) + d[metric]
  }
  for (const d of otherDays) {
    const row = byDay.get(d.day)
    if (row) row.other = Number(row.other ?? 0) + d[metric]
  }

  return { series, rows: [...byDay.values()] }
}
