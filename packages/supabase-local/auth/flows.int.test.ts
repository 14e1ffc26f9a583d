import { decodeJwt } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { Mailbox } from "../mailbox/mailbox"
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

describe(`auth: email links, codes, PKCE, redirects, user and logout (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      additional_redirect_urls: [
        "https://lmx.optalocal.com/**",
        "https://*.preview.optalocal.com/auth/callback",
        "https://exact.example.com/welcome",
      ],
      // Flows here send several emails to one address back to back.
      email: { ...auth.email, max_frequency: 0 },
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

    return { email, supabase }
  }

  it("signs in with a magic link and with the 6-digit code of the same email", async () => {
    const { email } = await confirmedUser("otp")
    const supabase = anonClient(stack)
    const sent = await supabase.auth.signInWithOtp({
      email,
      options: {
        emailRedirectTo: "https://lmx.optalocal.com/auth/callback",
        shouldCreateUser: false,
      },
    })
    expect(sent).toEqual({
      data: { user: null, session: null, messageId: undefined },
      error: null,
    })
    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("Your Magic Link")
    expect(mail.kind).toBe("magic_link")

    const wrong = await supabase.auth.verifyOtp({
      email,
      token: "000000" === codeOf(mail) ? "111111" : "000000",
      type: "email",
    })
    expect(wrong.error).toMatchObject({
      status: 403,
      code: "otp_expired",
      message: "Token has expired or is invalid",
    })

    const { data, error } = await supabase.auth.verifyOtp({
      email,
      token: codeOf(mail),
      type: "email",
    })
    expect(error).toBeNull()
    expect(data.session?.user.email).toBe(email)
    expect(decodeJwt(data.session!.access_token).amr).toEqual([
      { method: "otp", timestamp: expect.any(Number) },
    ])

    // Code and link are one token: once the code is used, the link is spent too.
    const { location } = await openLink(verifyLinkOf(mail))
    expect(location.origin + location.pathname).toBe("https://lmx.optalocal.com/auth/callback")
    expect(Object.fromEntries(new URLSearchParams(location.hash.slice(1)))).toEqual({
      error: "access_denied",
      error_code: "otp_expired",
      error_description: "Email link is invalid or has expired",
      sb: "",
    })
  })

  it("follows a magic link to the allowed redirect with the session in the fragment", async () => {
    const { email } = await confirmedUser("link")
    await anonClient(stack).auth.signInWithOtp({
      email,
      options: { emailRedirectTo: "https://lmx.optalocal.com/welcome?x=1" },
    })
    const { status, location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
    expect(status).toBe(303)
    expect(`${location.origin}${location.pathname}${location.search}`).toBe(
      "https://lmx.optalocal.com/welcome?x=1"
    )
    const fragment = new URLSearchParams(location.hash.slice(1))
    expect(fragment.get("type")).toBe("magiclink")
    expect(decodeJwt(fragment.get("access_token")!).email).toBe(email)
  })

  it("creates users from OTP unless create_user is false", async () => {
    const supabase = anonClient(stack)
    const refused = await supabase.auth.signInWithOtp({
      email: uniqueEmail("nobody"),
      options: { shouldCreateUser: false },
    })
    expect(refused.error).toMatchObject({
      status: 422,
      code: "otp_disabled",
      message: "Signups not allowed for otp",
    })

    const email = uniqueEmail("otp-new")
    expect(
      (
        await supabase.auth.signInWithOtp({
          email,
          options: { data: { plan: "free" } },
        })
      ).error
    ).toBeNull()
    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("Confirm Your Signup")
    const { data, error } = await supabase.auth.verifyOtp({
      email,
      token: codeOf(mail),
      type: "email",
    })
    expect(error).toBeNull()
    expect(data.user).toMatchObject({ email, user_metadata: { plan: "free" } })
    expect(data.user?.email_confirmed_at).toBeTruthy()
  })

  it("refuses codes and links older than otp_expiry", async () => {
    const { email } = await confirmedUser("stale")
    await anonClient(stack).auth.signInWithOtp({ email })
    const mail = await latestMail(stack, email)
    await stack.db.query(
      "update auth.users set recovery_sent_at = now() - interval '61 minutes' where email = $1",
      [email]
    )
    const { error } = await anonClient(stack).auth.verifyOtp({
      email,
      token: codeOf(mail),
      type: "email",
    })
    expect(error).toMatchObject({
      status: 403,
      code: "otp_expired",
      message: "Token has expired or is invalid",
    })
    const { location } = await openLink(verifyLinkOf(mail))
    expect(new URLSearchParams(location.hash.slice(1)).get("error_code")).toBe("otp_expired")
  })

  it("verifies a token_hash from an email link through verifyOtp", async () => {
    const { email } = await confirmedUser("hash")
    await anonClient(stack).auth.signInWithOtp({ email })
    const link = new URL(verifyLinkOf(await latestMail(stack, email)))
    const { data, error } = await anonClient(stack).auth.verifyOtp({
      token_hash: link.searchParams.get("token")!,
      type: "magiclink",
    })
    expect(error).toBeNull()
    expect(data.user?.email).toBe(email)
  })

  it.each([
    [
      "an exact allowed URL",
      "https://exact.example.com/welcome",
      "https://exact.example.com/welcome",
    ],
    [
      "a * match",
      "https://pr-7.preview.optalocal.com/auth/callback",
      "https://pr-7.preview.optalocal.com/auth/callback",
    ],
    ["a ** match", "https://lmx.optalocal.com/a/b/c", "https://lmx.optalocal.com/a/b/c"],
    [
      "the site origin on another path",
      "http://localhost:3000/auth/confirm",
      "http://localhost:3000/auth/confirm",
    ],
    [
      "a look-alike host",
      "https://lmx.optalocal.com.evil.com/auth/callback",
      "http://localhost:3000/",
    ],
    ["another port", "https://lmx.optalocal.com:8443/auth/callback", "http://localhost:3000/"],
    ["javascript:", "javascript:alert(1)", "http://localhost:3000/"],
    [
      "* crossing labels",
      "https://a.b.preview.optalocal.com/auth/callback",
      "http://localhost:3000/",
    ],
  ])("redirects email links for %s", async (_label, requested, expected) => {
    const { email } = await confirmedUser("redirect")
    await anonClient(stack).auth.signInWithOtp({
      email,
      options: { emailRedirectTo: requested },
    })
    const link = verifyLinkOf(await latestMail(stack, email))
    const { location } = await openLink(link)
    expect(`${location.origin}${location.pathname}`).toBe(expected)
    expect(location.hash).toContain("access_token=")
  })

  it("runs the PKCE flow: ?code= on the redirect, exchanged once with the verifier", async () => {
    const email = uniqueEmail("pkce")
    const storage = new Map<string, string>()
    const { createClient } = await import("@supabase/supabase-js")
    const { NODE_REALTIME } = await import("../testing/auth")
    const browser = createClient(stack.url, stack.keys.anonKey, {
      auth: {
        flowType: "pkce",
        persistSession: true,
        autoRefreshToken: false,
        detectSessionInUrl: false,
        storage: {
          getItem: (key) => storage.get(key) ?? null,
          setItem: (key, value) => void storage.set(key, value),
          removeItem: (key) => void storage.delete(key),
        },
      },
      realtime: NODE_REALTIME,
    })
    const signUp = await browser.auth.signUp({
      email,
      password: PASSWORD,
      options: { emailRedirectTo: "https://lmx.optalocal.com/auth/callback" },
    })
    expect(signUp.error).toBeNull()
    const link = verifyLinkOf(await latestMail(stack, email))
    expect(new URL(link).searchParams.get("token")).toMatch(/^pkce_[0-9a-f]{56}$/)
    const { location } = await openLink(link)
    expect(`${location.origin}${location.pathname}`).toBe("https://lmx.optalocal.com/auth/callback")
    expect(location.hash).toBe("")
    const code = location.searchParams.get("code")!
    expect(code).toMatch(/^[0-9a-f-]{36}$/)

    const { data, error } = await browser.auth.exchangeCodeForSession(code)
    expect(error).toBeNull()
    expect(data.session?.user.email).toBe(email)
    expect(data.user?.email_confirmed_at).toBeTruthy()

    const again = await fetch(`${stack.url}/auth/v1/token?grant_type=pkce`, {
      method: "POST",
      headers: {
        apikey: stack.keys.anonKey,
        "content-type": "application/json",
        "x-supabase-api-version": "2024-01-01",
      },
      body: JSON.stringify({ auth_code: code, code_verifier: "a".repeat(43) }),
    })
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({
      code: "flow_state_not_found",
      message: "invalid flow state, no valid flow state found",
    })
  })

  it("refuses a PKCE exchange with the wrong verifier and accepts the plain method", async () => {
    const { email } = await confirmedUser("pkce-plain")
    const verifier = "v".repeat(50)
    const otp = await fetch(`${stack.url}/auth/v1/otp`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: JSON.stringify({
        email,
        code_challenge: verifier,
        code_challenge_method: "plain",
      }),
    })
    expect(otp.status).toBe(200)
    const { location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
    const code = location.searchParams.get("code")!
    const exchange = (codeVerifier: string) =>
      fetch(`${stack.url}/auth/v1/token?grant_type=pkce`, {
        method: "POST",
        headers: {
          apikey: stack.keys.anonKey,
          "content-type": "application/json",
          "x-supabase-api-version": "2024-01-01",
        },
        body: JSON.stringify({ auth_code: code, code_verifier: codeVerifier }),
      })
    const wrong = await exchange("w".repeat(50))
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toEqual({
      code: "bad_code_verifier",
      message: "code challenge does not match previously saved code verifier",
    })
    const right = await exchange(verifier)
    expect(right.status).toBe(200)
    expect((await right.json()).user.email).toBe(email)
  })

  it("expires PKCE flow states after five minutes", async () => {
    const { email } = await confirmedUser("pkce-old")
    const verifier = "x".repeat(43)
    await fetch(`${stack.url}/auth/v1/otp`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: JSON.stringify({
        email,
        code_challenge: verifier,
        code_challenge_method: "plain",
      }),
    })
    const { location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
    const code = location.searchParams.get("code")!
    await stack.db.query(
      "update auth.flow_state set auth_code_issued_at = now() - interval '6 minutes' where auth_code = $1",
      [code]
    )
    const response = await fetch(`${stack.url}/auth/v1/token?grant_type=pkce`, {
      method: "POST",
      headers: {
        apikey: stack.keys.anonKey,
        "content-type": "application/json",
        "x-supabase-api-version": "2024-01-01",
      },
      body: JSON.stringify({ auth_code: code, code_verifier: verifier }),
    })
    expect(response.status).toBe(422)
    expect((await response.json()).code).toBe("flow_state_expired")
  })

  it("updates user metadata and the password, signing out the other sessions", async () => {
    const { email } = await confirmedUser("update")
    const laptop = anonClient(stack)
    const phone = anonClient(stack)
    await laptop.auth.signInWithPassword({ email, password: PASSWORD })
    await phone.auth.signInWithPassword({ email, password: PASSWORD })

    const data = await laptop.auth.updateUser({
      data: { theme: "dark", plan: "pro" },
    })
    expect(data.error).toBeNull()
    expect(data.data.user?.user_metadata).toEqual({
      theme: "dark",
      plan: "pro",
    })
    const cleared = await laptop.auth.updateUser({ data: { plan: null } })
    expect(cleared.data.user?.user_metadata).toEqual({ theme: "dark" })

    const same = await laptop.auth.updateUser({ password: PASSWORD })
    expect(same.error).toMatchObject({ status: 422, code: "same_password" })
    const weak = await laptop.auth.updateUser({ password: "short" })
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password" })

    const changed = await laptop.auth.updateUser({
      password: "a-brand-new-passphrase",
    })
    expect(changed.error).toBeNull()
    const phoneUser = await phone.auth.getUser()
    expect(phoneUser.error).toMatchObject({ name: "AuthSessionMissingError" })
    expect((await laptop.auth.getUser()).error).toBeNull()
    expect(
      (
        await anonClient(stack).auth.signInWithPassword({
          email,
          password: PASSWORD,
        })
      ).error?.code
    ).toBe("invalid_credentials")
    expect(
      (
        await anonClient(stack).auth.signInWithPassword({
          email,
          password: "a-brand-new-passphrase",
        })
      ).error
    ).toBeNull()
  })

  it("changes the email only after both addresses confirm (double_confirm_changes)", async () => {
    const { email } = await confirmedUser("change")
    const supabase = anonClient(stack)
    await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    const newEmail = uniqueEmail("changed")
    const { data, error } = await supabase.auth.updateUser({ email: newEmail })
    expect(error).toBeNull()
    expect(data.user).toMatchObject({ email, new_email: newEmail })
    expect(data.user?.email_change_sent_at).toBeTruthy()

    const toNew = await latestMail(stack, newEmail)
    const toCurrent = await latestMail(stack, email)
    expect(toNew.subject).toBe("Confirm Email Change")
    expect(toCurrent.subject).toBe("Confirm Email Change")

    const first = await openLink(verifyLinkOf(toCurrent))
    expect(Object.fromEntries(new URLSearchParams(first.location.hash.slice(1)))).toEqual({
      message: "Confirmation link accepted. Please proceed to confirm link sent to the other email",
      sb: "",
    })
    expect((await supabase.auth.getUser()).data.user?.email).toBe(email)

    const second = await supabase.auth.verifyOtp({
      email: newEmail,
      token: codeOf(toNew),
      type: "email_change",
    })
    expect(second.error).toBeNull()
    expect(second.data.user?.email).toBe(newEmail)
    expect(second.data.user?.new_email).toBeUndefined()

    const taken = await supabase.auth.updateUser({ email })
    expect(taken.error).toBeNull()
    const { email: otherEmail } = await confirmedUser("taken")
    const clash = await supabase.auth.updateUser({ email: otherEmail })
    expect(clash.error).toMatchObject({ status: 422, code: "email_exists" })
  })

  it("signs out with the local, others and global scopes", async () => {
    const { email } = await confirmedUser("logout")
    const clients = [
      anonClient(stack),
      anonClient(stack),
      anonClient(stack),
      anonClient(stack),
    ] as const
    for (const client of clients)
      await client.auth.signInWithPassword({ email, password: PASSWORD })
    const [a, b, c, d] = clients
    const stillIn = async () =>
      Promise.all(clients.map(async (client) => (await client.auth.getUser()).error === null))

    expect((await a.auth.signOut({ scope: "local" })).error).toBeNull()
    const tokenOfB = (await b.auth.getSession()).data.session!.access_token
    expect(await stillIn()).toEqual([false, true, true, true])

    expect((await b.auth.signOut({ scope: "others" })).error).toBeNull()
    expect((await anonClient(stack).auth.getUser(tokenOfB)).error).toBeNull()
    const cUser = await c.auth.getUser()
    expect(cUser.error).toMatchObject({ name: "AuthSessionMissingError" })
    expect((await d.auth.getUser()).error).not.toBeNull()

    const e = anonClient(stack)
    await e.auth.signInWithPassword({ email, password: PASSWORD })
    expect((await b.auth.signOut()).error).toBeNull()
    expect((await e.auth.getUser()).error).not.toBeNull()
    expect((await anonClient(stack).auth.getUser(tokenOfB)).error).toMatchObject({
      name: "AuthSessionMissingError",
    })
    const refresh = await anonClient(stack).auth.refreshSession({
      refresh_token: (await e.auth.getSession()).data.session?.refresh_token ?? "gone",
    })
    expect(refresh.error?.code).toBe("refresh_token_not_found")
  })

  it("recovers a password through the recovery email", async () => {
    const { email } = await confirmedUser("recover")
    const supabase = anonClient(stack)
    const unknown = await supabase.auth.resetPasswordForEmail(uniqueEmail("ghost"))
    expect(unknown).toEqual({ data: {}, error: null })

    expect(
      (
        await supabase.auth.resetPasswordForEmail(email, {
          redirectTo: "https://lmx.optalocal.com/reset",
        })
      ).error
    ).toBeNull()
    const mail = await latestMail(stack, email)
    expect(mail.subject).toBe("Reset Your Password")
    const { location } = await openLink(verifyLinkOf(mail))
    expect(`${location.origin}${location.pathname}`).toBe("https://lmx.optalocal.com/reset")
    const fragment = new URLSearchParams(location.hash.slice(1))
    expect(fragment.get("type")).toBe("recovery")
    await supabase.auth.setSession({
      access_token: fragment.get("access_token")!,
      refresh_token: fragment.get("refresh_token")!,
    })
    expect((await supabase.auth.updateUser({ password: "recovered-passphrase" })).error).toBeNull()
    expect(
      (
        await anonClient(stack).auth.signInWithPassword({
          email,
          password: "recovered-passphrase",
        })
      ).error
    ).toBeNull()
  })

  it("resends the signup confirmation", async () => {
    const email = uniqueEmail("resend")
    const supabase = anonClient(stack)
    await supabase.auth.signUp({ email, password: PASSWORD })
    const first = await latestMail(stack, email)
    expect((await supabase.auth.resend({ type: "signup", email })).error).toBeNull()
    const messages = await mailFor(stack, email)
    expect(messages).toHaveLength(2)
    // The newest code replaces the first (two random 6-digit codes collide once in a million).
    const stale = await supabase.auth.verifyOtp({
      email,
      token: codeOf(first),
      type: "signup",
    })
    expect(stale.error?.code).toBe("otp_expired")
    const { error } = await supabase.auth.verifyOtp({
      email,
      token: codeOf(messages[0]!),
      type: "signup",
    })
    expect(error).toBeNull()
  })

  it("refuses anonymous sign-ins when they are disabled, and OAuth providers that are not enabled", async () => {
    const { error } = await anonClient(stack).auth.signInAnonymously()
    expect(error).toMatchObject({
      status: 422,
      code: "anonymous_provider_disabled",
      message: "Anonymous sign-ins are disabled",
    })

    const { data } = await anonClient(stack).auth.signInWithOAuth({
      provider: "github",
      options: {
        skipBrowserRedirect: true,
        redirectTo: "https://lmx.optalocal.com/auth/callback",
      },
    })
    const response = await fetch(data.url!, {
      redirect: "manual",
      headers: { "x-supabase-api-version": "2024-01-01" },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      code: "validation_failed",
      message: "Unsupported provider: provider is not enabled",
    })
    const unknown = await fetch(`${stack.url}/auth/v1/authorize?provider=myspace`)
    expect(await unknown.json()).toEqual({
      code: 400,
      error_code: "validation_failed",
      msg: "Unsupported provider: Provider myspace could not be found",
    })
  })

  it("keeps every email in the mailbox, over HTTP and in its table for the next boot", async () => {
    const email = uniqueEmail("mailbox")
    await anonClient(stack).auth.signUp({ email, password: PASSWORD })
    const [message] = await mailFor(stack, email)
    expect(message).toMatchObject({
      to: email,
      subject: "Confirm Your Signup",
      kind: "confirmation",
    })
    expect(message!.links[0]).toContain(`${stack.url}/auth/v1/verify?token=`)
    const one = await (
      await fetch(`${stack.url}/mailbox/api/messages/${message!.id}`, {
        headers: { apikey: stack.keys.serviceRoleKey },
      })
    ).json()
    expect(one).toEqual(message)
    const page = await fetch(`${stack.url}/mailbox?to=${encodeURIComponent(email)}`)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(await page.text()).toContain("Confirm Your Signup")
    const stored = await stack.db.query(
      "select subject from _local.mailbox_messages where to_address = $1",
      [email]
    )
    expect(stored.rows).toEqual([{ subject: "Confirm Your Signup" }])
    expect(stack.statusLines()).toContain(`Mailbox URL: ${stack.url}/mailbox`)
    // A mailbox opened on the same database (what a restart does) reads the emails back.
    const reopened = new Mailbox(stack.db, () => undefined)
    expect((await reopened.list(email)).map((mail) => mail.id)).toEqual([message!.id])
  })
})
