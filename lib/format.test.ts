import { describe, expect, it } from "vitest"

import { formatExactTime, formatRelativeTime } from "./format"

const NOW = Date.parse("2026-11-22T12:00:00.000Z")

describe("formatRelativeTime", () => {
  it.each([
    [NOW - 2_000, "just now"],
    [NOW - 45_000, "45 seconds ago"],
    [NOW - 90_000, "1 minute ago"],
    [NOW - 3 * 3_600_000, "3 hours ago"],
    [NOW - 86_400_000, "yesterday"],
    [NOW - 40 * 86_400_000, "last month"],
    [NOW + 9 * 60_000, "in 9 minutes"],
  ])("%s → %s", (time, text) => {
    expect(formatRelativeTime(time, NOW)).toBe(text)
  })

  it("says unknown for an unparseable date", () => {
    expect(formatRelativeTime("nope", NOW)).toBe("unknown")
  })
})

describe("formatExactTime", () => {
  it("names the time zone", () => {
    expect(formatExactTime(NOW, "UTC")).toBe("Nov 22, 2026, 12:00:00 PM UTC")
  })
})
