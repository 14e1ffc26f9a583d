import { describe, expect, it } from "vitest"

import {
  holdsLapsedLease,
  LEASE_CLOCK_SKEW_MS,
  nextLeaseExpiry,
} from "./leases"

describe("the runs' next lease expiry", () => {
  it("is the first lease a worker holds; queued and finished runs have none", () => {
    expect(
      nextLeaseExpiry([
        { status: "running", lease_expires_at: "2026-12-05T10:01:00Z" },
        { status: "claimed", lease_expires_at: "2026-12-05T10:00:30Z" },
        // Requeued or finished: the lease left on the row holds nothing.
        { status: "queued", lease_expires_at: "2026-12-05T09:00:00Z" },
        { status: "failed", lease_expires_at: "2026-12-05T09:00:00Z" },
        { status: "running", lease_expires_at: null },
      ])
    ).toBe(Date.parse("2026-12-05T10:00:30Z"))
    expect(
      nextLeaseExpiry([{ status: "succeeded", lease_expires_at: null }])
    ).toBeNull()
  })
})

describe("whether a read must settle leases first", () => {
  const now = Date.parse("2026-12-05T10:00:00Z")
  const running = (at: number) => ({
    status: "running",
    lease_expires_at: new Date(at).toISOString(),
  })

  it("does for a lease past, or within the clock allowance of its end", () => {
    expect(holdsLapsedLease([running(now - 60_000)], now)).toBe(true)
    expect(holdsLapsedLease([running(now + LEASE_CLOCK_SKEW_MS)], now)).toBe(
      true
    )
  })

  it("does not while every lease is live, or no worker holds one", () => {
    expect(
      holdsLapsedLease([running(now + LEASE_CLOCK_SKEW_MS + 1)], now)
    ).toBe(false)
    expect(
      holdsLapsedLease(
        [
          {
            status: "queued",
            lease_expires_at: new Date(now - 1).toISOString(),
          },
        ],
        now
      )
    ).toBe(false)
    expect(holdsLapsedLease([], now)).toBe(false)
  })
})
