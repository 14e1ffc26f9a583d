import fc from "fast-check"
import { describe, expect, it } from "vitest"

import { stackDays, type ChartDay } from "./chart-series"
import { MAX_SERIES } from "./palette"

const DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]

// What usage_dashboard sends: every key among the 6 largest by cost or by tokens on its own
// (all keys when there are no more than MAX_SERIES), the rest summed per day.
function foldLikeTheDatabase(days: ChartDay[]) {
  const totals = new Map<string | null, { cost: number; tokens: number }>()
  for (const d of days) {
    const t = totals.get(d.key) ?? { cost: 0, tokens: 0 }
    totals.set(d.key, { cost: t.cost + d.cost, tokens: t.tokens + d.tokens })
  }
  const sixth = (by: "cost" | "tokens") =>
    [...totals.values()].map((t) => t[by]).sort((a, b) => b - a)[
      MAX_SERIES - 2
    ] ?? -Infinity
  const alone = (key: string | null) =>
    totals.size <= MAX_SERIES ||
    totals.get(key)!.cost >= sixth("cost") ||
    totals.get(key)!.tokens >= sixth("tokens")
  const other = new Map<string, { cost: number; tokens: number }>()
  for (const d of days.filter((d) => !alone(d.key))) {
    const o = other.get(d.day) ?? { cost: 0, tokens: 0 }
    other.set(d.day, { cost: o.cost + d.cost, tokens: o.tokens + d.tokens })
  }

  return {
    days: days.filter((d) => alone(d.key)),
    otherDays: [...other].map(([day, o]) => ({ day, ...o })),
    keyCount: totals.size,
  }
}

const dayArb = fc.record({
  day: fc.constantFrom(...DAYS),
  key: fc.constantFrom(
    null,
    ...Array.from({ length: 14 }, (_, i) => `model-${i}`)
  ),
  cost: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
  tokens: fc.integer({ min: 0, max: 100_000 }),
})

describe("the usage chart's stacking", () => {
  it("folds the small series into Other, whoever folds them", () => {
    fc.assert(
      fc.property(
        // One slice per day and key, as the database groups them.
        fc.uniqueArray(dayArb, {
          selector: (d) => `${d.day}|${d.key}`,
          maxLength: 60,
        }),
        fc.constantFrom("cost" as const, "tokens" as const),
        (days, metric) => {
          const everything = stackDays({
            days,
            otherDays: [],
            keyCount: new Set(days.map((d) => d.key)).size,
            allDays: DAYS,
            metric,
          })
          const folded = stackDays({
            ...foldLikeTheDatabase(days),
            allDays: DAYS,
            metric,
          })
          expect(folded.series).toEqual(everything.series)
          expect(folded.rows.length).toBe(everything.rows.length)
          for (const [i, row] of everything.rows.entries())
            for (const column of everything.series)
              expect(Number(folded.rows[i]![column] ?? 0)).toBeCloseTo(
                Number(row[column] ?? 0),
                6
              )
        }
      ),
      { numRuns: 300 }
    )
  })

  it("gives at most MAX_SERIES columns, the last one Other when keys were folded", () => {
    const days = Array.from({ length: 10 }, (_, i) => ({
      day: DAYS[0]!,
      key: `model-${i}`,
      cost: i + 1,
      tokens: 10 - i,
    }))
    const { series, rows } = stackDays({
      ...foldLikeTheDatabase(days),
      allDays: DAYS,
      metric: "cost",
    })
    expect(series).toEqual([
      "model-9",
      "model-8",
      "model-7",
      "model-6",
      "model-5",
      "model-4",
      "other",
    ])
    expect(rows[0]!.other).toBe(1 + 2 + 3 + 4)
  })
})
