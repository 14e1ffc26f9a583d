import { describe, expect, it } from "vitest"

import { decodeRunCursor, encodeRunCursor } from "./cursor"
import {
  DEFAULT_RUN_FILTERS,
  hasRunFilters,
  parseRunFilters,
  queuedRange,
  runFiltersToParams,
} from "./filters"

const ID = "00000000-0000-4000-c000-000000000001"

describe("parseRunFilters", () => {
  it("reads what the page writes and round-trips it", () => {
    const filters = parseRunFilters({
      status: "running,failed,running",
      project: "studio-inference",
      workflow: ID,
      kind: "build",
      device: ID,
      by: ID,
      from: "2026-12-01",
      to: "2026-12-03",
    })
    expect(filters.status).toEqual(["failed", "running"])
    expect(parseRunFilters(runFiltersToParams(filters))).toEqual(filters)
    expect(hasRunFilters(filters)).toBe(true)
  })

  it("falls back to no filter for anything it did not write", () => {
    expect(
      parseRunFilters({
        status: "exploded",
        project: "<script>",
        workflow: "not-an-id",
        kind: "bake",
        from: "yesterday",
      })
    ).toEqual(DEFAULT_RUN_FILTERS)
    expect(hasRunFilters(DEFAULT_RUN_FILTERS)).toBe(false)
  })
})

describe("queuedRange", () => {
  it("covers whole UTC days", () => {
    expect(queuedRange({ from: "2026-12-01", to: "2026-12-31" })).toEqual({
      queuedFrom: "2026-12-01T00:00:00.000Z",
      queuedTo: "2027-01-01T00:00:00.000Z",
    })
  })
})

describe("run cursor", () => {
  it("round-trips and refuses what it did not write", () => {
    const cursor = { at: "2026-12-03T10:00:00.123456+00:00", id: ID }
    expect(decodeRunCursor(encodeRunCursor(cursor))).toEqual(cursor)
    expect(decodeRunCursor("garbage")).toBeNull()
    expect(decodeRunCursor(btoa(JSON.stringify(["x", ID])))).toBeNull()
  })
})
