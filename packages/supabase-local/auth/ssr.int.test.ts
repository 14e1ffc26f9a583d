import { createServerClient } from "@supabase/ssr"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  generousLimits,
  latestMail,
  NODE_REALTIME,
  openLink,
  startAuthStack,
  uniqueEmail,
  verifyLinkOf,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const PASSWORD = "correct-horse-battery"

/** A browser's cookie jar, carried from one simulated Next.js request to the next. */
class CookieJar {
  readonly cookies = new Map<string, string>()

  names() {
    return [...this.cookies.keys()].sort()
  }
}

describe(`auth through @supabase/ssr, as Next.js route handlers use it (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      email: { ...auth.email, max_frequency: 0 },
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  /** What `lib/supabase/server.ts` builds per request: cookies in from the request, out on the response. */
  function serverClient(jar: CookieJar) {
    return createServerClient(stack.url, stack.keys.anonKey, {
      cookies: {
        getAll: () => [...jar.cookies].map(([name, value]) => ({ name, value })),
        setAll: (cookiesToSet) => {
          for (const { name, value, options } of cookiesToSet) {
            if (options.maxAge === 0 || value === "") jar.cookies.delete(name)
            else jar.cookies.set(name, value)
          }
        },
      },
      realtime: NODE_REALTIME,
    })
  }

  it("signs up with PKCE, confirms through ?code= and exchanges it in the callback route", async () => {
    const jar = new CookieJar()
    const email = uniqueEmail("ssr")
    const signUp = await serverClient(jar).auth.signUp({
      email,
      password: PASSWORD,
      options: {
        emailRedirectTo: "http://localhost:3000/auth/callback?next=/devices",
      },
    })
    expect(signUp.error).toBeNull()
    expect(jar.names().some((name) => name.endsWith("-auth-token-code-verifier"))).toBe(true)

    const { location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
    expect(`${location.origin}${location.pathname}`).toBe("http://localhost:3000/auth/callback")
    expect(location.searchParams.get("next")).toBe("/devices")
    const code = location.searchParams.get("code")!

    // app/auth/callback/route.ts
    const exchanged = await serverClient(jar).auth.exchangeCodeForSession(code)
    expect(exchanged.error).toBeNull()
    expect(exchanged.data.user?.email).toBe(email)
    expect(jar.names().some((name) => name.endsWith("-auth-token-code-verifier"))).toBe(false)
    expect(jar.names().some((name) => /-auth-token(\.0)?$/.test(name))).toBe(true)

    // The next request: a server component reading the user from the cookies.
    const server = serverClient(jar)
    const claims = await server.auth.getClaims()
    expect(claims.error).toBeNull()
    expect(claims.data?.claims.email).toBe(email)
    const user = await server.auth.getUser()
    expect(user.data.user?.email).toBe(email)

    const reused = await serverClient(new CookieJar()).auth.exchangeCodeForSession(code)
    expect(reused.error).not.toBeNull()
  })

  it("signs in with a password, refreshes through the cookies and signs out", async () => {
    const setup = new CookieJar()
    const email = uniqueEmail("ssr-password")
    await serverClient(setup).auth.signUp({ email, password: PASSWORD })
    const { location } = await openLink(verifyLinkOf(await latestMail(stack, email)))
    await serverClient(setup).auth.exchangeCodeForSession(location.searchParams.get("code")!)

    const jar = new CookieJar()
    const signIn = await serverClient(jar).auth.signInWithPassword({
      email,
      password: PASSWORD,
    })
    expect(signIn.error).toBeNull()
    const before = (await serverClient(jar).auth.getSession()).data.session!

    const refreshed = await serverClient(jar).auth.refreshSession()
    expect(refreshed.error).toBeNull()
    const after = (await serverClient(jar).auth.getSession()).data.session!
    expect(after.refresh_token).not.toBe(before.refresh_token)
    expect((await serverClient(jar).auth.getUser()).data.user?.email).toBe(email)

    expect((await serverClient(jar).auth.signOut()).error).toBeNull()
    expect(jar.names().some((name) => name.includes("-auth-token"))).toBe(false)
    expect((await serverClient(jar).auth.getUser()).data.user).toBeNull()
    const stale = await serverClient(new CookieJar()).auth.getUser(after.access_token)
    expect(stale.error).toMatchObject({ name: "AuthSessionMissingError" })
  })

  it("confirms a magic link with verifyOtp({ token_hash }), as the with-supabase confirm route does", async () => {
    const jar = new CookieJar()
    const email = uniqueEmail("ssr-otp")
    expect((await serverClient(jar).auth.signInWithOtp({ email })).error).toBeNull()
    const tokenHash = new URL(verifyLinkOf(await latestMail(stack, email))).searchParams.get(
      "token"
    )!
    expect(tokenHash.startsWith("pkce_")).toBe(true)

    const confirmJar = new CookieJar()
    const { data, error } = await serverClient(confirmJar).auth.verifyOtp({
      token_hash: tokenHash,
      type: "email",
    })
    expect(error).toBeNull()
    expect(data.user?.email).toBe(email)
    expect((await serverClient(confirmJar).auth.getUser()).data.user?.email).toBe(email)
  })

  it("reports wrong credentials to the server action without setting cookies", async () => {
    const jar = new CookieJar()
    const { error } = await serverClient(jar).auth.signInWithPassword({
      email: uniqueEmail("nobody"),
      password: PASSWORD,
    })
    expect(error).toMatchObject({ status: 400, code: "invalid_credentials" })
    expect(jar.names()).toEqual([])
  })
})
