import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { anonClient, mailFor, startAuthStack, uniqueEmail } from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

describe(`auth: email send frequency and the project's email budget (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...auth,
      rate_limit: { ...auth.rate_limit, email_sent: 3 },
      email: { ...auth.email, max_frequency: 60 },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("refuses a second email to one address within max_frequency", async () => {
    const email = uniqueEmail("freq")
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    const { error } = await supabase.auth.resend({ type: "signup", email })
    expect(error).toMatchObject({
      status: 429,
      code: "over_email_send_rate_limit",
    })
    expect(error?.message).toMatch(
      /^For security purposes, you can only request this after (59|60) seconds\.$/
    )
    expect(await mailFor(stack, email)).toHaveLength(1)
  })

  it("refuses emails beyond rate_limit.email_sent per hour", async () => {
    const supabase = anonClient(stack)
    // One email went out in the previous case; two more fit in the budget of three.
    for (let i = 0; i < 2; i += 1) {
      expect((await supabase.auth.signInWithOtp({ email: uniqueEmail("budget") })).error).toBeNull()
    }
    const email = uniqueEmail("over")
    const { error } = await supabase.auth.signInWithOtp({ email })
    expect(error).toMatchObject({
      status: 429,
      code: "over_email_send_rate_limit",
      message: "Email rate limit exceeded",
    })
    expect(await mailFor(stack, email)).toEqual([])
    // Nothing half-done stays behind: the user the refused request would have created is not there.
    const { rows } = await stack.db.query("select 1 from auth.users where email = $1", [email])
    expect(rows).toEqual([])
  })
})
