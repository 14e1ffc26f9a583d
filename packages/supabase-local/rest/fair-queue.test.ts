import { describe, expect, it } from "vitest"

import { ApiError } from "./errors"
import { FairQueue } from "./fair-queue"

/** Work that ends when the test says so, recording when it started. */
function gate(started: string[], label: string) {
  let open!: () => void
  const done = new Promise<void>((resolve) => (open = resolve))
  return {
    work: async () => {
      started.push(label)
      await done
      return label
    },
    open: () => open(),
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("FairQueue", () => {
  it("serves the caller served least recently next, not the one who queued most", async () => {
    const queue = new FairQueue({ concurrency: 1, perCaller: 10, waitMs: 60_000 })
    const started: string[] = []
    const a1 = gate(started, "a1")
    const a2 = gate(started, "a2")
    const a3 = gate(started, "a3")
    const b1 = gate(started, "b1")
    const runs = [
      queue.run("alice", a1.work),
      queue.run("alice", a2.work),
      queue.run("alice", a3.work),
      queue.run("bob", b1.work),
    ]
    await tick()
    expect(started).toEqual(["a1"])
    a1.open()
    await tick()
    expect(started).toEqual(["a1", "b1"])
    b1.open()
    await tick()
    expect(started).toEqual(["a1", "b1", "a2"])
    a2.open()
    a3.open()
    expect(await Promise.all(runs)).toEqual(["a1", "a2", "a3", "b1"])
  })

  it("refuses a caller's request past its cap with 503, leaving other callers alone", async () => {
    const queue = new FairQueue({ concurrency: 1, perCaller: 1, waitMs: 60_000 })
    const started: string[] = []
    const running = gate(started, "a1")
    const first = queue.run("alice", running.work)
    const waiting = queue.run("alice", async () => "a2")
    const refused = await queue.run("alice", async () => "a3").catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 503, code: "PGRST003" })
    const bob = queue.run("bob", async () => "b1")
    running.open()
    expect(await Promise.all([first, waiting, bob])).toEqual(["a1", "a2", "b1"])
  })

  it("gives up on a request that waits past waitMs with PostgREST's 504 PGRST003", async () => {
    const queue = new FairQueue({ concurrency: 1, perCaller: 5, waitMs: 20 })
    const started: string[] = []
    const running = gate(started, "a1")
    const first = queue.run("alice", running.work)
    const late = await queue.run("bob", async () => "b1").catch((error: unknown) => error)
    expect(late).toMatchObject({ status: 504, code: "PGRST003" })
    running.open()
    expect(await first).toBe("a1")
    // The queue still serves after a waiter gave up.
    expect(await queue.run("bob", async () => "b2")).toBe("b2")
  })
})
