import { describe, expect, it } from "vitest"

import { RateLimiter } from "./rate-limit"

describe("RateLimiter", () => {
  it("allows a burst up to the limit per key, then refills at the steady rate", () => {
    let now = 0
    const limiter = new RateLimiter(3, 300, () => now)
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(limiter.take("b")).toBe(true)

    now += 99_000
    expect(limiter.take("a")).toBe(false)
    now += 1_000
    expect(limiter.take("a")).toBe(true)
    expect(limiter.take("a")).toBe(false)

    now += 3_600_000
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([
      true,
      true,
      true,
      false,
    ])
  })
})
