import fc from "fast-check"
import { describe, expect, it } from "vitest"

import { backoffDelay, sleep } from "./backoff"

describe("backoffDelay", () => {
  it("stays within [cap/2, cap] where the cap doubles from baseMs up to maxMs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (attempt, r, baseMs, maxMs) => {
          const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
          const delay = backoffDelay(attempt, { baseMs, maxMs }, () => r)
          expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2))
          expect(delay).toBeLessThanOrEqual(Math.ceil(cap))
          expect(delay).toBeLessThanOrEqual(maxMs)
        }
      )
    )
  })

  it("grows exponentially until the ceiling", () => {
    const mid = () => 0.5
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((a) =>
      backoffDelay(a, { baseMs: 1000, maxMs: 30_000 }, mid)
    )
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 22500, 22500, 22500])
  })

  it("jitters: different random draws give different delays at the same attempt", () => {
    const low = backoffDelay(3, { baseMs: 1000, maxMs: 30_000 }, () => 0)
    const high = backoffDelay(3, { baseMs: 1000, maxMs: 30_000 }, () => 1)
    expect(low).toBe(4000)
    expect(high).toBe(8000)
  })

  it("treats a nonsense attempt or random value as the nearest sane one", () => {
    expect(backoffDelay(-3, { baseMs: 100, maxMs: 1000 }, () => 2)).toBe(100)
    expect(
      backoffDelay(
        Number.MAX_SAFE_INTEGER,
        { baseMs: 100, maxMs: 1000 },
        () => -1
      )
    ).toBe(500)
  })
})

describe("sleep", () => {
  it("stops early when aborted", async () => {
    const controller = new AbortController()
    const slept = sleep(60_000, controller.signal)
    controller.abort(new Error("stop"))
    await expect(slept).rejects.toThrow("stop")
  })
})
