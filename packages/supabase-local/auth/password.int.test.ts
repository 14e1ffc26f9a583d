import { decodeJwt, decodeProtectedHeader } from "jose"
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

const PASSWORD = "correct-horse-battery"

describe(`auth: sign-up, password sign-in, sessions (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack(generousLimits)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  /** A confirmed user signed in with a password, through the client only. */
  async function signedInUser(label: string) {
    const email = uniqueEmail(label)
    const supabase = anonClient(stack)
    const { error } = await supabase.auth.signUp({ email, password: PASSWORD })
    expect(error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const { data, error: signInError } = await supabase.auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(signInError).toBeNull()

    return { email, supabase, session: data.session! }
  }

  it("serves health, settings and the JWKS", async () => {
    const headers = { apikey: stack.keys.anonKey }
    const health = await fetch(`${stack.url}/auth/v1/health`, { headers })
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ name: "GoTrue" })

    const settings = await (await fetch(`${stack.url}/auth/v1/settings`, { headers })).json()
    expect(settings).toMatchObject({
      disable_signup: false,
      mailer_autoconfirm: false,
      external: {
        email: true,
        github: false,
        google: false,
        anonymous_users: false,
        phone: false,
      },
    })

    const jwks = await (await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`)).json()
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({
      kty: "EC",
      crv: "P-256",
      alg: "ES256",
      kid: stack.keys.signingKid,
    })
    expect(jwks.keys[0].d).toBeUndefined()
  })

  it("signs up, emails a confirmation and refuses the password until it is confirmed", async () => {
    const email = uniqueEmail("signup")
    const supabase = anonClient(stack)
    const { data, error } = await supabase.auth.signUp({
      email,
      password: PASSWORD,
      options: { data: { display_name: "Ada" } },
    })
    expect(error).toBeNull()
    expect(data.session).toBeNull()
    expect(data.user).toMatchObject({
      email,
      aud: "authenticated",
      role: "authenticated",
      user_metadata: { display_name: "Ada" },
      app_metadata: { provider: "email", providers: ["email"] },
      is_anonymous: false,
    })
    expect(data.user?.confirmation_sent_at).toBeTruthy()
    expect(data.user?.email_confirmed_at).toBeUndefined()
    expect(data.user?.identities).toHaveLength(1)

    // The fixture's trigger on auth.users ran, as it would on hosted Supabase.
    const profile = await stack.db.query("select email from public.profiles where id = $1", [
      data.user!.id,
    ])
    expect(profile.rows).toEqual([{ email }])

    const blocked = await supabase.auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(blocked.error).toMatchObject({
      status: 400,
      code: "email_not_confirmed",
      message: "Email not confirmed",
    })

    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("Confirm Your Signup")
    expect(codeOf(mail)).toMatch(/^\d{6}$/)
    const { status, location } = await openLink(verifyLinkOf(mail))
    expect(status).toBe(303)
    expect(location.origin + location.pathname).toBe("http://localhost:3000/")
    const fragment = new URLSearchParams(location.hash.slice(1))
    expect(fragment.get("type")).toBe("signup")
    expect(fragment.get("token_type")).toBe("bearer")
    expect(fragment.get("access_token")).toBeTruthy()
    expect(fragment.get("refresh_token")).toBeTruthy()

    // The link is single use.
    const again = await openLink(verifyLinkOf(mail))
    expect(new URLSearchParams(again.location.hash.slice(1)).get("error_code")).toBe("otp_expired")

    const signedIn = await supabase.auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(signedIn.error).toBeNull()
    expect(signedIn.data.user?.email_confirmed_at).toBeTruthy()
  })

  it("answers a second sign-up for a confirmed address without revealing it", async () => {
    const { email } = await signedInUser("dup")
    const before = (await mailFor(stack, email)).length
    const { data, error } = await anonClient(stack).auth.signUp({
      email,
      password: PASSWORD,
    })
    expect(error).toBeNull()
    expect(data.user?.identities).toEqual([])
    expect(data.session).toBeNull()
    expect(await mailFor(stack, email)).toHaveLength(before)
  })

  it("rejects bad credentials, weak passwords and bad addresses with Supabase Auth's codes", async () => {
    const { email } = await signedInUser("bad")
    const supabase = anonClient(stack)
    const wrong = await supabase.auth.signInWithPassword({
      email,
      password: "not-the-password",
    })
    expect(wrong.error).toMatchObject({
      status: 400,
      code: "invalid_credentials",
      message: "Invalid login credentials",
    })
    const unknown = await supabase.auth.signInWithPassword({
      email: uniqueEmail("nobody"),
      password: PASSWORD,
    })
    expect(unknown.error).toMatchObject({
      status: 400,
      code: "invalid_credentials",
    })

    const weak = await supabase.auth.signUp({
      email: uniqueEmail("weak"),
      password: "short",
    })
    expect(weak.error).toMatchObject({
      name: "AuthWeakPasswordError",
      status: 422,
      code: "weak_password",
      message: "Password should be at least 8 characters.",
      reasons: ["length"],
    })
    const invalid = await supabase.auth.signUp({
      email: "not-an-email",
      password: PASSWORD,
    })
    expect(invalid.error).toMatchObject({
      status: 400,
      code: "validation_failed",
      message: "Unable to validate email address: invalid format",
    })
  })

  it("issues access tokens with Supabase Auth's claims, verifiable by getClaims through the JWKS", async () => {
    const { session, supabase, email } = await signedInUser("claims")
    const header = decodeProtectedHeader(session.access_token)
    expect(header).toMatchObject({
      alg: "ES256",
      kid: stack.keys.signingKid,
      typ: "JWT",
    })
    const claims = decodeJwt(session.access_token)
    expect(claims).toMatchObject({
      iss: `${stack.url}/auth/v1`,
      aud: "authenticated",
      sub: session.user.id,
      email,
      phone: "",
      role: "authenticated",
      aal: "aal1",
      is_anonymous: false,
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: {},
    })
    expect(claims.exp! - claims.iat!).toBe(3600)
    expect(claims.amr).toEqual([{ method: "password", timestamp: expect.any(Number) }])
    expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(session.expires_in).toBe(3600)
    expect(session.token_type).toBe("bearer")

    const { data, error } = await supabase.auth.getClaims()
    expect(error).toBeNull()
    expect(data?.claims.sub).toBe(session.user.id)
    expect(data?.header.kid).toBe(stack.keys.signingKid)

    const tampered = session.access_token.replace(/\.[^.]+$/, ".AAAA")
    const forged = await supabase.auth.getClaims(tampered)
    expect(forged.error?.message).toBe("Invalid JWT signature")

    const user = await supabase.auth.getUser(session.access_token)
    expect(user.error).toBeNull()
    expect(user.data.user?.id).toBe(session.user.id)
  })

  it("rotates refresh tokens, tolerates a lost answer, and revokes the family on reuse", async () => {
    const { session, supabase } = await signedInUser("refresh")
    const first = await supabase.auth.refreshSession({
      refresh_token: session.refresh_token,
    })
    expect(first.error).toBeNull()
    const second = first.data.session!
    expect(second.refresh_token).not.toBe(session.refresh_token)
    expect(decodeJwt(second.access_token).session_id).toBe(
      decodeJwt(session.access_token).session_id
    )

    // The parent of the active token (a client that lost the answer) gets the active token back.
    const replay = await supabase.auth.refreshSession({
      refresh_token: session.refresh_token,
    })
    expect(replay.error).toBeNull()
    expect(replay.data.session?.refresh_token).toBe(second.refresh_token)

    const third = (
      await supabase.auth.refreshSession({
        refresh_token: second.refresh_token,
      })
    ).data.session!
    expect(third.refresh_token).not.toBe(second.refresh_token)

    // The grandparent is within the 10 s reuse interval of config.toml: still honoured.
    const withinInterval = await supabase.auth.refreshSession({
      refresh_token: session.refresh_token,
    })
    expect(withinInterval.error).toBeNull()
  })

  it("refuses unknown and missing refresh tokens with the exact codes", async () => {
    const response = await fetch(`${stack.url}/auth/v1/token?grant_type=refresh_token`, {
      method: "POST",
      headers: {
        apikey: stack.keys.anonKey,
        "content-type": "application/json",
        "x-supabase-api-version": "2024-01-01",
      },
      body: JSON.stringify({ refresh_token: "no-such-token" }),
    })
    expect(response.status).toBe(400)
    expect(response.headers.get("x-supabase-api-version")).toBe("2024-01-01")
    expect(await response.json()).toEqual({
      code: "refresh_token_not_found",
      message: "Invalid Refresh Token: Refresh Token Not Found",
    })

    const legacy = await fetch(`${stack.url}/auth/v1/token?grant_type=refresh_token`, {
      method: "POST",
      headers: {
        apikey: stack.keys.anonKey,
        "content-type": "application/json",
      },
      body: JSON.stringify({ refresh_token: "no-such-token" }),
    })
    expect(await legacy.json()).toEqual({
      code: 400,
      error_code: "refresh_token_not_found",
      msg: "Invalid Refresh Token: Refresh Token Not Found",
    })

    const missing = await fetch(`${stack.url}/auth/v1/token?grant_type=refresh_token`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: "{}",
    })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toEqual({
      error: "invalid_request",
      error_description: "refresh_token required",
    })

    const { error } = await anonClient(stack).auth.refreshSession({
      refresh_token: "no-such-token",
    })
    expect(error).toMatchObject({
      status: 400,
      code: "refresh_token_not_found",
    })
  })

  it("answers malformed JSON and wrong shapes with 400, never 500", async () => {
    for (const [path, body] of [
      ["/token?grant_type=password", "{not json"],
      ["/signup", "[1,2]"],
      ["/otp", ""],
      ["/verify", '{"type": 5}'],
      ["/token?grant_type=pkce", "null"],
    ] as const) {
      const response = await fetch(`${stack.url}/auth/v1${path}`, {
        method: "POST",
        headers: {
          apikey: stack.keys.anonKey,
          "content-type": "application/json",
          "x-supabase-api-version": "2024-01-01",
        },
        body,
      })
      expect(response.status, path).toBe(400)
      expect((await response.json()).code, path).toBe("bad_json")
    }
    const noGrant = await fetch(`${stack.url}/auth/v1/token?grant_type=magic`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: "{}",
    })
    expect(noGrant.status).toBe(400)
    expect(await noGrant.json()).toMatchObject({
      error_code: "invalid_credentials",
      msg: "unsupported_grant_type",
    })
  })

  it("rejects missing, forged and foreign bearer tokens on /user", async () => {
    const none = await fetch(`${stack.url}/auth/v1/user`, {
      headers: { apikey: stack.keys.anonKey, "x-supabase-api-version": "2024-01-01" },
    })
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({
      code: "no_authorization",
      message: "This endpoint requires a valid Bearer token",
    })

    const { error } = await anonClient(stack).auth.getUser("not.a.jwt")
    expect(error).toMatchObject({ status: 403, code: "bad_jwt" })
  })
})
