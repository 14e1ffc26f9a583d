import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  anonClient,
  generousLimits,
  latestMail,
  startAuthStack,
  uniqueEmail,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

describe(`auth: expiry, reuse detection, autoconfirm, anonymous users (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      jwt_expiry: 2,
      refresh_token_reuse_interval: 0,
      enable_anonymous_sign_ins: true,
      email: {
        ...auth.email,
        enable_confirmations: false,
        secure_password_change: true,
      },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function signUp(label: string) {
    const email = uniqueEmail(label)
    const { data, error } = await anonClient(stack).auth.signUp({
      email,
      password: PASSWORD,
    })
    expect(error).toBeNull()

    return { email, session: data.session! }
  }

  it("signs people in at sign-up when confirmations are off, and refuses a second sign-up", async () => {
    const { email, session } = await signUp("auto")
    expect(session.user.email).toBe(email)
    expect(session.user.email_confirmed_at).toBeTruthy()
    expect(decodeJwt(session.access_token).amr).toEqual([
      { method: "password", timestamp: expect.any(Number) },
    ])

    const again = await anonClient(stack).auth.signUp({
      email,
      password: PASSWORD,
    })
    expect(again.error).toMatchObject({
      status: 422,
      code: "user_already_exists",
      message: "User already registered",
    })
  })

  it("expires access tokens after jwt_expiry, for getUser and for getClaims", async () => {
    const { session } = await signUp("expiry")
    const claims = decodeJwt(session.access_token)
    expect(claims.exp! - claims.iat!).toBe(2)
    expect(session.expires_in).toBe(2)

    await new Promise((resolve) => setTimeout(resolve, 3100))
    const supabase = anonClient(stack)
    const user = await supabase.auth.getUser(session.access_token)
    expect(user.error).toMatchObject({ status: 403, code: "bad_jwt" })
    expect(user.error?.message).toContain("token is expired")
    const local = await supabase.auth.getClaims(session.access_token)
    expect(local.error?.name).toBe("AuthInvalidJwtError")

    // The refresh token outlives the access token.
    const refreshed = await supabase.auth.refreshSession({
      refresh_token: session.refresh_token,
    })
    expect(refreshed.error).toBeNull()
    expect((await supabase.auth.getUser(refreshed.data.session!.access_token)).error).toBeNull()
  })

  it("revokes the whole session when a rotated refresh token is replayed after the interval", async () => {
    const { session } = await signUp("reuse")
    // A fresh client per call: with a 2 s expiry a client holding a session refreshes it itself.
    const refresh = (token: string) =>
      anonClient(stack).auth.refreshSession({ refresh_token: token })
    const second = (await refresh(session.refresh_token)).data.session!
    const third = (await refresh(second.refresh_token)).data.session!

    const replay = await refresh(session.refresh_token)
    expect(replay.error).toMatchObject({
      status: 400,
      code: "refresh_token_already_used",
      message: "Invalid Refresh Token: Already Used",
    })

    // The legitimate holder of the newest token is signed out too: the family is revoked.
    const holder = await refresh(third.refresh_token)
    expect(holder.error).toMatchObject({
      status: 400,
      code: "refresh_token_already_used",
    })
    const { rows } = await stack.db.query<{ revoked: boolean }>(
      "select revoked from auth.refresh_tokens where session_id = $1",
      [decodeJwt(session.access_token).session_id]
    )
    expect(rows.length).toBe(3)
    expect(rows.every((row) => row.revoked)).toBe(true)
  })

  it("asks sessions older than a day for the reauthentication nonce to set a password", async () => {
    const { email, session } = await signUp("secure")
    const supabase = anonClient(stack)
    await supabase.auth.setSession({
      access_token: session.access_token,
      refresh_token: session.refresh_token,
    })
    await stack.db.query(
      "update auth.sessions set created_at = now() - interval '25 hours' where id = $1",
      [decodeJwt((await supabase.auth.getSession()).data.session!.access_token).session_id]
    )

    const refused = await supabase.auth.updateUser({
      password: "a-second-passphrase",
    })
    expect(refused.error).toMatchObject({
      status: 400,
      code: "reauthentication_needed",
      message: "Password update requires reauthentication",
    })
    const wrong = await supabase.auth.updateUser({
      password: "a-second-passphrase",
      nonce: "000000",
    })
    expect(wrong.error).toMatchObject({
      status: 422,
      code: "reauthentication_not_valid",
    })

    expect((await supabase.auth.reauthenticate()).error).toBeNull()
    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("Confirm reauthentication")
    const nonce = /enter the code: (\d+)/.exec(mail.text)![1]!
    const accepted = await supabase.auth.updateUser({
      password: "a-second-passphrase",
      nonce,
    })
    expect(accepted.error).toBeNull()
    const reused = await supabase.auth.updateUser({
      password: "a-third-passphrase",
      nonce,
    })
    expect(reused.error).toMatchObject({
      status: 422,
      code: "reauthentication_not_valid",
    })
  })

  it("signs in anonymously and lets the user add an email later", async () => {
    const supabase = anonClient(stack)
    const { data, error } = await supabase.auth.signInAnonymously({
      options: { data: { source: "try-it" } },
    })
    expect(error).toBeNull()
    expect(data.user).toMatchObject({
      is_anonymous: true,
      email: "",
      user_metadata: { source: "try-it" },
      identities: [],
    })
    const claims = decodeJwt(data.session!.access_token)
    expect(claims).toMatchObject({
      is_anonymous: true,
      role: "authenticated",
      amr: [{ method: "anonymous", timestamp: expect.any(Number) }],
    })

    const noPassword = await supabase.auth.updateUser({ password: PASSWORD })
    expect(noPassword.error).toMatchObject({
      status: 422,
      code: "validation_failed",
    })
    const email = uniqueEmail("converted")
    const converted = await supabase.auth.updateUser({ email })
    expect(converted.error).toBeNull()
    expect(converted.data.user?.email).toBe(email)
  })
})
