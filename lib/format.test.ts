import { describe, expect, it } from "vitest"

import { formatExactTime, formatQuantity, formatRelativeTime } from "./format"

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

  it("keeps each zone's own formatter", () => {
    expect(formatExactTime(NOW, "Asia/Kolkata")).toBe(
      "Nov 22, 2026, 5:30:00 PM GMT+5:30"
    )
    expect(formatExactTime(NOW, "UTC")).toBe("Nov 22, 2026, 12:00:00 PM UTC")
    expect(formatExactTime("nope", "UTC")).toBe("unknown time")
  })
})

describe("formatQuantity", () => {
  it.each([
    [0, "0 messages"],
    [1, "1 message"],
    [2, "2 messages"],
    [1204, "1,204 messages"],
  ])("%i → %s", (count, text) => {
    expect(formatQuantity(count, "message")).toBe(text)
  })

  it("takes an irregular plural", () => {
    expect(formatQuantity(3, "entry", "entries")).toBe("3 entries")
  })
})
