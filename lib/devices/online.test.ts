import { describe, expect, it } from "vitest"

import { deriveOnlineState, msUntilOffline, ONLINE_WINDOW_MS } from "./online"

const NOW = Date.parse("2026-11-22T12:00:00.000Z")
const ago = (ms: number) => new Date(NOW - ms).toISOString()

describe("deriveOnlineState", () => {
  it("is online for a heartbeat within 90 seconds, including exactly 90", () => {
    expect(
      deriveOnlineState({ last_seen_at: ago(0), revoked_at: null }, NOW)
    ).toBe("online")
    expect(
      deriveOnlineState(
        { last_seen_at: ago(ONLINE_WINDOW_MS), revoked_at: null },
        NOW
      )
    ).toBe("online")
  })

  it("is offline once the heartbeat is older than 90 seconds", () => {
    expect(
      deriveOnlineState(
        { last_seen_at: ago(ONLINE_WINDOW_MS + 1), revoked_at: null },
        NOW
      )
    ).toBe("offline")
  })

  it("says never for a device that has not sent a heartbeat", () => {
    expect(
      deriveOnlineState({ last_seen_at: null, revoked_at: null }, NOW)
    ).toBe("never")
    expect(
      deriveOnlineState({ last_seen_at: "garbage", revoked_at: null }, NOW)
    ).toBe("never")
  })

  it("says revoked for a revoked device, however fresh its last heartbeat", () => {
    expect(
      deriveOnlineState({ last_seen_at: ago(1_000), revoked_at: ago(500) }, NOW)
    ).toBe("revoked")
  })

  it("treats a heartbeat slightly in the future (clock skew) as online", () => {
    expect(
      deriveOnlineState({ last_seen_at: ago(-2_000), revoked_at: null }, NOW)
    ).toBe("online")
  })
})

describe("msUntilOffline", () => {
  it("is the time left in the window, plus a millisecond so the timer lands past it", () => {
    expect(
      msUntilOffline({ last_seen_at: ago(30_000), revoked_at: null }, NOW)
    ).toBe(60_001)
  })

  it("is null when nothing changes without a new heartbeat", () => {
    expect(
      msUntilOffline({ last_seen_at: ago(100_000), revoked_at: null }, NOW)
    ).toBeNull()
    expect(
      msUntilOffline({ last_seen_at: null, revoked_at: null }, NOW)
    ).toBeNull()
    expect(
      msUntilOffline({ last_seen_at: ago(1), revoked_at: ago(0) }, NOW)
    ).toBeNull()
  })

  it("turns offline exactly when the timer fires", () => {
    const device = { last_seen_at: ago(45_000), revoked_at: null }
    const wait = msUntilOffline(device, NOW)!
    expect(deriveOnlineState(device, NOW + wait - 1)).toBe("online")
    expect(deriveOnlineState(device, NOW + wait)).toBe("offline")
  })
})
