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

// Errors exactly as Supabase Auth gives them (status, error_code, message), through auth-js,
// for the cases a project meets on a stack where phone, ID-token, SSO, Web3 and manual
// linking are not enabled. The messages are Auth's own (admin.go, mail.go, pagination.go,
// verify.go, phone.go, token_oidc.go, web3.go, middleware.go).
const PASSWORD = "correct-horse-battery"

describe(`auth: errors as Supabase Auth gives them (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(generousLimits)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  const expectError = (
    error: { status?: number; code?: string; message: string } | null,
    status: number,
    code: string | undefined,
    message: string
  ) => {
    expect(error).not.toBeNull()
    expect({ status: error!.status, code: error!.code, message: error!.message }).toEqual({
      status,
      code,
      message,
    })
  }

  it("refuses an invalid email in admin createUser, inviteUserByEmail and generateLink", async () => {
    const admin = adminClient(stack).auth.admin
    const invalid = "not-an-email"
    const expected = [
      400,
      "validation_failed",
      "Unable to validate email address: invalid format",
    ] as const
    expectError((await admin.createUser({ email: invalid })).error, ...expected)
    expectError((await admin.inviteUserByEmail(invalid)).error, ...expected)
    expectError(
      (await admin.generateLink({ type: "magiclink", email: invalid })).error,
      ...expected
    )
    expectError(
      (await admin.inviteUserByEmail("")).error,
      400,
      "validation_failed",
      "An email address is required"
    )
    // Auth's format check needs no dot in the domain.
    const local = await admin.createUser({
      email: `${uniqueEmail("nodot").split("@")[0]}@localhost`,
    })
    expect(local.error).toBeNull()
  })

  it("refuses an invalid page in listUsers", async () => {
    const admin = adminClient(stack).auth.admin
    const { error } = await admin.listUsers({ page: -1, perPage: 10 })
    expectError(
      error,
      400,
      "validation_failed",
      'Bad Pagination Parameters: strconv.ParseUint: parsing "-1": invalid syntax'
    )
  })

  it("answers verifyOtp with an invalid phone and with an unknown one", async () => {
    const auth = anonClient(stack).auth
    expectError(
      (await auth.verifyOtp({ phone: "not-a-phone", token: "123456", type: "sms" })).error,
      400,
      "validation_failed",
      "Invalid phone number format (E.164 required)"
    )
    expectError(
      (await auth.verifyOtp({ phone: "+15555550123", token: "123456", type: "sms" })).error,
      403,
      "otp_expired",
      "Token has expired or is invalid"
    )
  })

  it("refuses signInWithIdToken for a provider that is not enabled", async () => {
    const auth = anonClient(stack).auth
    expectError(
      (await auth.signInWithIdToken({ provider: "google", token: "a.b.c" })).error,
      400,
      "provider_disabled",
      'Provider (issuer "https://accounts.google.com") is not enabled'
    )
  })

  it("refuses signInWithSSO when SAML is off, and Web3 sign-in when no chain is enabled", async () => {
    const auth = anonClient(stack).auth
    expectError(
      (await auth.signInWithSSO({ domain: "example.com" })).error,
      404,
      "saml_provider_disabled",
      "SAML 2.0 is disabled"
    )
    expectError(
      (
        await auth.signInWithWeb3({
          chain: "solana",
          message: "example.com wants you to sign in",
          signature: new Uint8Array(64),
        })
      ).error,
      422,
      "web3_provider_disabled",
      "Web3 provider is disabled"
    )
  })

  it("refuses linkIdentity and unlinkIdentity when manual linking is off", async () => {
    const email = uniqueEmail("linking")
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    expect((await supabase.auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull()

    const linked = await supabase.auth.linkIdentity({
      provider: "github",
      options: { skipBrowserRedirect: true },
    })
    expectError(linked.error, 404, "manual_linking_disabled", "Manual linking is disabled")
    const { data: identities } = await supabase.auth.getUserIdentities()
    const unlinked = await supabase.auth.unlinkIdentity(identities!.identities[0]!)
    expectError(unlinked.error, 404, "manual_linking_disabled", "Manual linking is disabled")
  })
})
