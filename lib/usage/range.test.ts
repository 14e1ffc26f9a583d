import { describe, expect, it } from "vitest"

import {
  eachDay,
  isTimezone,
  MAX_RANGE_DAYS,
  previousRange,
  resolveRange,
  todayIn,
  usageSearchSchema,
} from "./range"

// 2026-12-03 01:30 UTC: still 2 December in New York, already 3 December in Berlin.
const NOW = new Date("2026-12-03T01:30:00Z")

describe("usage ranges", () => {
  it("today depends on the timezone", () => {
    expect(todayIn("America/New_York", NOW)).toBe("2026-12-02")
    expect(todayIn("Europe/Berlin", NOW)).toBe("2026-12-03")
  })

  it("resolves every preset in the reporting timezone", () => {
    const tz = "Europe/Berlin"
    const of = (range: string) =>
      resolveRange(usageSearchSchema.parse({ range }), tz, NOW)
    expect(of("today")).toMatchObject({
      from: "2026-12-03",
      to: "2026-12-03",
      days: 1,
    })
    expect(of("7d")).toMatchObject({
      from: "2026-11-27",
      to: "2026-12-03",
      days: 7,
    })
    expect(of("30d")).toMatchObject({
      from: "2026-11-04",
      to: "2026-12-03",
      days: 30,
    })
    expect(of("this-month")).toMatchObject({
      from: "2026-12-01",
      to: "2026-12-03",
    })
    expect(of("last-month")).toMatchObject({
      from: "2026-11-01",
      to: "2026-11-30",
      days: 30,
    })
    expect(of("12m")).toMatchObject({ from: "2026-01-01", to: "2026-12-03" })
  })

  it("orders and clamps a custom range", () => {
    const swapped = resolveRange(
      { range: "custom", from: "2026-05-10", to: "2026-05-01" },
      "UTC",
      NOW
    )
    expect(swapped).toMatchObject({
      from: "2026-05-01",
      to: "2026-05-10",
      days: 10,
    })
    const long = resolveRange(
      { range: "custom", from: "2020-01-01", to: "2026-05-01" },
      "UTC",
      NOW
    )
    expect(long.days).toBe(MAX_RANGE_DAYS)
    expect(long.to).toBe("2026-05-01")
  })

  it("the previous range has the same length and ends the day before", () => {
    expect(
      previousRange({ from: "2026-11-04", to: "2026-12-03", days: 30 })
    ).toEqual({
      from: "2026-10-05",
      to: "2026-11-03",
      days: 30,
    })
  })

  it("bad query values fall back instead of failing the page", () => {
    const search = usageSearchSchema.parse({
      range: "forever",
      tz: "Mars/Olympus",
      stack: "colour",
      device: "x",
    })
    expect(search).toMatchObject({
      range: "30d",
      tz: undefined,
      stack: "model",
      device: undefined,
    })
    expect(isTimezone("Asia/Kathmandu")).toBe(true)
    expect(isTimezone("")).toBe(false)
  })

  it("lists every day of a range across a DST change", () => {
    expect(eachDay("2026-03-28", "2026-03-30")).toEqual([
      "2026-03-28",
      "2026-03-29",
      "2026-03-30",
    ])
  })
})
