import { describe, expect, it } from "vitest"

import {
  formatExactTime,
  formatLanAddress,
  formatMemory,
  formatRelativeTime,
} from "./format"

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

describe("formatLanAddress", () => {
  it("joins address and port, bracketing IPv6", () => {
    expect(formatLanAddress("192.168.188.11", 1234)).toBe("192.168.188.11:1234")
    expect(formatLanAddress("fe80::1", 1234)).toBe("[fe80::1]:1234")
    expect(formatLanAddress("10.0.0.2/32", 8080)).toBe("10.0.0.2:8080")
    expect(formatLanAddress(null, 1234)).toBeNull()
  })
})

describe("formatMemory", () => {
  it("prints whole and fractional gigabytes", () => {
    expect(formatMemory(192)).toBe("192 GB memory")
    expect(formatMemory(15.5)).toBe("15.5 GB memory")
    expect(formatMemory(undefined)).toBeNull()
  })
})
