import { type SupabaseClient } from "@supabase/supabase-js"
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
import { createSoftwareAuthenticator } from "../testing/software-authenticator"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// Passkeys through auth-js's own passkey API (auth.passkey.*, auth.admin.passkey.*), against the
// contract of Supabase Auth's passkey_registration.go, passkey_authentication.go,
// passkey_manage.go and passkey_admin.go. A software authenticator plays the browser.
const PASSWORD = "correct-horse-battery"
const ORIGIN = "http://localhost:3000"
const MAX_PASSKEYS = 3

function withPasskeys(auth: Parameters<typeof generousLimits>[0]) {
  return {
    ...generousLimits(auth),
    passkey: { enabled: true, max_passkeys_per_user: MAX_PASSKEYS },
    webauthn: { rp_id: "localhost", rp_display_name: "LMX Console", rp_origins: [ORIGIN] },
  }
}

describe(`auth: passkeys (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(withPasskeys)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function signedIn(label: string) {
    const email = uniqueEmail(label)
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const { data, error } = await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    expect(error).toBeNull()

    return { email, supabase, userId: data.user!.id }
  }

  async function register(
    supabase: SupabaseClient,
    authenticator = createSoftwareAuthenticator(ORIGIN)
  ) {
    const { data: options, error } = await supabase.auth.passkey.startRegistration()
    expect(error).toBeNull()
    const credential = authenticator.create(options!.options)
    const verified = await supabase.auth.passkey.verifyRegistration({
      challengeId: options!.challenge_id,
      credential,
    })
    expect(verified.error).toBeNull()

    return { authenticator, passkey: verified.data!, options: options! }
  }

  async function signInWith(authenticator: ReturnType<typeof createSoftwareAuthenticator>) {
    const client = anonClient(stack)
    const { data: options, error } = await client.auth.passkey.startAuthentication()
    expect(error).toBeNull()
    const result = await client.auth.passkey.verifyAuthentication({
      challengeId: options!.challenge_id,
      credential: authenticator.get(options!.options),
    })

    return { client, result, options: options! }
  }

  it("registration options ask for a discoverable credential of this relying party, bound to the user's id", async () => {
    const { supabase, email, userId } = await signedIn("passkey-options")
    const { data, error } = await supabase.auth.passkey.startRegistration()
    expect(error).toBeNull()
    expect(data!.challenge_id).toMatch(/^[0-9a-f-]{36}$/)
    const inFiveMinutes = Date.now() / 1000 + 300
    expect(Math.abs(data!.expires_at - inFiveMinutes)).toBeLessThan(30)
    const options = data!.options
    expect(options.rp).toEqual({ name: "LMX Console", id: "localhost" })
    expect(options.user.name).toBe(email)
    // User.WebAuthnID(): the id's text, which authentication/verify reads back from userHandle.
    expect(Buffer.from(options.user.id, "base64url").toString()).toBe(userId)
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: "required",
      requireResidentKey: true,
      userVerification: "preferred",
    })
    expect(options.attestation).toBe("none")
    expect(options.pubKeyCredParams.map((param) => param.alg)).toContain(-7)
  })

  it("registers a passkey named Passkey, lists it, and excludes it from the next registration's options", async () => {
    const { supabase } = await signedIn("passkey-register")
    const { passkey, authenticator } = await register(supabase)
    expect(passkey).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      friendly_name: "Passkey",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    const listed = await supabase.auth.passkey.list()
    expect(listed.error).toBeNull()
    expect(listed.data).toEqual([
      { id: passkey.id, friendly_name: "Passkey", created_at: passkey.created_at },
    ])
    const next = await supabase.auth.passkey.startRegistration()
    expect(next.data!.options.excludeCredentials?.map((c) => c.id)).toEqual([
      Buffer.from(authenticator.credentials[0]!.id).toString("base64url"),
    ])
  })

  it("signs in with a passkey without a username: an aal1 session whose amr is passkey, and the passkey's last use is recorded", async () => {
    const { supabase, userId } = await signedIn("passkey-sign-in")
    const { authenticator, passkey } = await register(supabase)
    const { client, result, options } = await signInWith(authenticator)
    // BeginDiscoverableLogin: no allowCredentials, the authenticator offers what it holds.
    expect(options.options.allowCredentials ?? []).toEqual([])
    expect(options.options.rpId).toBe("localhost")
    expect(result.error).toBeNull()
    expect(result.data!.user!.id).toBe(userId)
    const claims = decodeJwt(result.data!.session!.access_token)
    expect(claims.aal).toBe("aal1")
    expect(claims.amr).toEqual([{ method: "passkey", timestamp: expect.any(Number) }])
    expect((await client.auth.getUser()).data.user?.id).toBe(userId)
    const listed = await supabase.auth.passkey.list()
    expect(listed.data![0]).toMatchObject({ id: passkey.id, last_used_at: expect.any(String) })
  })

  it("refuses a replayed challenge, an unknown one and one from the other ceremony with webauthn_challenge_not_found", async () => {
    const { supabase } = await signedIn("passkey-replay")
    const { authenticator } = await register(supabase)
    const client = anonClient(stack)
    const { data: options } = await client.auth.passkey.startAuthentication()
    const credential = authenticator.get(options!.options)
    const first = await client.auth.passkey.verifyAuthentication({
      challengeId: options!.challenge_id,
      credential,
    })
    expect(first.error).toBeNull()
    const replay = await client.auth.passkey.verifyAuthentication({
      challengeId: options!.challenge_id,
      credential,
    })
    expect(replay.error).toMatchObject({
      status: 400,
      code: "webauthn_challenge_not_found",
      message: "Challenge not found or already used",
    })
    const unknown = await client.auth.passkey.verifyAuthentication({
      challengeId: crypto.randomUUID(),
      credential,
    })
    expect(unknown.error).toMatchObject({ status: 400, code: "webauthn_challenge_not_found" })
    const notUuid = await client.auth.passkey.verifyAuthentication({
      challengeId: "nope",
      credential,
    })
    expect(notUuid.error).toMatchObject({
      status: 400,
      code: "validation_failed",
      message: "challenge_id must be a valid UUID",
    })
    // A registration challenge cannot be answered as a sign-in.
    const registration = await supabase.auth.passkey.startRegistration()
    const crossed = await client.auth.passkey.verifyAuthentication({
      challengeId: registration.data!.challenge_id,
      credential: authenticator.get({
        ...options!.options,
        challenge: registration.data!.options.challenge,
      }),
    })
    expect(crossed.error).toMatchObject({ status: 400, code: "webauthn_challenge_not_found" })
  })

  it("refuses an assertion with a bad signature, from another origin, or from a passkey the server does not know, with webauthn_verification_failed", async () => {
    const { supabase } = await signedIn("passkey-forged")
    const { authenticator } = await register(supabase)
    const client = anonClient(stack)

    const forged = await client.auth.passkey.startAuthentication()
    const good = authenticator.get(forged.data!.options)
    const badSignature = {
      ...good,
      response: { ...good.response, signature: Buffer.from("x".repeat(70)).toString("base64url") },
    }
    const refused = await client.auth.passkey.verifyAuthentication({
      challengeId: forged.data!.challenge_id,
      credential: badSignature,
    })
    expect(refused.error).toMatchObject({
      status: 400,
      code: "webauthn_verification_failed",
      message: "Credential verification failed",
    })

    const elsewhere = createSoftwareAuthenticator("https://evil.example")
    elsewhere.credentials.push(...authenticator.credentials)
    const otherOrigin = await client.auth.passkey.startAuthentication()
    const fromElsewhere = await client.auth.passkey.verifyAuthentication({
      challengeId: otherOrigin.data!.challenge_id,
      credential: elsewhere.get(otherOrigin.data!.options),
    })
    expect(fromElsewhere.error).toMatchObject({ status: 400, code: "webauthn_verification_failed" })

    // A credential created for this user but never registered.
    const stranger = createSoftwareAuthenticator(ORIGIN)
    const unregistered = await supabase.auth.passkey.startRegistration()
    stranger.create(unregistered.data!.options)
    const unknown = await client.auth.passkey.startAuthentication()
    const unknownCredential = await client.auth.passkey.verifyAuthentication({
      challengeId: unknown.data!.challenge_id,
      credential: stranger.get(unknown.data!.options),
    })
    expect(unknownCredential.error).toMatchObject({
      status: 400,
      code: "webauthn_verification_failed",
    })

    const garbled = await client.auth.passkey.startAuthentication()
    const notACredential = await client.auth.passkey.verifyAuthentication({
      challengeId: garbled.data!.challenge_id,
      credential: "nope" as never,
    })
    expect(notACredential.error).toMatchObject({
      status: 400,
      code: "webauthn_verification_failed",
      message: "Invalid credential response",
    })
  })

  it("renames and deletes a passkey; another user's passkey is not found; names are required and at most 120 bytes", async () => {
    const { supabase } = await signedIn("passkey-manage")
    const { passkey } = await register(supabase)
    const renamed = await supabase.auth.passkey.update({
      passkeyId: passkey.id,
      friendlyName: "Work laptop",
    })
    expect(renamed.error).toBeNull()
    expect(renamed.data).toEqual({
      id: passkey.id,
      friendly_name: "Work laptop",
      created_at: passkey.created_at,
    })
    const empty = await supabase.auth.passkey.update({ passkeyId: passkey.id, friendlyName: "" })
    expect(empty.error).toMatchObject({
      status: 400,
      code: "validation_failed",
      message: "friendly_name is required",
    })
    const long = await supabase.auth.passkey.update({
      passkeyId: passkey.id,
      friendlyName: "é".repeat(61),
    })
    expect(long.error).toMatchObject({
      status: 400,
      code: "validation_failed",
      message: "friendly_name must be 120 characters or less",
    })

    const other = await signedIn("passkey-manage-other")
    for (const attempt of [
      await other.supabase.auth.passkey.update({ passkeyId: passkey.id, friendlyName: "Mine" }),
      await other.supabase.auth.passkey.delete({ passkeyId: passkey.id }),
    ]) {
      expect(attempt.error).toMatchObject({
        status: 404,
        code: "validation_failed",
        message: "Passkey not found",
      })
    }

    expect((await supabase.auth.passkey.delete({ passkeyId: passkey.id })).error).toBeNull()
    expect((await supabase.auth.passkey.list()).data).toEqual([])
  })

  it(`allows at most ${MAX_PASSKEYS} passkeys per user (too_many_passkeys)`, async () => {
    const { supabase } = await signedIn("passkey-limit")
    for (let i = 0; i < MAX_PASSKEYS; i++) await register(supabase)
    const { error } = await supabase.auth.passkey.startRegistration()
    expect(error).toMatchObject({
      status: 422,
      code: "too_many_passkeys",
      message: "Maximum number of passkeys reached",
    })
  })

  it("an account with a verified TOTP factor manages passkeys only at aal2 (insufficient_aal), and renames at aal1", async () => {
    const { supabase } = await signedIn("passkey-aal")
    const { passkey } = await register(supabase)
    const { data: factor } = await supabase.auth.mfa.enroll({ factorType: "totp" })
    if (factor?.type !== "totp") throw new Error("not a TOTP factor")
    const code = () => new TOTP({ secret: Secret.fromBase32(factor.totp.secret) }).generate()
    expect(
      (await supabase.auth.mfa.challengeAndVerify({ factorId: factor.id, code: code() })).error
    ).toBeNull()

    // A passkey sign-in is aal1: management waits for the second factor.
    const aal1 = anonClient(stack)
    const email = (await supabase.auth.getUser()).data.user!.email!
    await aal1.auth.signInWithPassword({ email, password: PASSWORD })
    const insufficient = {
      status: 403,
      code: "insufficient_aal",
      message: "AAL2 session is required to manage passkeys when MFA is enabled",
    }
    expect((await aal1.auth.passkey.startRegistration()).error).toMatchObject(insufficient)
    expect((await aal1.auth.passkey.delete({ passkeyId: passkey.id })).error).toMatchObject(
      insufficient
    )
    expect(
      (await aal1.auth.passkey.update({ passkeyId: passkey.id, friendlyName: "Key" })).error
    ).toBeNull()

    await aal1.auth.mfa.challengeAndVerify({ factorId: factor.id, code: code() })
    expect((await aal1.auth.passkey.startRegistration()).error).toBeNull()
    expect((await aal1.auth.passkey.delete({ passkeyId: passkey.id })).error).toBeNull()
  })

  it("the admin API lists a user's passkeys and deletes one; unknown ones are not found", async () => {
    const { supabase, userId } = await signedIn("passkey-admin")
    const { passkey, authenticator } = await register(supabase)
    const admin = adminClient(stack)
    const listed = await admin.auth.admin.passkey.listPasskeys({ userId })
    expect(listed.error).toBeNull()
    expect(listed.data).toEqual([
      { id: passkey.id, friendly_name: "Passkey", created_at: passkey.created_at },
    ])
    const missing = await admin.auth.admin.passkey.deletePasskey({
      userId,
      passkeyId: crypto.randomUUID(),
    })
    expect(missing.error).toMatchObject({
      status: 404,
      code: "validation_failed",
      message: "Passkey not found",
    })
    const noUser = await admin.auth.admin.passkey.listPasskeys({ userId: crypto.randomUUID() })
    expect(noUser.error).toMatchObject({ status: 404, code: "user_not_found" })
    expect(
      (await admin.auth.admin.passkey.deletePasskey({ userId, passkeyId: passkey.id })).error
    ).toBeNull()
    expect((await admin.auth.admin.passkey.listPasskeys({ userId })).data).toEqual([])
    // The deleted passkey no longer signs in.
    const { result } = await signInWith(authenticator)
    expect(result.error).toMatchObject({ status: 400, code: "webauthn_verification_failed" })
  })

  it("listing passkeys needs a session, and /settings says passkeys are on", async () => {
    const anonymous = anonClient(stack)
    expect((await anonymous.auth.passkey.list()).error?.name).toBe("AuthSessionMissingError")
    const settings = await fetch(`${stack.url}/auth/v1/settings`, {
      headers: { apikey: stack.keys.anonKey },
    }).then((response) => response.json())
    expect(settings.passkeys_enabled).toBe(true)
  })
})

describe(`auth: passkeys turned off (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    // [auth.passkey] enabled = false, as Supabase Auth's default (GOTRUE_PASSKEY_ENABLED), and
    // [auth.mfa.web_authn] off as Auth's defaults leave it (the project's config.toml turns
    // it on for the console's security keys).
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      passkey: { ...auth.passkey, enabled: false },
      mfa: { ...auth.mfa, web_authn: { enroll_enabled: false, verify_enabled: false } },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("every /passkeys route answers 404 passkey_disabled, and /settings says passkeys are off", async () => {
    const client = anonClient(stack)
    const { error } = await client.auth.passkey.startAuthentication()
    expect(error).toMatchObject({
      status: 404,
      code: "passkey_disabled",
      message: "Passkeys are disabled",
    })
    const verify = await client.auth.passkey.verifyAuthentication({
      challengeId: crypto.randomUUID(),
      credential: {} as never,
    })
    expect(verify.error).toMatchObject({ status: 404, code: "passkey_disabled" })
    const settings = await fetch(`${stack.url}/auth/v1/settings`, {
      headers: { apikey: stack.keys.anonKey },
    }).then((response) => response.json())
    expect(settings.passkeys_enabled).toBe(false)
  })

  it("WebAuthn as a second factor is refused while [auth.mfa.web_authn] leaves it off, as Auth's defaults do", async () => {
    const email = uniqueEmail("webauthn-off")
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    const { error } = await supabase.auth.mfa.enroll({ factorType: "webauthn" })
    expect(error).toMatchObject({
      status: 422,
      code: "mfa_webauthn_enroll_not_enabled",
      message: "MFA enroll is disabled for WebAuthn",
    })
  })
})
