import { describe, expect, it } from "vitest"

import { compileRedirectGlob, createRedirectValidator } from "./redirect"

const validator = createRedirectValidator({
  siteUrl: "http://localhost:3000",
  allowList: [
    "https://lmx.optalocal.com/**",
    "https://*.preview.optalocal.com/auth/callback",
    "https://exact.example.com/welcome",
    "https://app.example.com/done?next=*",
    "lmxconsole://auth/*",
  ],
})

describe("redirect allow list", () => {
  it.each([
    ["the site URL itself", "http://localhost:3000"],
    ["any path on the site URL's origin", "http://localhost:3000/auth/confirm?next=/devices"],
    ["another port on a loopback site host", "http://localhost:4000/auth/callback"],
    ["a loopback IP host, any port", "http://127.0.0.1:8788/callback"],
    ["IPv6 loopback", "http://[::1]:3000/"],
    ["** across path segments", "https://lmx.optalocal.com/auth/callback/deep/er"],
    ["** with a query string", "https://lmx.optalocal.com/auth/callback?next=%2Fdevices"],
    ["* within one label", "https://pr-42.preview.optalocal.com/auth/callback"],
    ["an exact entry", "https://exact.example.com/welcome"],
    ["an exact entry with a fragment (ignored)", "https://exact.example.com/welcome#section"],
    ["a glob over the query string", "https://app.example.com/done?next=devices"],
    ["a custom scheme for native apps", "lmxconsole://auth/callback"],
  ])("accepts %s", (_label, url) => {
    expect(validator.isValid(url)).toBe(true)
    expect(validator.resolve(url)).toBe(url)
  })

  it.each([
    ["a look-alike host", "https://lmx.optalocal.com.evil.com/auth/callback"],
    ["a suffix look-alike", "https://evil-lmx.optalocal.com/"],
    ["userinfo tricks", "https://lmx.optalocal.com@evil.com/"],
    ["another port on a non-loopback allowed host", "https://lmx.optalocal.com:8443/auth"],
    ["http instead of https", "http://lmx.optalocal.com/auth/callback"],
    ["* does not cross labels", "https://a.b.preview.optalocal.com/auth/callback"],
    ["* does not cross path segments", "https://app.example.com/done?next=a/b"],
    ["an exact entry with a longer path", "https://exact.example.com/welcome/more"],
    ["javascript:", "javascript:alert(document.cookie)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["a non-loopback IP", "http://10.0.0.5:3000/"],
    ["a decimal IP", "http://2130706433/"],
    ["an unlisted host", "https://evil.com/"],
    ["the site host on another scheme", "https://localhost:3000/"],
    ["an empty value", ""],
  ])("rejects %s, falling back to the site URL", (_label, url) => {
    expect(validator.isValid(url)).toBe(false)
    expect(validator.resolve(url)).toBe("http://localhost:3000")
  })

  // Each of these is a host a browser would go to (evil.example) dressed as an allowed one:
  // Supabase Auth's Go parser reads them differently from the WHATWG parser browsers use.
  it.each([
    ["a backslash before @ (the open redirect)", "http://evil.example\\@localhost:3000/"],
    ["a backslash as the path separator", "http://evil.example\\localhost:3000/"],
    ["an encoded backslash before @", "http://evil.example%5C@localhost:3000/"],
    ["userinfo with the site host", "http://localhost:3000@evil.example/"],
    ["userinfo with an encoded colon", "http://localhost%3A3000@evil.example/"],
    ["a tab inside the host", "http://evil.exa\tmple\\@localhost:3000/"],
    ["a newline inside the scheme", "ht\ntp://evil.example/"],
    ["a leading space", " http://evil.example/"],
    ["a percent-encoded host", "http://evil%2Eexample/"],
    ["a mixed-encoding host", "http://%6cocalhost%2Eevil.example:3000/"],
    ["a hexadecimal loopback-looking IP", "http://0x7f.1/"],
    ["a full-width dot in the host", "http://evil\uff0eexample/"],
    ["a backslash in an allowed glob's path", "https://lmx.optalocal.com\\@evil.example/"],
    ["a scheme-relative URL", "//evil.example/"],
  ])("rejects %s: the check and the browser must read one host", (_label, url) => {
    expect(validator.isValid(url)).toBe(false)
    expect(validator.resolve(url)).toBe("http://localhost:3000")
  })

  it("compiles globs with . and / as separators", () => {
    expect(compileRedirectGlob("https://*.example.com").test("https://a.example.com")).toBe(true)
    expect(compileRedirectGlob("https://*.example.com").test("https://a.b.example.com")).toBe(false)
    expect(compileRedirectGlob("https://**.example.com").test("https://a.b.example.com")).toBe(true)
    expect(compileRedirectGlob("https://{a,b}.example.com/?").test("https://b.example.com/x")).toBe(
      true
    )
    expect(compileRedirectGlob("https://[ab].example.com").test("https://c.example.com")).toBe(
      false
    )
  })
})
