import { beforeEach, describe, expect, it, vi } from "vitest"

import { PEER_ADDRESS_HEADER } from "@/app/api/device/v1/_lib/client-ip"

let address = "203.0.113.7"
vi.mock("server-only", () => ({}))
vi.mock("next/headers", () => ({
  headers: async () => new Headers({ [PEER_ADDRESS_HEADER]: address }),
}))

const { takePairingCodeCheck } = await import("./guess-limit")

describe("takePairingCodeCheck", () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  it("bounds code checks per address, not across everyone", async () => {
    address = "203.0.113.7"
    for (let i = 0; i < 60; i++) expect(await takePairingCodeCheck()).toBe(true)
    expect(await takePairingCodeCheck()).toBe(false)

    // Another address is not held back by the first one's guesses.
    address = "198.51.100.4"
    expect(await takePairingCodeCheck()).toBe(true)

    // The window passes.
    address = "203.0.113.7"
    vi.advanceTimersByTime(15 * 60_000)
    expect(await takePairingCodeCheck()).toBe(true)
    vi.useRealTimers()
  })
})
