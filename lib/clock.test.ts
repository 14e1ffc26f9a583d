import { describe, expect, it } from "vitest"

import { clockSkew } from "./clock"

const NOW = Date.parse("2026-11-22T12:00:00.000Z")

describe("clockSkew", () => {
  it("is what to add to the browser's clock to get the server's", () => {
    expect(clockSkew(new Date(NOW + 5_000).toISOString(), NOW)).toBe(5_000)
    expect(clockSkew("not a date", NOW)).toBe(0)
  })
})
