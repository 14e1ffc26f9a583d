import { describe, expect, it } from "vitest"

import {
  activityRange,
  DEFAULT_SESSION_FILTERS,
  filtersToParams,
  hasNarrowingFilters,
  parseSessionFilters,
} from "./filters"

const DEVICE = "00000000-0000-4000-b000-000000000001"

describe("parseSessionFilters", () => {
  it("reads every filter from the URL", () => {
    expect(
      parseSessionFilters({
        q: "  gpu batch  ",
        view: "archived",
        device: DEVICE,
        model: "gpt-oss-20b",
        project: "00000000-0000-4000-c000-000000000001",
        from: "2026-11-01",
        to: "2026-11-30",
        tools: "yes",
      })
    ).toEqual({
      q: "gpu batch",
      view: "archived",
      device: DEVICE,
      model: "gpt-oss-20b",
      project: "00000000-0000-4000-c000-000000000001",
      from: "2026-11-01",
      to: "2026-11-30",
      tools: "yes",
    })
  })

  it("falls back to no filter for values we never write, instead of failing", () => {
    expect(
      parseSessionFilters({
        view: "everything",
        device: "not-a-uuid",
        project: "'; drop table x",
        from: "yesterday",
        to: "2026-02-30",
        tools: "maybe",
        model: "   ",
      })
    ).toEqual(DEFAULT_SESSION_FILTERS)
  })

  it("takes the first of repeated keys and caps the search at 200 characters", () => {
    const filters = parseSessionFilters({
      q: ["x".repeat(500), "second"],
      device: [DEVICE, "other"],
    })
    expect(filters.q).toHaveLength(200)
    expect(filters.device).toBe(DEVICE)
  })

  it("accepts an empty URL as the defaults", () => {
    expect(parseSessionFilters({})).toEqual(DEFAULT_SESSION_FILTERS)
    expect(hasNarrowingFilters(DEFAULT_SESSION_FILTERS)).toBe(false)
  })
})

describe("filtersToParams", () => {
  it("leaves defaults out of the URL and round-trips the rest", () => {
    expect(
      Object.values(filtersToParams(DEFAULT_SESSION_FILTERS)).every(
        (value) => value === null
      )
    ).toBe(true)
    const filters = {
      ...DEFAULT_SESSION_FILTERS,
      device: DEVICE,
      tools: "no" as const,
      view: "deleted" as const,
    }
    const params = filtersToParams(filters)
    expect(params).toMatchObject({
      device: DEVICE,
      tools: "no",
      view: "deleted",
    })
    expect(parseSessionFilters(params)).toEqual(filters)
    expect(hasNarrowingFilters(filters)).toBe(true)
  })
})

describe("activityRange", () => {
  it("covers whole UTC days, the end day included", () => {
    expect(activityRange({ from: "2026-11-30", to: "2026-12-31" })).toEqual({
      activeFrom: "2026-11-30T00:00:00.000Z",
      activeTo: "2027-01-01T00:00:00.000Z",
    })
    expect(activityRange({ from: null, to: null })).toEqual({
      activeFrom: null,
      activeTo: null,
    })
  })
})
