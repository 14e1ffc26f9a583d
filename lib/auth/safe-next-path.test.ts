import { describe, expect, it } from "vitest"

import { safeNextPath, siteUrlFor } from "./safe-next-path"

const ATTACKS = [
  // Other origins, spelled plainly.
  "https://evil.com",
  "http://evil.com/devices",
  "HTTPS://evil.com",
  "//evil.com",
  "//evil.com/devices",
  "///evil.com",
  "////evil.com",
  "\\\\evil.com",
  "/\\evil.com",
  "\\/evil.com",
  "/\\/evil.com",
  ".evil.com",
  "@evil.com",
  "evil.com",
  "devices",
  "javascript:alert(1)",
  "JavaScript:alert(document.cookie)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "mailto:x@evil.com",
  // Whitespace and control characters browsers drop from URLs.
  "/\t/evil.com",
  "/\n/evil.com",
  "/\r\n/evil.com",
  "\t//evil.com",
  " //evil.com",
  "/%09/evil.com",
  "/%0a/evil.com",
  "/%0d%0a/evil.com",
  "/%00/evil.com",
  "/devices\u0000",
  // Percent-encoded slashes and backslashes, once and several times.
  "%2f%2fevil.com",
  "%2F%2Fevil.com",
  "/%2f/evil.com",
  "/%2fevil.com",
  "/%2F%2Fevil.com",
  "/%5cevil.com",
  "/%5Cevil.com",
  "%5c%5cevil.com",
  "/%255cevil.com",
  "/%252f%252fevil.com",
  "/%252F/evil.com",
  "/%25252f/evil.com",
  "%252f%252fevil.com",
  "/%2525252525252f/evil.com",
  // Userinfo and host tricks.
  "https://lmx.optalocal.com@evil.com",
  "//lmx.optalocal.com@evil.com",
  "https:evil.com",
  "https:/evil.com",
  "http:\\\\evil.com",
  // Malformed encodings.
  "/%E0%A4%A",
  "/%",
  // Not strings at all, or empty.
  "",
  undefined,
  null,
  42,
  ["/devices"],
  { toString: () => "/devices" },
  // Absurdly long.
  `/${"a".repeat(3000)}`,
] as const

describe("safeNextPath", () => {
  it.each(
    ATTACKS.map((value) => [JSON.stringify(value) ?? String(value), value])
  )("refuses %s", (_label, value) => {
    expect(safeNextPath(value)).toBe("/")
  })

  it.each([
    ["/", "/"],
    ["/devices", "/devices"],
    [
      "/devices/3f0c2b7e-1b1c-4c3e-9f57-0d5f2a8f7d11",
      "/devices/3f0c2b7e-1b1c-4c3e-9f57-0d5f2a8f7d11",
    ],
    ["/pair?code=ABCD-EFGH", "/pair?code=ABCD-EFGH"],
    ["/sessions?q=tokens&device=a#m-12", "/sessions?q=tokens&device=a#m-12"],
    [
      "/sessions?q=https%3A%2F%2Fexample.com",
      "/sessions?q=https%3A%2F%2Fexample.com",
    ],
    [
      "/usage?from=2026-11-01&to=2026-11-22",
      "/usage?from=2026-11-01&to=2026-11-22",
    ],
    ["/runs/../settings", "/settings"],
    ["/@me", "/@me"],
  ])("keeps the same-origin path %s", (value, expected) => {
    expect(safeNextPath(value)).toBe(expected)
  })

  it("never yields a value that leaves the origin it is resolved against", () => {
    for (const value of ATTACKS) {
      const url = siteUrlFor(safeNextPath(value), "https://lmx.optalocal.com")
      expect(url.origin).toBe("https://lmx.optalocal.com")
    }
  })
})

describe("siteUrlFor", () => {
  it("builds on the configured origin, not on a request's host", () => {
    expect(siteUrlFor("/devices?x=1", "https://lmx.optalocal.com").href).toBe(
      "https://lmx.optalocal.com/devices?x=1"
    )
    expect(siteUrlFor("//evil.com", "http://localhost:3000").href).toBe(
      "http://localhost:3000/"
    )
  })
})
