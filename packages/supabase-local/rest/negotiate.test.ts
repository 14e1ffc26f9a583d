import { describe, expect, it } from "vitest"

import { negotiate } from "./negotiate"

describe("negotiate", () => {
  it("reads each distinct Accept header once and answers the same media after", () => {
    const accept = "application/vnd.pgrst.object+json, application/json;q=0.5"

    const first = negotiate(accept)

    expect(first).toMatchObject({ format: "json", singular: true })
    expect(negotiate(accept)).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
  })

  it("still refuses an unavailable media type every time", () => {
    expect(() => negotiate("image/png")).toThrow(/None of these media types/)
    expect(() => negotiate("image/png")).toThrow(/None of these media types/)
  })

  it("tells apart headers that differ only in a parameter", () => {
    expect(negotiate("text/csv").format).toBe("csv")
    expect(negotiate("application/vnd.pgrst.array+json;nulls=stripped").format).toBe(
      "json-stripped"
    )
    expect(negotiate("application/vnd.pgrst.array+json").format).toBe("json")
  })
})
