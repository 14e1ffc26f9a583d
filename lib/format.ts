// Formatting shared by every domain: times and numbers as the console shows them.
// A domain's own labels (device roles, LAN addresses) live in lib/<domain>/format.ts.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
]

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" })

/** "just now", "45 seconds ago", "3 minutes ago", "in 2 minutes" (for expiry times). */
export function formatRelativeTime(
  date: string | number | Date,
  now: number
): string {
  const time = new Date(date).getTime()
  if (Number.isNaN(time)) return "unknown"
  const diff = time - now
  if (Math.abs(diff) < 5_000) return "just now"

  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === "second") {
      return relative.format(Math.trunc(diff / ms), unit)
    }
  }

  return "just now"
}

// One formatter per zone ("" for the runtime's own): making an Intl.DateTimeFormat costs far
// more than formatting with one, and a long list shows a time on every row.
const exactFormats = new Map<string, Intl.DateTimeFormat>()

/** The exact moment with the viewer's time zone named, for tooltips and titles. */
export function formatExactTime(
  date: string | number | Date,
  timeZone?: string
): string {
  const value = new Date(date)
  if (Number.isNaN(value.getTime())) return "unknown time"
  let format = exactFormats.get(timeZone ?? "")
  if (!format) {
    format = new Intl.DateTimeFormat("en", {
      dateStyle: "medium",
      timeStyle: "long",
      ...(timeZone ? { timeZone } : {}),
    })
    exactFormats.set(timeZone ?? "", format)
  }

  return format.format(value)
}

const compact = new Intl.NumberFormat("en", {
  notation: "compact",
  maximumFractionDigits: 1,
})
const usd = new Intl.NumberFormat("en", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
})

export function formatCount(value: number): string {
  return compact.format(value)
}

export function formatUsd(value: number): string {
  return usd.format(value)
}

/** "1 message", "1,204 messages": the count in full, the noun agreeing with it. */
export function formatQuantity(
  count: number,
  noun: string,
  plural = `${noun}s`
): string {
  return `${count.toLocaleString("en")} ${count === 1 ? noun : plural}`
}
