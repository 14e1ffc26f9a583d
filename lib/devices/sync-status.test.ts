import { describe, expect, it } from "vitest"

import { deriveSyncState } from "./sync-status"

const AT = "2026-12-03T12:00:00.000Z"

describe("deriveSyncState", () => {
  it("is never when the device neither pushed nor reported", () => {
    expect(deriveSyncState({}, null)).toEqual({ kind: "never" })
  })

  it("is synced with the last push time when nothing is pending", () => {
    expect(deriveSyncState({}, AT)).toEqual({
      kind: "synced",
      lastSyncedAt: AT,
    })
    expect(
      deriveSyncState(
        { sync_status: { pending: 0, last_error: null, at: AT } },
        null
      )
    ).toEqual({
      kind: "synced",
      lastSyncedAt: null,
    })
  })

  it("counts pending items, and an error wins over pending", () => {
    expect(
      deriveSyncState(
        { sync_status: { pending: 3, last_error: null, at: AT } },
        AT
      )
    ).toEqual({
      kind: "pending",
      pending: 3,
      lastSyncedAt: AT,
    })
    expect(
      deriveSyncState(
        {
          sync_status: {
            pending: 2,
            last_error: "content_too_large: m1",
            at: AT,
          },
        },
        AT
      )
    ).toEqual({
      kind: "error",
      error: "content_too_large: m1",
      pending: 2,
      lastSyncedAt: AT,
    })
  })
})
