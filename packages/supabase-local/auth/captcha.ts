// CAPTCHA protection, as Supabase Auth's verifyCaptcha middleware (internal/api/middleware.go)
// and HTTPCaptchaVerifier (internal/security/captcha.go) apply it: when [auth.captcha] is
// enabled, sign-up (and anonymous sign-in), the password grant, /otp, /magiclink, /recover and
// /resend need `gotrue_meta_security.captcha_token`, checked with the provider's siteverify.
import { z } from "zod"

import { type StackConfig } from "../config"
import { AuthApiFailure, badRequest } from "./errors"

export type CaptchaConfig = NonNullable<StackConfig["auth"]["captcha"]>

const SITEVERIFY: Record<CaptchaConfig["provider"], string> = {
  hcaptcha: "https://hcaptcha.com/siteverify",
  turnstile: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}

/**
 * The providers' own documented test keys: with one of these secrets only the provider's fixed
 * test token passes, and it is checked here without a network round trip, so a local stack (and
 * its tests) can run with CAPTCHA on and offline. Any other secret goes to the provider.
 */
export const CAPTCHA_TEST_KEYS = {
  hcaptcha: {
    secret: "0x0000000000000000000000000000000000000000",
    siteKey: "10000000-ffff-ffff-ffff-000000000001",
    token: "10000000-aaaa-bbbb-cccc-000000000001",
  },
  turnstile: {
    secret: "1x0000000000000000000000000000000AA",
    siteKey: "1x00000000000000000000AA",
    token: "XXXX.DUMMY.TOKEN.XXXX",
  },
} as const

/** The routes the middleware wraps; on /token only the password grant is checked. */
const CAPTCHA_ROUTES = new Set([
  "POST /signup",
  "POST /recover",
  "POST /resend",
  "POST /magiclink",
  "POST /otp",
  "POST /token",
  // verifyCaptcha guards the start of a passkey sign-in, not its verify (api.go).
  "POST /passkeys/authentication/options",
])
const UNCHECKED_GRANTS = new Set(["pkce", "refresh_token", "id_token"])

const securitySchema = z
  .object({
    gotrue_meta_security: z.object({ captcha_token: z.string().optional() }).loose().nullish(),
  })
  .loose()

const verificationSchema = z
  .object({
    success: z.boolean(),
    "error-codes": z.array(z.string()).nullish(),
  })
  .loose()

export function captchaApplies(method: string, path: string, url: URL): boolean {
  if (!CAPTCHA_ROUTES.has(`${method} ${path}`)) return false
  if (path !== "/token") return true

  return !UNCHECKED_GRANTS.has(url.searchParams.get("grant_type") ?? "")
}

export type CaptchaVerifier = (token: string, clientIp: string) => Promise<string[] | null>

/** Answers null when the token passes, else the provider's error codes. */
export function createCaptchaVerifier(config: CaptchaConfig): CaptchaVerifier {
  const secret = config.secret.trim()

  return async function verify(token, clientIp) {
    const test = CAPTCHA_TEST_KEYS[config.provider]
    if (secret === test.secret) return token === test.token ? null : ["invalid-input-response"]
    const form = new URLSearchParams({ secret, response: token, remoteip: clientIp })
    let answer: unknown
    try {
      const response = await fetch(SITEVERIFY[config.provider], {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
        signal: AbortSignal.timeout(10_000),
      })
      answer = await response.json()
    } catch {
      throw new AuthApiFailure(500, "unexpected_failure", "captcha verification process failed")
    }
    const parsed = verificationSchema.safeParse(answer)
    if (!parsed.success) {
      throw new AuthApiFailure(500, "unexpected_failure", "captcha verification process failed")
    }

    return parsed.data.success ? null : (parsed.data["error-codes"] ?? [])
  }
}

/** Reads the token from a parsed request body and fails as Supabase Auth does. */
export async function requireCaptcha(
  verify: CaptchaVerifier,
  body: unknown,
  clientIp: string
): Promise<void> {
  const parsed = securitySchema.safeParse(body)
  const token = (parsed.success ? parsed.data.gotrue_meta_security?.captcha_token : "")?.trim()
  if (!token) {
    throw badRequest(
      "captcha_failed",
      "captcha protection: request disallowed (no captcha_token found)"
    )
  }
  const errors = await verify(token, clientIp)
  if (errors) {
    throw badRequest(
      "captcha_failed",
      `captcha protection: request disallowed (${errors.join(", ")})`
    )
  }
}
