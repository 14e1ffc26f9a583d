import { describe, expect, it } from "vitest"

import { stackConfigSchema } from "../config"
import { CAPTCHA_TEST_KEYS, captchaApplies, createCaptchaVerifier } from "./captcha"

describe("[auth.captcha]", () => {
  it("reads enabled, provider and secret as the Supabase CLI does, env(NAME) included", () => {
    process.env.LMX_TEST_CAPTCHA_SECRET = "from-the-environment"
    const config = stackConfigSchema.parse({
      auth: {
        captcha: { enabled: true, provider: "turnstile", secret: "env(LMX_TEST_CAPTCHA_SECRET)" },
      },
    })
    expect(config.auth.captcha).toEqual({
      enabled: true,
      provider: "turnstile",
      secret: "from-the-environment",
    })
    expect(stackConfigSchema.parse({}).auth.captcha).toBeUndefined()
  })

  it("refuses an enabled CAPTCHA without a secret and an unknown provider", () => {
    expect(stackConfigSchema.safeParse({ auth: { captcha: { enabled: true } } }).success).toBe(
      false
    )
    expect(
      stackConfigSchema.safeParse({
        auth: { captcha: { enabled: true, provider: "recaptcha", secret: "x" } },
      }).success
    ).toBe(false)
  })

  it("accepts only each provider's fixed test token under its test secret, offline", async () => {
    for (const provider of ["hcaptcha", "turnstile"] as const) {
      const keys = CAPTCHA_TEST_KEYS[provider]
      const verify = createCaptchaVerifier({ enabled: true, provider, secret: keys.secret })
      expect(await verify(keys.token, "127.0.0.1")).toBeNull()
      expect(await verify("forged", "127.0.0.1")).toEqual(["invalid-input-response"])
    }
  })

  it("guards the routes Supabase Auth wraps, and on /token only the password grant", () => {
    const url = (query: string) => new URL(`http://localhost/auth/v1/token?${query}`)
    expect(captchaApplies("POST", "/token", url("grant_type=password"))).toBe(true)
    expect(captchaApplies("POST", "/token", url("grant_type=refresh_token"))).toBe(false)
    expect(captchaApplies("POST", "/token", url("grant_type=pkce"))).toBe(false)
    for (const path of ["/signup", "/otp", "/magiclink", "/recover", "/resend"]) {
      expect(captchaApplies("POST", path, url(""))).toBe(true)
    }
    expect(captchaApplies("POST", "/verify", url(""))).toBe(false)
    expect(captchaApplies("GET", "/user", url(""))).toBe(false)
  })
})
