import { describe, expect, it } from "vitest"

import { getClientIp } from "./client-ip"

const from = (headers: Record<string, string>) =>
  getClientIp(new Request("http://localhost/api/device/v1/pair", { headers }))

describe("getClientIp", () => {
  it("trusts only the rightmost X-Forwarded-For entry (the nearest proxy's)", () => {
    expect(from({ "x-forwarded-for": "203.0.113.7" })).toBe("203.0.113.7")
    expect(from({ "x-forwarded-for": "1.2.3.4, 198.51.100.2" })).toBe(
      "198.51.100.2"
    )
  })

  it("strips ports, brackets and IPv4-mapped prefixes", () => {
    expect(from({ "x-forwarded-for": "203.0.113.7:51234" })).toBe("203.0.113.7")
    expect(from({ "x-forwarded-for": "[2001:db8::1]:443" })).toBe("2001:db8::1")
    expect(from({ "x-forwarded-for": "::ffff:127.0.0.1" })).toBe("127.0.0.1")
    expect(from({ "x-forwarded-for": "2001:db8::1" })).toBe("2001:db8::1")
  })

  it("falls back to X-Real-IP, and is null when nothing is an address", () => {
    expect(
      from({ "x-forwarded-for": "garbage", "x-real-ip": "192.0.2.1" })
    ).toBe("192.0.2.1")
    expect(from({ "x-forwarded-for": "unknown" })).toBeNull()
    expect(from({})).toBeNull()
  })
})
