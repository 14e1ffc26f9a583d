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

/** The exact moment with the viewer's time zone named, for tooltips and titles. */
export function formatExactTime(
  date: string | number | Date,
  timeZone?: string
): string {
  const value = new Date(date)
  if (Number.isNaN(value.getTime())) return "unknown time"

  return new Intl.DateTimeFormat("en", {
    dateStyle: "medium",
    timeStyle: "long",
    ...(timeZone ? { timeZone } : {}),
  }).format(value)
}

const ROLE_LABELS = {
  llm_host: "LLM host",
  workstation: "Workstation",
} as const

export function formatRole(role: keyof typeof ROLE_LABELS): string {
  return ROLE_LABELS[role]
}

/** `192.168.1.5:1234`, or `[fe80::1]:1234` for IPv6 as URLs write it. */
export function formatLanAddress(
  ip: string | null,
  port: number
): string | null {
  if (!ip) return null
  const host = ip.replace(/\/(32|128)$/, "")

  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`
}

export function formatMemory(gb: number | undefined): string | null {
  if (gb === undefined) return null

  return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB memory`
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
