import { describe, expect, it } from "vitest"

import { BusyMeter, intersect, length, union } from "./busy-time"

describe("busy time per layer", () => {
  it("counts overlapping calls once", () => {
    expect(
      union([
        [5, 8],
        [0, 2],
        [1, 4],
        [8, 9],
      ])
    ).toEqual([
      [0, 4],
      [5, 9],
    ])
    expect(
      length([
        [0, 10],
        [2, 3],
        [5, 12],
      ])
    ).toBe(12)
  })

  it("clips a layer to the time of the layer above it", () => {
    // Two REST calls inside a route call and one after the reply (search indexing).
    const route = [[0, 10]] as const
    const rest = [
      [1, 4],
      [3, 6],
      [12, 15],
    ] as const

    expect(length(intersect(rest, route))).toBe(5)
    expect(length(rest) - length(intersect(rest, route))).toBe(3)
  })

  it("meters only while on, and settles once nothing runs", async () => {
    const meter = new BusyMeter()
    await meter.time(() => Promise.resolve())
    expect(meter.calls).toBe(0)

    meter.on = true
    let finished = false
    void meter
      .time(() => new Promise((resolve) => setTimeout(resolve, 60)))
      .then(() => {
        finished = true
      })
    await meter.settled(20)

    expect(finished).toBe(true)
    expect(meter.calls).toBe(1)
  })
})
