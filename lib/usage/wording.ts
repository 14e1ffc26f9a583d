import { formatQuantity } from "@/lib/format"

/**
 * From ten times the previous figure on, a change reads as a multiple: "up 107×" says what
 * "up 10625%" does (a range after one with almost nothing) in a form people can read.
 */
const MULTIPLE_FROM = 10

/** A headline figure's change against the previous range (`change()` in dashboard.ts). */
export function changeText(delta: number | null): string {
  if (delta === null) return "new in this range"
  if (delta === 0) return "no change"
  const ratio = 1 + delta
  if (ratio >= MULTIPLE_FROM) {
    return `up ${ratio.toLocaleString("en", { maximumFractionDigits: ratio < 100 ? 1 : 0 })}×`
  }
  const percent = Math.abs(delta * 100)

  return `${delta > 0 ? "up" : "down"} ${percent >= 10 ? percent.toFixed(0) : percent.toFixed(1)}%`
}

/** "Showing 1 of 1 session", "Showing 10 of 42 sessions": the noun agrees with the total. */
export function showingText(shown: number, total: number): string {
  return `Showing ${shown.toLocaleString("en")} of ${formatQuantity(Math.max(total, shown), "session")}`
}
