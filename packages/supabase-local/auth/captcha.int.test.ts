import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  adminClient,
  anonClient,
  generousLimits,
  latestMail,
  openLink,
  startAuthStack,
  uniqueEmail,
  verifyLinkOf,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"
import { CAPTCHA_TEST_KEYS } from "./captcha"

const PASSWORD = "correct-horse-battery"
const { secret, token: captchaToken } = CAPTCHA_TEST_KEYS.turnstile
const NO_TOKEN = {
  status: 400,
  code: "captcha_failed",
  message: "captcha protection: request disallowed (no captcha_token found)",
}
const WRONG_TOKEN = {
  status: 400,
  code: "captcha_failed",
  message: "captcha protection: request disallowed (invalid-input-response)",
}

describe(`auth: CAPTCHA protection (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      enable_anonymous_sign_ins: true,
      email: { ...auth.email, enable_confirmations: true, max_frequency: 0 },
      captcha: { enabled: true, provider: "turnstile", secret },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("a bot without a CAPTCHA token cannot sign up, sign in, or have emails sent", async () => {
    const email = uniqueEmail("bot")
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toMatchObject(
      NO_TOKEN
    )
    const attempts = [
      supabase.auth.signInWithPassword({ email, password: PASSWORD }),
      supabase.auth.signInWithOtp({ email }),
      supabase.auth.resetPasswordForEmail(email),
      supabase.auth.resend({ type: "signup", email }),
      supabase.auth.signInAnonymously(),
    ]
    for (const attempt of await Promise.all(attempts)) expect(attempt.error).toMatchObject(NO_TOKEN)
    const guessed = await supabase.auth.signUp({
      email,
      password: PASSWORD,
      options: { captchaToken: "a-guessed-token" },
    })
    expect(guessed.error).toMatchObject(WRONG_TOKEN)
    expect(
      (await supabase.auth.signInAnonymously({ options: { captchaToken: "nope" } })).error
    ).toMatchObject(WRONG_TOKEN)
  })

  it("people with the provider's token go through every protected flow", async () => {
    const email = uniqueEmail("person")
    const supabase = anonClient(stack)
    const options = { captchaToken }
    expect((await supabase.auth.signUp({ email, password: PASSWORD, options })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const signedIn = await supabase.auth.signInWithPassword({ email, password: PASSWORD, options })
    expect(signedIn.error).toBeNull()
    expect((await supabase.auth.signInWithOtp({ email, options })).error).toBeNull()
    expect((await supabase.auth.resetPasswordForEmail(email, { captchaToken })).error).toBeNull()
    expect((await supabase.auth.signInAnonymously({ options })).error).toBeNull()

    // Refreshing a session is not a sign-in: Supabase Auth does not ask for a token there.
    const refreshed = await anonClient(stack).auth.refreshSession({
      refresh_token: signedIn.data.session!.refresh_token,
    })
    expect(refreshed.error).toBeNull()
  })

  it("skips the check for the service_role key, as Supabase Auth does for admins", async () => {
    const email = uniqueEmail("admin-made")
    const { error } = await adminClient(stack).auth.signUp({ email, password: PASSWORD })
    expect(error).toBeNull()
  })
})
