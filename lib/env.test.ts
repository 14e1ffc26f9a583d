import { afterEach, describe, expect, it, vi } from "vitest"

import { EnvError, parsePublicEnv, parseServerEnv } from "@/lib/env"

const ANON_JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"

const GOOD_PUBLIC = {
  NEXT_PUBLIC_SUPABASE_URL: "http://127.0.0.1:54321",
  NEXT_PUBLIC_SUPABASE_ANON_KEY: ANON_JWT,
}

function captureEnvError(parse: () => unknown): EnvError {
  try {
    parse()
  } catch (error) {
    if (error instanceof EnvError) return error
    throw error
  }
  throw new Error("expected an EnvError")
}

describe("parsePublicEnv", () => {
  it("accepts a good configuration and defaults the site URL", () => {
    expect(parsePublicEnv(GOOD_PUBLIC)).toEqual({
      ...GOOD_PUBLIC,
      NEXT_PUBLIC_SITE_URL: "http://localhost:3000",
      supabaseKey: ANON_JWT,
    })
  })

  it("keeps an explicit site URL and accepts publishable keys", () => {
    const env = parsePublicEnv({
      NEXT_PUBLIC_SUPABASE_URL: "https://abc.supabase.co",
      NEXT_PUBLIC_SUPABASE_ANON_KEY: "sb_publishable_abc123",
      NEXT_PUBLIC_SITE_URL: "https://lmx.optalocal.com",
    })

    expect(env.NEXT_PUBLIC_SITE_URL).toBe("https://lmx.optalocal.com")
    expect(env.NEXT_PUBLIC_SUPABASE_ANON_KEY).toBe("sb_publishable_abc123")
  })

  it("names every missing variable", () => {
    const error = captureEnvError(() => parsePublicEnv({}))

    expect(error.variables).toEqual([
      "NEXT_PUBLIC_SUPABASE_URL",
      "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
    ])
    expect(error.message).toContain("NEXT_PUBLIC_SUPABASE_URL is missing")
    expect(error.message).toContain(
      "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY is missing (or set NEXT_PUBLIC_SUPABASE_ANON_KEY"
    )
  })

  it("treats an empty value as missing", () => {
    const error = captureEnvError(() =>
      parsePublicEnv({ ...GOOD_PUBLIC, NEXT_PUBLIC_SUPABASE_ANON_KEY: "" })
    )

    expect(error.variables).toEqual(["NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY"])
    expect(error.message).toContain(
      "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY is missing"
    )
  })

  it("prefers the publishable key and falls back to the legacy anon key", () => {
    const both = parsePublicEnv({
      ...GOOD_PUBLIC,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "sb_publishable_abc123_xyz",
    })
    expect(both.supabaseKey).toBe("sb_publishable_abc123_xyz")
    const only = parsePublicEnv({
      NEXT_PUBLIC_SUPABASE_URL: GOOD_PUBLIC.NEXT_PUBLIC_SUPABASE_URL,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "sb_publishable_abc123_xyz",
    })
    expect(only.supabaseKey).toBe("sb_publishable_abc123_xyz")
    expect(parsePublicEnv(GOOD_PUBLIC).supabaseKey).toBe(ANON_JWT)
  })

  it("refuses a secret key where the publishable key belongs", () => {
    for (const variable of [
      "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
      "NEXT_PUBLIC_SUPABASE_ANON_KEY",
    ]) {
      const error = captureEnvError(() =>
        parsePublicEnv({ ...GOOD_PUBLIC, [variable]: "sb_secret_abc123_xyz" })
      )
      expect(error.variables, variable).toEqual([variable])
      expect(error.message).toMatch(/is malformed/)
    }
  })

  it("names a malformed URL and says why", () => {
    const error = captureEnvError(() =>
      parsePublicEnv({ ...GOOD_PUBLIC, NEXT_PUBLIC_SUPABASE_URL: "127.0.0.1" })
    )

    expect(error.variables).toEqual(["NEXT_PUBLIC_SUPABASE_URL"])
    expect(error.message).toContain(
      "NEXT_PUBLIC_SUPABASE_URL is malformed: must be an http(s) URL"
    )
  })

  it("rejects a non-http site URL and a key that is not a JWT", () => {
    const error = captureEnvError(() =>
      parsePublicEnv({
        ...GOOD_PUBLIC,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: "not a key",
        NEXT_PUBLIC_SITE_URL: "ftp://example.com",
      })
    )

    expect(error.variables).toEqual([
      "NEXT_PUBLIC_SUPABASE_ANON_KEY",
      "NEXT_PUBLIC_SITE_URL",
    ])
    expect(error.message).toMatch(/NEXT_PUBLIC_SUPABASE_ANON_KEY is malformed/)
    expect(error.message).toMatch(/NEXT_PUBLIC_SITE_URL is malformed/)
  })
})

describe("parseServerEnv", () => {
  it("allows the JWT secret to be absent", () => {
    expect(parseServerEnv({})).toEqual({ TRUSTED_PROXY_HOPS: 0 })
  })

  it("accepts a secret of 32 characters or more", () => {
    const secret = "s".repeat(32)

    expect(parseServerEnv({ SUPABASE_JWT_SECRET: secret })).toEqual({
      SUPABASE_JWT_SECRET: secret,
      TRUSTED_PROXY_HOPS: 0,
    })
  })

  it("reads the trusted proxy hops as a small whole number, 0 when unset", () => {
    expect(parseServerEnv({ TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(
      2
    )
    expect(parseServerEnv({ TRUSTED_PROXY_HOPS: "" }).TRUSTED_PROXY_HOPS).toBe(
      0
    )
    for (const bad of ["-1", "1.5", "many", "11"]) {
      const error = captureEnvError(() =>
        parseServerEnv({ TRUSTED_PROXY_HOPS: bad })
      )
      expect(error.variables, bad).toEqual(["TRUSTED_PROXY_HOPS"])
    }
  })

  it("names a secret that is too short", () => {
    const error = captureEnvError(() =>
      parseServerEnv({ SUPABASE_JWT_SECRET: "too-short" })
    )

    expect(error.variables).toEqual(["SUPABASE_JWT_SECRET"])
    expect(error.message).toContain(
      "SUPABASE_JWT_SECRET is malformed: must be at least 32 characters"
    )
  })
})

describe("getPublicEnv and getServerEnv", () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it("read process.env", async () => {
    vi.stubEnv("NEXT_PUBLIC_SUPABASE_URL", GOOD_PUBLIC.NEXT_PUBLIC_SUPABASE_URL)
    vi.stubEnv("NEXT_PUBLIC_SUPABASE_ANON_KEY", ANON_JWT)
    vi.stubEnv("NEXT_PUBLIC_SITE_URL", "http://127.0.0.1:3100")
    vi.stubEnv("SUPABASE_JWT_SECRET", "x".repeat(40))
    const { getPublicEnv, getServerEnv } = await import("@/lib/env")

    expect(getPublicEnv().NEXT_PUBLIC_SITE_URL).toBe("http://127.0.0.1:3100")
    expect(getServerEnv().SUPABASE_JWT_SECRET).toBe("x".repeat(40))
  })

  it("throw an EnvError naming the bad variable", async () => {
    vi.stubEnv("SUPABASE_JWT_SECRET", "short")
    const { getServerEnv } = await import("@/lib/env")

    expect(() => getServerEnv()).toThrow(/SUPABASE_JWT_SECRET is malformed/)
  })
})
