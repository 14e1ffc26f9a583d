import { type SupabaseClient } from "@supabase/supabase-js"
import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
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

// WebAuthn as a second factor through auth-js's mfa API (enroll, challenge, verify with a
// credential response), against the contract of Supabase Auth's mfa.go (enrollWebAuthnFactor,
// challengeWebAuthnFactor, verifyWebAuthnFactor). A software authenticator plays the browser.
const PASSWORD = "correct-horse-battery"
const ORIGIN = "http://localhost:3000"

const base64url = (buffer: ArrayBuffer | ArrayBufferView) =>
  Buffer.from(
    buffer instanceof ArrayBuffer
      ? buffer
      : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
  ).toString("base64url")

/** What navigator.credentials answers, as auth-js serializes it (PublicKeyCredential.toJSON). */
const asBrowserCredential = (json: unknown) => ({ toJSON: () => json }) as never

describe(`auth: MFA with WebAuthn (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      mfa: { ...auth.mfa, web_authn: { enroll_enabled: true, verify_enabled: true } },
      webauthn: { rp_id: "localhost", rp_display_name: "LMX Console", rp_origins: [ORIGIN] },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function signedIn(label: string) {
    const email = uniqueEmail(label)
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    expect((await supabase.auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull()

    return { email, supabase }
  }

  /** A challenge through auth-js, its options turned back into their JSON form. */
  async function challenge(supabase: SupabaseClient, factorId: string) {
    const { data, error } = await supabase.auth.mfa.challenge({
      factorId,
      webauthn: { rpId: "localhost", rpOrigins: [ORIGIN] },
    })
    expect(error).toBeNull()
    if (!data || !("webauthn" in data) || !data.webauthn)
      throw new Error("not a WebAuthn challenge")
    const publicKey = data.webauthn.credential_options.publicKey as unknown as {
      challenge: ArrayBuffer
      rp?: { id?: string }
      rpId?: string
      user?: { id: ArrayBuffer }
      allowCredentials?: { id: ArrayBuffer }[]
    }

    return {
      id: data.id,
      type: data.webauthn.type,
      json: {
        challenge: base64url(publicKey.challenge),
        rp: { id: publicKey.rp?.id },
        rpId: publicKey.rpId,
        user: { id: publicKey.user ? base64url(publicKey.user.id) : "" },
      },
      allowCredentials: (publicKey.allowCredentials ?? []).map((c) => base64url(c.id)),
    }
  }

  async function enrolledKey(label: string) {
    const user = await signedIn(label)
    const { data: factor, error } = await user.supabase.auth.mfa.enroll({
      factorType: "webauthn",
      friendlyName: "Security key",
    })
    expect(error).toBeNull()
    expect(factor).toMatchObject({ type: "webauthn", friendly_name: "Security key" })
    const authenticator = createSoftwareAuthenticator(ORIGIN)
    const created = await challenge(user.supabase, factor!.id)
    expect(created.type).toBe("create")
    const verified = await user.supabase.auth.mfa.verify({
      factorId: factor!.id,
      challengeId: created.id,
      webauthn: {
        type: "create",
        rpId: "localhost",
        rpOrigins: [ORIGIN],
        credential_response: asBrowserCredential(authenticator.create(created.json)),
      },
    })

    return { ...user, factorId: factor!.id, authenticator, verified }
  }

  it("enrolls a security key: a create challenge, the registration verified, the session aal2 with mfa/webauthn", async () => {
    const { supabase, factorId, verified } = await enrolledKey("webauthn-enroll")
    expect(verified.error).toBeNull()
    const claims = decodeJwt(verified.data!.access_token)
    expect(claims.aal).toBe("aal2")
    expect((claims.amr as { method: string }[]).map((entry) => entry.method)).toEqual([
      "mfa/webauthn",
      "password",
    ])
    const factors = await supabase.auth.mfa.listFactors()
    expect(factors.data?.all.map((f) => [f.id, f.factor_type, f.status])).toEqual([
      [factorId, "webauthn", "verified"],
    ])
  })

  it("a new aal1 sign-in passes its second step with the key: a request challenge listing the key, then aal2", async () => {
    const { email, factorId, authenticator } = await enrolledKey("webauthn-login")
    const later = anonClient(stack)
    await later.auth.signInWithPassword({ email, password: PASSWORD })
    expect((await later.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({
      currentLevel: "aal1",
      nextLevel: "aal2",
    })
    const request = await challenge(later, factorId)
    expect(request.type).toBe("request")
    expect(request.allowCredentials).toEqual([
      Buffer.from(authenticator.credentials[0]!.id).toString("base64url"),
    ])
    const { data, error } = await later.auth.mfa.verify({
      factorId,
      challengeId: request.id,
      webauthn: {
        type: "request",
        rpId: "localhost",
        rpOrigins: [ORIGIN],
        credential_response: asBrowserCredential(authenticator.get(request.json)),
      },
    })
    expect(error).toBeNull()
    expect(decodeJwt(data!.access_token).aal).toBe("aal2")

    // The challenge is consumed: replaying the same answer finds nothing.
    const replay = await later.auth.mfa.verify({
      factorId,
      challengeId: request.id,
      webauthn: {
        type: "request",
        rpId: "localhost",
        rpOrigins: [ORIGIN],
        credential_response: asBrowserCredential(authenticator.get(request.json)),
      },
    })
    expect(replay.error).toMatchObject({
      status: 422,
      code: "mfa_factor_not_found",
      message: "MFA factor with the provided challenge ID not found",
    })
  })

  it("refuses a forged assertion (500, as Auth's ValidateLogin failure) and a verify without its webauthn answer", async () => {
    const { email, factorId } = await enrolledKey("webauthn-forged")
    const later = anonClient(stack)
    await later.auth.signInWithPassword({ email, password: PASSWORD })
    const request = await challenge(later, factorId)
    const stranger = createSoftwareAuthenticator(ORIGIN)
    stranger.create({ challenge: "x", rp: { id: "localhost" }, user: { id: "eA" } })
    const forged = await later.auth.mfa.verify({
      factorId,
      challengeId: request.id,
      webauthn: {
        type: "request",
        rpId: "localhost",
        rpOrigins: [ORIGIN],
        credential_response: asBrowserCredential(stranger.get(request.json)),
      },
    })
    expect(forged.error).toMatchObject({ status: 500 })
    expect(decodeJwt((await later.auth.getSession()).data.session!.access_token).aal).toBe("aal1")

    const token = (await later.auth.getSession()).data.session!.access_token
    const bare = await fetch(`${stack.url}/auth/v1/factors/${factorId}/verify`, {
      method: "POST",
      headers: {
        apikey: stack.keys.anonKey,
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ challenge_id: request.id }),
    })
    expect(bare.status).toBe(400)
    expect(await bare.json()).toMatchObject({
      error_code: "validation_failed",
      msg: "WebAuthn config required",
    })
  })
})
