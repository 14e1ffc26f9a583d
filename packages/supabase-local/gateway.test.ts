import { describe, expect, it } from "vitest"

import { createHostCheck } from "./gateway"
import { settingMs } from "./rest/kernel"

describe("createHostCheck", () => {
  it("answers the same for a Host header it has already judged", () => {
    const isAllowedHost = createHostCheck("127.0.0.1")

    for (let i = 0; i < 3; i++) {
      expect(isAllowedHost("localhost:54321")).toBe(true)
      expect(isAllowedHost("[::1]:54321")).toBe(true)
      expect(isAllowedHost("evil.example:54321")).toBe(false)
      expect(isAllowedHost("user@localhost")).toBe(false)
      expect(isAllowedHost(undefined)).toBe(false)
    }
  })

  it("allows the address it listens on only when that is a specific one", () => {
    expect(createHostCheck("192.168.1.5")("192.168.1.5:54321")).toBe(true)
    expect(createHostCheck("0.0.0.0")("192.168.1.5:54321")).toBe(false)
  })
})

describe("settingMs", () => {
  it("reads a time setting as Postgres does, the same each time", () => {
    for (let i = 0; i < 2; i++) {
      expect(settingMs("3s")).toBe(3000)
      expect(settingMs("8000")).toBe(8000)
      expect(settingMs("1min")).toBe(60_000)
      expect(settingMs("nonsense")).toBe(0)
      expect(settingMs(undefined)).toBe(0)
    }
  })
})
