import { decodeJwt } from "jose"
import { Secret, TOTP } from "otpauth"
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

// MFA with TOTP through auth-js's own mfa API, against the contract of Supabase Auth's mfa.go.
const PASSWORD = "correct-horse-battery"

/** The current code of a base32 secret, as an authenticator app shows it. */
const codeFor = (secret: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  })

describe(`auth: MFA with TOTP (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(generousLimits)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function signedIn(label: string) {
    const email = uniqueEmail(label)
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const { error } = await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    expect(error).toBeNull()

    return { email, supabase }
  }

  async function enrolled(label: string) {
    const user = await signedIn(label)
    const { data, error } = await user.supabase.auth.mfa.enroll({
      factorType: "totp",
      friendlyName: "Phone app",
    })
    expect(error).toBeNull()

    return { ...user, factor: data! }
  }

  it("enrolls a TOTP factor with its secret, otpauth URI and QR code, unverified until a code is verified", async () => {
    const { email, supabase, factor } = await enrolled("mfa-enroll")
    expect(factor.type).toBe("totp")
    expect(factor.friendly_name).toBe("Phone app")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    expect(factor.totp.secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(factor.totp.uri).toBe(
      `otpauth://totp/localhost%3A3000:${encodeURIComponent(email)}?issuer=localhost%3A3000&secret=${factor.totp.secret}&algorithm=SHA1&digits=6&period=30`
    )
    expect(factor.totp.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg/)
    // Not URL-encoded by auth-js: a "#" would cut the data URL short.
    expect(factor.totp.qr_code).not.toContain("#")

    const before = await supabase.auth.mfa.listFactors()
    expect(before.data?.all.map((f) => [f.id, f.status])).toEqual([[factor.id, "unverified"]])
    expect(before.data?.totp).toEqual([])
    const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel()
    expect(level.data).toMatchObject({ currentLevel: "aal1", nextLevel: "aal1" })
  })

  it("verifies a code: the session becomes aal2 with a totp amr entry, and stays aal2 on refresh", async () => {
    const { supabase, factor } = await enrolled("mfa-verify")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    const challenge = await supabase.auth.mfa.challenge({ factorId: factor.id })
    expect(challenge.error).toBeNull()
    expect(challenge.data?.expires_at).toBeGreaterThan(Date.now() / 1000 + 250)
    const verified = await supabase.auth.mfa.verify({
      factorId: factor.id,
      challengeId: challenge.data!.id,
      code: codeFor(factor.totp.secret),
    })
    expect(verified.error).toBeNull()
    const claims = decodeJwt(verified.data!.access_token)
    expect(claims.aal).toBe("aal2")
    expect((claims.amr as { method: string }[]).map((entry) => entry.method)).toEqual(
      expect.arrayContaining(["totp", "password"])
    )
    const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel()
    expect(level.data).toMatchObject({ currentLevel: "aal2", nextLevel: "aal2" })
    const factors = await supabase.auth.mfa.listFactors()
    expect(factors.data?.totp.map((f) => f.id)).toEqual([factor.id])

    const refreshed = await supabase.auth.refreshSession()
    expect(refreshed.error).toBeNull()
    expect(decodeJwt(refreshed.data.session!.access_token).aal).toBe("aal2")

    // A challenge is used once.
    const again = await supabase.auth.mfa.verify({
      factorId: factor.id,
      challengeId: challenge.data!.id,
      code: codeFor(factor.totp.secret),
    })
    expect(again.error?.code).toBe("mfa_ip_address_mismatch")
  })

  it("a new sign-in with a verified factor starts at aal1 and must step up", async () => {
    const { email, supabase, factor } = await enrolled("mfa-step-up")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    await supabase.auth.mfa.challengeAndVerify({
      factorId: factor.id,
      code: codeFor(factor.totp.secret),
    })
    const other = anonClient(stack)
    await other.auth.signInWithPassword({ email, password: PASSWORD })
    const level = await other.auth.mfa.getAuthenticatorAssuranceLevel()
    expect(level.data).toMatchObject({ currentLevel: "aal1", nextLevel: "aal2" })
    // Enrolling another factor needs aal2 once one is verified.
    const enroll = await other.auth.mfa.enroll({ factorType: "totp", friendlyName: "Second" })
    expect(enroll.error?.code).toBe("insufficient_aal")
    expect(enroll.error?.status).toBe(403)
    // So does removing the verified one.
    const removal = await other.auth.mfa.unenroll({ factorId: factor.id })
    expect(removal.error?.code).toBe("insufficient_aal")
    const stepped = await other.auth.mfa.challengeAndVerify({
      factorId: factor.id,
      code: codeFor(factor.totp.secret, -1),
    })
    expect(stepped.error).toBeNull()
    expect(decodeJwt(stepped.data!.access_token).aal).toBe("aal2")
  })

  it("refuses a wrong code, an unknown or foreign factor, an empty code and a duplicate name, as Auth does", async () => {
    const { supabase, factor } = await enrolled("mfa-errors")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    const challenge = await supabase.auth.mfa.challenge({ factorId: factor.id })
    const wrong = await supabase.auth.mfa.verify({
      factorId: factor.id,
      challengeId: challenge.data!.id,
      code: codeFor(factor.totp.secret, 5),
    })
    expect(wrong.error).toMatchObject({
      status: 422,
      code: "mfa_verification_failed",
      message: "Invalid TOTP code entered",
    })
    const empty = await supabase.auth.mfa.verify({
      factorId: factor.id,
      challengeId: challenge.data!.id,
      code: "",
    })
    expect(empty.error).toMatchObject({ status: 400, code: "validation_failed" })
    const unknownChallenge = await supabase.auth.mfa.verify({
      factorId: factor.id,
      challengeId: crypto.randomUUID(),
      code: codeFor(factor.totp.secret),
    })
    expect(unknownChallenge.error).toMatchObject({ status: 422, code: "mfa_factor_not_found" })

    const stranger = await signedIn("mfa-stranger")
    const foreign = await stranger.supabase.auth.mfa.challenge({ factorId: factor.id })
    expect(foreign.error).toMatchObject({ status: 404, code: "mfa_factor_not_found" })

    const duplicate = await supabase.auth.mfa.enroll({
      factorType: "totp",
      friendlyName: "Phone app",
    })
    expect(duplicate.error).toMatchObject({ status: 422, code: "mfa_factor_name_conflict" })
    const phone = await supabase.auth.mfa.enroll({ factorType: "phone", phone: "+15555550100" })
    expect(phone.error).toMatchObject({ status: 422, code: "mfa_phone_enroll_not_enabled" })
  })

  it("unenrolling the factor at aal2 removes it and brings the session back to aal1", async () => {
    const { supabase, factor } = await enrolled("mfa-unenroll")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    await supabase.auth.mfa.challengeAndVerify({
      factorId: factor.id,
      code: codeFor(factor.totp.secret),
    })
    const removed = await supabase.auth.mfa.unenroll({ factorId: factor.id })
    expect(removed.error).toBeNull()
    expect(removed.data).toEqual({ id: factor.id })
    const refreshed = await supabase.auth.refreshSession()
    expect(decodeJwt(refreshed.data.session!.access_token).aal).toBe("aal1")
    expect((await supabase.auth.mfa.listFactors()).data?.all).toEqual([])

    // The service role sees what is left through the admin API's user.
    const { data } = await adminClient(stack).auth.admin.getUserById(refreshed.data.user!.id)
    expect(data.user?.factors ?? []).toEqual([])
  })

  it("the admin API lists a user's factors and deletes one, downgrading its sessions", async () => {
    const { supabase, factor } = await enrolled("mfa-admin")
    if (factor.type !== "totp") throw new Error("not a TOTP factor")
    await supabase.auth.mfa.challengeAndVerify({
      factorId: factor.id,
      code: codeFor(factor.totp.secret),
    })
    const userId = (await supabase.auth.getUser()).data.user!.id
    const admin = adminClient(stack).auth.admin.mfa
    const listed = await admin.listFactors({ userId })
    expect(listed.error).toBeNull()
    expect(listed.data?.factors.map((f) => [f.id, f.status, f.factor_type])).toEqual([
      [factor.id, "verified", "totp"],
    ])
    const deleted = await admin.deleteFactor({ userId, id: factor.id })
    expect(deleted.error).toBeNull()
    expect((await admin.listFactors({ userId })).data?.factors).toEqual([])
    const refreshed = await supabase.auth.refreshSession()
    expect(decodeJwt(refreshed.data.session!.access_token).aal).toBe("aal1")
    const missing = await admin.deleteFactor({ userId, id: factor.id })
    expect(missing.error).toMatchObject({ status: 404, code: "mfa_factor_not_found" })
  })
})
