import { describe, expect, it } from "vitest"

import {
  averageTokensPerSecond,
  busyCost,
  busySeconds,
  idleCost,
  messageLocalCost,
  perMillionTokens,
  savings,
} from "./local-cost"

describe("local hardware cost", () => {
  it("busy time is generation plus time to first token", () => {
    expect(
      busySeconds({
        outputTokens: 500,
        tokensPerSecond: 50,
        timeToFirstTokenMs: 1500,
      })
    ).toBe(11.5)
    expect(
      busySeconds({
        outputTokens: 500,
        tokensPerSecond: 50,
        timeToFirstTokenMs: null,
      })
    ).toBe(10)
  })

  it("a message without a measured speed has no busy time and no local cost", () => {
    expect(
      busySeconds({
        outputTokens: 500,
        tokensPerSecond: null,
        timeToFirstTokenMs: 900,
      })
    ).toBeNull()
    expect(
      busySeconds({
        outputTokens: 500,
        tokensPerSecond: 0,
        timeToFirstTokenMs: 900,
      })
    ).toBeNull()
    expect(
      messageLocalCost(
        { mode: "hourly", usdPerHour: 3.6 },
        { outputTokens: 500, tokensPerSecond: null, timeToFirstTokenMs: 900 }
      )
    ).toBe(0)
  })

  it("prices busy time by the hour", () => {
    // 36 s at $3.60/h = $0.036
    expect(busyCost({ mode: "hourly", usdPerHour: 3.6 }, 36)).toBeCloseTo(
      0.036,
      12
    )
    expect(
      messageLocalCost(
        { mode: "hourly", usdPerHour: 3.6 },
        { outputTokens: 1000, tokensPerSecond: 40, timeToFirstTokenMs: 11_000 }
      )
    ).toBeCloseTo(0.036, 12)
  })

  it("prices busy time by energy at the busy draw", () => {
    // 1 h at 200 W = 0.2 kWh, at $0.30/kWh = $0.06
    expect(
      busyCost(
        { mode: "energy", usdPerKwh: 0.3, busyWatts: 200, idleWatts: 20 },
        3600
      )
    ).toBeCloseTo(0.06, 12)
  })

  it("prices idle draw per period, not per message, and only in energy mode", () => {
    const price = {
      mode: "energy",
      usdPerKwh: 0.3,
      busyWatts: 200,
      idleWatts: 20,
    } as const
    // 24 h with 4 busy: 20 h x 0.02 kW x $0.30 = $0.12
    expect(idleCost(price, 24, 4)).toBeCloseTo(0.12, 12)
    expect(idleCost(price, 2, 4)).toBe(0)
    expect(idleCost({ mode: "hourly", usdPerHour: 1 }, 24, 0)).toBe(0)
  })

  it("$/M tokens, average speed and savings", () => {
    expect(perMillionTokens(0.5, 250_000)).toBe(2)
    expect(perMillionTokens(0.5, 0)).toBeNull()
    expect(averageTokensPerSecond(1000, 20)).toBe(50)
    expect(averageTokensPerSecond(1000, 0)).toBeNull()
    expect(savings(10, 1.25)).toBe(8.75)
  })
})
