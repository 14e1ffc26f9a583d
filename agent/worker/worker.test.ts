import { describe, expect, it } from "vitest"

import { type WorkerApi } from "./api"
import { type WakeEvents } from "./wake"
import { runWorker } from "./worker"

const PROJECT = "0b000000-0000-4000-8000-00000000b001"

describe("the worker's wake-ups", () => {
  it("keeps a wake-up that arrives while a claim is in flight and claims again at once", async () => {
    let events: WakeEvents | undefined
    let claims = 0
    let secondClaim: () => void = () => {}
    const claimedAgain = new Promise<void>((resolve) => {
      secondClaim = resolve
    })
    const api = {
      session: async () => ({
        device_id: "0d000000-0000-4000-8000-00000000b001",
        enabled: true,
        max_concurrent: 1,
        project_ids: [PROJECT],
        realtime: {
          url: "http://stack.test",
          anon_key: "anon",
          token: "token",
          topic: "worker:x",
          expires_in: 300,
        },
      }),
      claim: async () => {
        claims += 1
        // A run is queued while the first claim is on the wire: it found nothing, but the
        // wake-up for the new run must not be lost.
        if (claims === 1) events?.onQueued(PROJECT)
        else secondClaim()
        return null
      },
    }
    const abort = new AbortController()
    const done = runWorker({
      // Only session and claim are reached when nothing is claimed.
      api: api as unknown as WorkerApi,
      dataDir: "unused",
      localConfig: { postgres: {} },
      log: () => {},
      error: () => {},
      signal: abort.signal,
      // A poll never answers within the test: only the kept wake-up can claim again.
      pollMinMs: 600_000,
      pollMaxMs: 600_000,
      joinWake: (_realtime, wake) => {
        events = wake
        return { setToken: () => {}, close: async () => {} }
      },
    })
    await claimedAgain
    expect(claims).toBe(2)
    // Stopped while that claim is still on the wire: the worker ends without a poll's wait.
    abort.abort()
    expect(await done).toBe(0)
  })
})
