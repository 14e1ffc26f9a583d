import { type RunStatus } from "./filters"

export const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  queued: "Queued",
  claimed: "Claimed",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
}

/** Whether a run has reached a final state (the queue never moves it again). */
export function isFinished(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled"
}

/** Whether a run can still be canceled (the state machine's queued|claimed|running → canceled). */
export function isCancelable(status: RunStatus): boolean {
  return status === "queued" || status === "claimed" || status === "running"
}

/** "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "101st", "111th". */
export function ordinal(value: number): string {
  const tens = value % 100
  if (tens >= 11 && tens <= 13) return `${value}th`
  switch (value % 10) {
    case 1:
      return `${value}st`
    case 2:
      return `${value}nd`
    case 3:
      return `${value}rd`
    default:
      return `${value}th`
  }
}

/**
 * A span of time as the runs pages show it: "0 s", "45 s", "1 m 12 s", "2 h 5 m", "3 d 4 h".
 * Two units at most; whole seconds, rounded down (a run at 59.9 s has not run a minute).
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const days = Math.floor(total / 86_400)
  const hours = Math.floor((total % 86_400) / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} m` : `${hours} h`
  if (minutes > 0)
    return seconds > 0 ? `${minutes} m ${seconds} s` : `${minutes} m`

  return `${seconds} s`
}

/** A step's or a short run's duration with sub-second precision under 10 s: "0.4 s", "3.2 s". */
export function formatStepDuration(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`

  return formatDuration(ms)
}

/** How long a run took or has been taking, or null when it never started. */
export function runDurationMs(
  run: {
    started_at: string | null
    finished_at: string | null
  },
  now: number
): number | null {
  if (!run.started_at) return null
  const start = Date.parse(run.started_at)
  const end = run.finished_at ? Date.parse(run.finished_at) : now

  return Math.max(0, end - start)
}

/**
 * A queued run's place and wait, as the list and the run's page say it:
 * "3rd in queue · 2 workers online for this project · waiting 1 m 12 s". Position and workers
 * come from the database (ops.list_runs), the wait from queued_at on the server's clock.
 */
export function formatQueueText({
  position,
  workersOnline,
  queuedAt,
  now,
}: {
  position: number
  workersOnline: number
  queuedAt: string
  now: number
}): string {
  const workers =
    workersOnline === 0
      ? "no worker online for this project"
      : `${workersOnline} worker${workersOnline === 1 ? "" : "s"} online for this project`
  const waiting = formatDuration(now - Date.parse(queuedAt))

  return `${ordinal(position)} in queue · ${workers} · waiting ${waiting}`
}

/** A log line's time of day, to the millisecond, in the reader's zone (or `timeZone`). */
export function formatLogClock(date: string, timeZone?: string): string {
  const value = new Date(date)
  if (Number.isNaN(value.getTime())) return "--:--:--.---"
  const parts = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    ...(timeZone ? { timeZone } : {}),
  }).format(value)

  return `${parts}.${String(value.getMilliseconds()).padStart(3, "0")}`
}

/**
 * A log line's time since the run started: "+0:07.250", "+12:03.000", "+1:02:03.000"; a line
 * written before the start (an earlier attempt's) is "−…".
 */
export function formatSinceStart(ms: number): string {
  const sign = ms < 0 ? "−" : "+"
  const total = Math.abs(Math.trunc(ms))
  const millis = String(total % 1000).padStart(3, "0")
  const seconds = Math.floor(total / 1000) % 60
  const minutes = Math.floor(total / 60_000) % 60
  const hours = Math.floor(total / 3_600_000)
  const pad = (value: number) => String(value).padStart(2, "0")

  return hours > 0
    ? `${sign}${hours}:${pad(minutes)}:${pad(seconds)}.${millis}`
    : `${sign}${minutes}:${pad(seconds)}.${millis}`
}
