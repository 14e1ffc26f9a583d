import { describe, expect, it } from "vitest"

import { createRateLimiter } from "./rate-limit"

describe("createRateLimiter", () => {
  it("allows `limit` takes per window and key, then says when to come back", () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 })
    expect(limiter.take("a", 0)).toEqual({ ok: true })
    expect(limiter.take("a", 1000)).toEqual({ ok: true })
    expect(limiter.take("a", 20_000)).toEqual({
      ok: false,
      retryAfterSeconds: 40,
    })
    expect(limiter.take("b", 20_000)).toEqual({ ok: true })
    expect(limiter.take("a", 60_000)).toEqual({ ok: true })
  })

  it("never answers a Retry-After below one second", () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000 })
    limiter.take("a", 0)
    expect(limiter.take("a", 999.9)).toEqual({
      ok: false,
      retryAfterSeconds: 1,
    })
  })

  it("keeps working when flooded with distinct keys", () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 })
    for (let i = 0; i < 25_000; i += 1) limiter.take(`k${i}`, 0)
    expect(limiter.take("fresh", 1)).toEqual({ ok: true })
    expect(limiter.take("fresh", 2)).toMatchObject({ ok: false })
  })
})
