import { describe, expect, it } from "vitest"

import { getClientIp, PEER_ADDRESS_HEADER } from "./client-ip"

const from = (headers: Record<string, string>, hops: number) =>
  getClientIp(
    new Request("http://localhost/api/device/v1/pair", { headers }),
    hops
  )

describe("getClientIp", () => {
  it("with no trusted proxy, ignores a forged X-Forwarded-For and uses the socket's peer", () => {
    const forged = {
      "x-forwarded-for": "192.168.188.11",
      "x-real-ip": "192.168.188.12",
      [PEER_ADDRESS_HEADER]: "203.0.113.7",
    }
    expect(from(forged, 0)).toBe("203.0.113.7")
    expect(from({ "x-forwarded-for": "192.168.188.11" }, 0)).toBeNull()
  })

  it("with N trusted proxies, takes the Nth entry from the right (what the outermost trusted proxy saw)", () => {
    const chain = { "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2" }
    expect(from(chain, 1)).toBe("10.0.0.2")
    expect(from(chain, 2)).toBe("203.0.113.7")
    // A client cannot push the trusted entries aside by sending more of its own.
    expect(
      from({ "x-forwarded-for": "1.1.1.1, 2.2.2.2, 6.6.6.6, 203.0.113.7" }, 1)
    ).toBe("203.0.113.7")
    // Fewer entries than proxies: the leftmost one, still written by a trusted proxy.
    expect(from({ "x-forwarded-for": "203.0.113.7" }, 2)).toBe("203.0.113.7")
  })

  it("strips ports, brackets and IPv4-mapped prefixes", () => {
    expect(from({ "x-forwarded-for": "203.0.113.7:51234" }, 1)).toBe(
      "203.0.113.7"
    )
    expect(from({ "x-forwarded-for": "[2001:db8::1]:443" }, 1)).toBe(
      "2001:db8::1"
    )
    expect(from({ [PEER_ADDRESS_HEADER]: "::ffff:127.0.0.1" }, 0)).toBe(
      "127.0.0.1"
    )
    expect(from({ "x-forwarded-for": "2001:db8::1" }, 1)).toBe("2001:db8::1")
  })

  it("is null when nothing is an address", () => {
    expect(from({ "x-forwarded-for": "unknown" }, 1)).toBeNull()
    expect(from({}, 1)).toBeNull()
    expect(from({}, 0)).toBeNull()
  })
})
