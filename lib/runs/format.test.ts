import { describe, expect, it } from "vitest"

import {
  formatDuration,
  formatLogClock,
  formatQueueText,
  formatSinceStart,
  ordinal,
  runDurationMs,
} from "./format"

describe("ordinal", () => {
  it("says 1st, 2nd, 3rd, 4th, and the teens with th", () => {
    expect(
      [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 112].map(ordinal)
    ).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "13th",
      "21st",
      "22nd",
      "101st",
      "111th",
      "112th",
    ])
  })
})

describe("formatDuration", () => {
  it("shows at most two units, rounded down", () => {
    expect(formatDuration(0)).toBe("0 s")
    expect(formatDuration(59_999)).toBe("59 s")
    expect(formatDuration(72_000)).toBe("1 m 12 s")
    expect(formatDuration(120_000)).toBe("2 m")
    expect(formatDuration(3_600_000 + 5 * 60_000 + 9_000)).toBe("1 h 5 m")
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h")
    expect(formatDuration(-5)).toBe("0 s")
  })
})

describe("formatQueueText", () => {
  const queuedAt = "2026-12-03T10:00:00.000Z"
  const now = Date.parse(queuedAt) + 72_000

  it("says the place, the fleet and the wait", () => {
    expect(
      formatQueueText({ position: 3, workersOnline: 2, queuedAt, now })
    ).toBe(
      "3rd in queue · 2 workers online for this project · waiting 1 m 12 s"
    )
    expect(
      formatQueueText({ position: 1, workersOnline: 1, queuedAt, now })
    ).toBe("1st in queue · 1 worker online for this project · waiting 1 m 12 s")
    expect(
      formatQueueText({ position: 12, workersOnline: 0, queuedAt, now })
    ).toBe(
      "12th in queue · no worker online for this project · waiting 1 m 12 s"
    )
  })
})

describe("runDurationMs", () => {
  it("runs from start to finish, or to now while running, and is null before a start", () => {
    const started_at = "2026-12-03T10:00:00.000Z"
    expect(
      runDurationMs({ started_at, finished_at: "2026-12-03T10:01:00.000Z" }, 0)
    ).toBe(60_000)
    expect(
      runDurationMs(
        { started_at, finished_at: null },
        Date.parse(started_at) + 5000
      )
    ).toBe(5000)
    expect(runDurationMs({ started_at: null, finished_at: null }, 0)).toBeNull()
  })
})

describe("log timestamps", () => {
  it("formats the time of day to the millisecond in a given zone", () => {
    expect(formatLogClock("2026-12-03T10:04:05.006Z", "UTC")).toBe(
      "10:04:05.006"
    )
    expect(formatLogClock("2026-12-03T23:59:59.999Z", "Europe/Berlin")).toBe(
      "00:59:59.999"
    )
    expect(formatLogClock("not a date")).toBe("--:--:--.---")
  })

  it("formats the time since the start, with a sign", () => {
    expect(formatSinceStart(7250)).toBe("+0:07.250")
    expect(formatSinceStart(12 * 60_000 + 3000)).toBe("+12:03.000")
    expect(formatSinceStart(3_723_000)).toBe("+1:02:03.000")
    expect(formatSinceStart(-1500)).toBe("−0:01.500")
    expect(formatSinceStart(0)).toBe("+0:00.000")
  })
})
