import { describe, expect, it } from "vitest"

import { formatCpu, formatLanAddress, formatMemory, formatRole } from "./format"

describe("formatRole", () => {
  it("names both roles as the console writes them", () => {
    expect(formatRole("llm_host")).toBe("LLM host")
    expect(formatRole("workstation")).toBe("Workstation")
  })
})

describe("formatLanAddress", () => {
  it("joins address and port, bracketing IPv6", () => {
    expect(formatLanAddress("192.168.188.11", 1234)).toBe("192.168.188.11:1234")
    expect(formatLanAddress("fe80::1", 1234)).toBe("[fe80::1]:1234")
    expect(formatLanAddress("10.0.0.2/32", 8080)).toBe("10.0.0.2:8080")
    expect(formatLanAddress(null, 1234)).toBeNull()
  })
})

describe("formatMemory", () => {
  it("prints whole and fractional gigabytes", () => {
    expect(formatMemory(192)).toBe("192 GB memory")
    expect(formatMemory(15.5)).toBe("15.5 GB memory")
    expect(formatMemory(undefined)).toBeNull()
  })
})

describe("formatCpu", () => {
  it("adds the logical cores when reported, and says nothing without a CPU", () => {
    expect(formatCpu("Apple M2 Max", 12)).toBe("Apple M2 Max (12 threads)")
    expect(formatCpu("AMD Ryzen 9 7950X", undefined)).toBe("AMD Ryzen 9 7950X")
    expect(formatCpu(undefined, 8)).toBeNull()
  })
})
