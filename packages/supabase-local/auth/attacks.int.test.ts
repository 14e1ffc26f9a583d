import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  anonClient,
  codeOf,
  generousLimits,
  latestMail,
  mailFor,
  openLink,
  startAuthStack,
  uniqueEmail,
  verifyLinkOf,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// The attacks of the security review (docs/security.md) on local Auth, each replayed through
// supabase-js or plain HTTP as an outsider would run it.
const PASSWORD = "correct-horse-battery"
const CONFIRMATION_ACCEPTED =
  "Confirmation link accepted. Please proceed to confirm link sent to the other email"

describe(`auth attacks (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      enable_refresh_token_rotation: true,
      refresh_token_reuse_interval: 10,
      email: {
        ...auth.email,
        enable_confirmations: true,
        double_confirm_changes: true,
        max_frequency: 0,
      },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function confirmedUser(label: string) {
    const email = uniqueEmail(label)
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const signedIn = await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    expect(signedIn.error).toBeNull()

    return { email, supabase }
  }

  it("an email change is not confirmed by the current address's codes after a resend", async () => {
    const { email, supabase } = await confirmedUser("victim-change")
    const target = uniqueEmail("invited")
    expect((await supabase.auth.updateUser({ email: target })).error).toBeNull()
    const firstToNew = await latestMail(stack, target)

    // The current address confirms (one of two), then asks for the emails again.
    const first = await supabase.auth.verifyOtp({
      email,
      token: codeOf(await latestMail(stack, email)),
      type: "email_change",
    })
    expect(first.data).toMatchObject({ user: null, session: null })
    expect(first.error).toBeNull()
    expect((await supabase.auth.resend({ type: "email_change", email })).error).toBeNull()
    expect(await mailFor(stack, target)).toHaveLength(2)

    // The new code to the current address is again only one of two confirmations.
    const again = await fetch(`${stack.url}/auth/v1/verify`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: JSON.stringify({
        type: "email_change",
        email,
        token: codeOf(await latestMail(stack, email)),
      }),
    })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ msg: CONFIRMATION_ACCEPTED, code: 200 })
    expect((await supabase.auth.getUser()).data.user).toMatchObject({ email, new_email: target })

    // The resend replaced the new address's first code; only its newest one completes.
    const stale = await supabase.auth.verifyOtp({
      email: target,
      token: codeOf(firstToNew),
      type: "email_change",
    })
    expect(stale.error?.code).toBe("otp_expired")
    const done = await supabase.auth.verifyOtp({
      email: target,
      token: codeOf(await latestMail(stack, target)),
      type: "email_change",
    })
    expect(done.error).toBeNull()
    expect(done.data.user?.email).toBe(target)
  })

  it("with double_confirm_changes each address confirms with its own token, never one twice", async () => {
    const { email, supabase } = await confirmedUser("one-address")
    const target = uniqueEmail("other")
    expect((await supabase.auth.updateUser({ email: target })).error).toBeNull()
    const toCurrent = codeOf(await latestMail(stack, email))
    const verifyCurrent = () =>
      supabase.auth.verifyOtp({ email, token: toCurrent, type: "email_change" })
    expect((await verifyCurrent()).error).toBeNull()
    expect((await verifyCurrent()).error?.code).toBe("otp_expired")
    // The current address's code hashed as if sent to the new address does not match either.
    const crossed = await supabase.auth.verifyOtp({
      email: target,
      token: toCurrent,
      type: "email_change",
    })
    expect(crossed.error?.code).toBe("otp_expired")
    expect((await supabase.auth.getUser()).data.user?.email).toBe(email)
  })

  it("signing up again over an unconfirmed account does not replace its password or metadata", async () => {
    const email = uniqueEmail("victim-signup")
    const victim = anonClient(stack)
    const signedUp = await victim.auth.signUp({
      email,
      password: PASSWORD,
      options: { data: { name: "Victim" } },
    })
    expect(signedUp.error).toBeNull()

    const attacker = anonClient(stack)
    const again = await attacker.auth.signUp({
      email,
      password: "attackers-password",
      options: { data: { name: "Attacker" } },
    })
    // Supabase Auth answers as for a sign-up and sends the confirmation again.
    expect(again.error).toBeNull()
    expect(await mailFor(stack, email)).toHaveLength(2)

    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const asAttacker = await attacker.auth.signInWithPassword({
      email,
      password: "attackers-password",
    })
    expect(asAttacker.error?.code).toBe("invalid_credentials")
    const asVictim = await victim.auth.signInWithPassword({ email, password: PASSWORD })
    expect(asVictim.error).toBeNull()
    expect(asVictim.data.user?.user_metadata).toMatchObject({ name: "Victim" })
  })

  it("a refresh-token family revoked for reuse is not resurrected by the reuse interval", async () => {
    const { supabase } = await confirmedUser("family")
    const session = (await supabase.auth.getSession()).data.session!
    const refresh = (token: string) =>
      anonClient(stack).auth.refreshSession({ refresh_token: token })
    const second = (await refresh(session.refresh_token)).data.session!
    const stolen = (await refresh(second.refresh_token)).data.session!
    // The first token was rotated long ago: replaying it now is reuse, outside the interval.
    await stack.db.query(
      "update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = $1",
      [session.refresh_token]
    )
    expect((await refresh(session.refresh_token)).error?.code).toBe("refresh_token_already_used")

    // Within the interval of that revocation, the newest token of the family stays dead.
    const resurrected = await refresh(stolen.refresh_token)
    expect(resurrected.error).toMatchObject({ status: 400, code: "refresh_token_already_used" })
    const { rows } = await stack.db.query<{ revoked: boolean }>(
      "select revoked from auth.refresh_tokens where session_id = $1",
      [decodeJwt(session.access_token).session_id]
    )
    expect(rows.length).toBe(3)
    expect(rows.every((row) => row.revoked)).toBe(true)
  })

  it("a redirect_to with a backslash before @ does not send the email link off-site", async () => {
    const email = uniqueEmail("redirect")
    const supabase = anonClient(stack)
    await supabase.auth.signUp({ email, password: PASSWORD })
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    for (const redirectTo of [
      "http://evil.example\\@localhost:3000/",
      "http://evil.example%5C@localhost:3000/",
      "http://evil.exa\tmple\\@localhost:3000/",
    ]) {
      const sent = await supabase.auth.signInWithOtp({
        email,
        options: { emailRedirectTo: redirectTo, shouldCreateUser: false },
      })
      expect(sent.error).toBeNull()
      const { location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
      expect(location.origin).toBe(stack.config.auth.site_url)
    }
  })
})
