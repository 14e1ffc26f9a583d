import { describe, expect, it } from "vitest"

import { contentSecurityPolicy, createNonce } from "./content-security-policy"

function directives(policy: string) {
  return Object.fromEntries(
    policy.split("; ").map((directive) => {
      const [name, ...values] = directive.split(" ")

      return [name!, values]
    })
  )
}

describe("contentSecurityPolicy", () => {
  const base = { nonce: "abc123==", supabaseUrl: "http://127.0.0.1:54321" }

  it("runs scripts only with the request's nonce, never inline, never in a frame", () => {
    const policy = directives(contentSecurityPolicy(base))
    expect(policy["script-src"]).toEqual([
      "'self'",
      "'nonce-abc123=='",
      "'strict-dynamic'",
    ])
    expect(policy["script-src"]).not.toContain("'unsafe-inline'")
    expect(policy["frame-ancestors"]).toEqual(["'none'"])
    expect(policy["object-src"]).toEqual(["'none'"])
    expect(policy["base-uri"]).toEqual(["'self'"])
  })

  it("lets the browser reach Supabase's REST, Auth and Realtime origins", () => {
    expect(directives(contentSecurityPolicy(base))["connect-src"]).toEqual([
      "'self'",
      "http://127.0.0.1:54321",
      "ws://127.0.0.1:54321",
    ])
    expect(
      directives(
        contentSecurityPolicy({
          ...base,
          supabaseUrl: "https://abc.supabase.co",
        })
      )["connect-src"]
    ).toEqual(["'self'", "https://abc.supabase.co", "wss://abc.supabase.co"])
  })

  it("lets /chat reach exactly the user's device tunnels, as origins, and nothing that is not http(s)", () => {
    const connect = directives(
      contentSecurityPolicy({
        ...base,
        deviceTunnels: [
          "https://mac.example.net/v1",
          "https://mac.example.net",
          "http://10.0.0.5:1234",
          "javascript:alert(1)",
          "https://a.example.net; script-src *",
          "*",
        ],
      })
    )["connect-src"]
    expect(connect).toEqual([
      "'self'",
      "http://127.0.0.1:54321",
      "ws://127.0.0.1:54321",
      "https://mac.example.net",
      "http://10.0.0.5:1234",
    ])
    expect(connect).not.toContain("*")
  })

  it("shows images from Storage's origin (signed URLs of chat attachments)", () => {
    expect(directives(contentSecurityPolicy(base))["img-src"]).toEqual([
      "'self'",
      "data:",
      "blob:",
      "https:",
      "http://127.0.0.1:54321",
    ])
  })

  it("allows the configured CAPTCHA's widget and nothing else's", () => {
    const policy = directives(
      contentSecurityPolicy({ ...base, captcha: "turnstile" })
    )
    expect(policy["frame-src"]).toEqual(["https://challenges.cloudflare.com"])
    expect(policy["script-src"]).toContain("https://challenges.cloudflare.com")
    expect(directives(contentSecurityPolicy(base))["frame-src"]).toEqual([
      "'none'",
    ])
  })

  it("allows eval only in development", () => {
    expect(contentSecurityPolicy(base)).not.toContain("unsafe-eval")
    expect(contentSecurityPolicy({ ...base, development: true })).toContain(
      "'unsafe-eval'"
    )
  })
})

describe("createNonce", () => {
  it("is fresh base64 each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce))
    expect(nonces.size).toBe(50)
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/)
  })
})
