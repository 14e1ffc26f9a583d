import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { adminClient, anonClient, startAuthStack, uniqueEmail } from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

describe(`auth: brute force is bounded by the configured rate limits (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...auth,
      rate_limit: {
        ...auth.rate_limit,
        sign_in_sign_ups: 5,
        token_verifications: 4,
        token_refresh: 3,
      },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("answers 429 once sign_in_sign_ups password attempts are spent, even with the right password", async () => {
    const email = uniqueEmail("target")
    // The admin API is not rate limited, so setting up spends none of the budget.
    await adminClient(stack).auth.admin.createUser({
      email,
      password: PASSWORD,
      email_confirm: true,
    })
    const attacker = anonClient(stack)
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const { error } = await attacker.auth.signInWithPassword({
        email,
        password: `guess-${attempt}-passphrase`,
      })
      expect(error).toMatchObject({ status: 400, code: "invalid_credentials" })
    }
    const blocked = await attacker.auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(blocked.error).toMatchObject({
      status: 429,
      code: "over_request_rate_limit",
      message: "Request rate limit reached",
    })
    const signUp = await attacker.auth.signUp({
      email: uniqueEmail("late"),
      password: PASSWORD,
    })
    expect(signUp.error).toMatchObject({
      status: 429,
      code: "over_request_rate_limit",
    })
  })

  it("answers 429 once token_verifications OTP guesses are spent", async () => {
    const email = uniqueEmail("otp-target")
    const { data } = await adminClient(stack).auth.admin.generateLink({
      type: "magiclink",
      email,
    })
    const code = data.properties!.email_otp
    const attacker = anonClient(stack)
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const guess = String((Number(code) + attempt + 1) % 1_000_000).padStart(6, "0")
      const { error } = await attacker.auth.verifyOtp({
        email,
        token: guess,
        type: "email",
      })
      expect(error).toMatchObject({ status: 403, code: "otp_expired" })
    }
    const blocked = await attacker.auth.verifyOtp({
      email,
      token: code,
      type: "email",
    })
    expect(blocked.error).toMatchObject({
      status: 429,
      code: "over_request_rate_limit",
    })
    const link = await fetch(
      `${stack.url}/auth/v1/verify?token=${data.properties!.hashed_token}&type=magiclink`,
      {
        redirect: "manual",
        headers: { "x-supabase-api-version": "2024-01-01" },
      }
    )
    expect(link.status).toBe(429)
    expect(await link.json()).toEqual({
      code: "over_request_rate_limit",
      message: "Request rate limit reached",
    })
  })

  it("answers 429 once token_refresh refreshes are spent", async () => {
    const results = []
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { error } = await anonClient(stack).auth.refreshSession({
        refresh_token: `made-up-${attempt}`,
      })
      results.push(error?.code)
    }
    expect(results).toEqual([
      "refresh_token_not_found",
      "refresh_token_not_found",
      "refresh_token_not_found",
      "over_request_rate_limit",
    ])
  })
})
