// The callback, confirm and sign-out handlers against a real local stack, through
// @supabase/ssr exactly as the app runs them. Next's request scope (cookies()) is
// replaced by an in-memory cookie jar standing in for one browser.
import { NextRequest } from "next/server"
import {
  startTestStack,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createServerClient } from "@supabase/ssr"
import { createClient as createSupabaseClient } from "@supabase/supabase-js"
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
} from "vitest"
import { z } from "zod"

import type * as ActionsModule from "@/lib/auth/actions"
import type * as BrowserAuthModule from "@/lib/auth/browser-auth"
import { AUTH_ERROR_COPY } from "@/lib/auth/errors"
import { serverRealtimeOptions } from "@/lib/supabase/server-realtime"
import type * as CallbackModule from "@/app/auth/callback/route"
import type * as SignOutModule from "@/app/auth/sign-out/route"
import type * as ProxyModule from "@/proxy"

// Imported after the stack is up: lib/env reads the stack's URL and keys once.
type CallbackRoute = typeof CallbackModule
type SignOutRoute = typeof SignOutModule
type BrowserAuth = typeof BrowserAuthModule
type AuthActions = typeof ActionsModule
type Proxy = typeof ProxyModule

type StoredCookie = { value: string; options: Record<string, unknown> }

const jar = new Map<string, StoredCookie>()

const cookieStore = {
  getAll: () => [...jar].map(([name, { value }]) => ({ name, value })),
  get: (name: string) => {
    const cookie = jar.get(name)
    return cookie ? { name, value: cookie.value } : undefined
  },
  set: (name: string, value: string, options: Record<string, unknown> = {}) => {
    if (value === "" || options.maxAge === 0) jar.delete(name)
    else jar.set(name, { value, options })
  },
}

vi.mock("server-only", () => ({}))
vi.mock("next/headers", () => ({ cookies: async () => cookieStore }))
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }))
// lib/auth/browser-auth.ts runs in the browser with @supabase/ssr's browser client, which keeps
// the session and the PKCE verifier in document.cookie: here the same cookie jar stands in.
vi.mock("@/lib/supabase/client", () => ({
  createClient: () => browserClient(),
}))
// Where the browser functions send the page once signed in (window is stubbed once the stack
// is up: PGlite takes a global window for a browser when it starts).
const navigations: string[] = []

const SITE = "http://localhost:3000"
const NO_SESSION = {
  auth: {
    persistSession: false,
    autoRefreshToken: false,
    detectSessionInUrl: false,
  },
  realtime: serverRealtimeOptions,
}

let stack: TestStack
let callback: CallbackRoute
let signOut: SignOutRoute
let actions: BrowserAuth
let serverActions: AuthActions
let proxy: Proxy

beforeAll(async () => {
  stack = await startTestStack({
    seedFiles: [],
    configOverrides: (config) => ({
      ...config,
      auth: {
        ...config.auth,
        rate_limit: {
          ...config.auth.rate_limit,
          email_sent: 10_000,
          sign_in_sign_ups: 10_000,
          token_verifications: 10_000,
        },
      },
    }),
  })
  process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
  process.env.NEXT_PUBLIC_SITE_URL = SITE
  vi.stubGlobal("window", {
    location: { assign: (path: string) => navigations.push(path) },
  })
  callback = await import("@/app/auth/callback/route")
  signOut = await import("@/app/auth/sign-out/route")
  actions = await import("@/lib/auth/browser-auth")
  serverActions = await import("@/lib/auth/actions")
  proxy = await import("@/proxy")
})

afterAll(async () => {
  vi.unstubAllGlobals()
  await stack?.stop()
})

beforeEach(() => {
  jar.clear()
  navigations.length = 0
  vi.spyOn(console, "error").mockImplementation(() => undefined)
})

/** The asking browser's client: it keeps the PKCE code verifier in the jar. */
function browserClient() {
  return createServerClient(stack.url, stack.keys.anonKey, {
    realtime: serverRealtimeOptions,
    cookies: {
      getAll: () => cookieStore.getAll(),
      setAll: (cookies) => {
        for (const { name, value, options } of cookies)
          cookieStore.set(name, value, options)
      },
    },
  })
}

let counter = 0
function uniqueEmail(label: string) {
  counter += 1
  return `${label}-${counter}-${Date.now().toString(36)}@example.com`
}

const mailSchema = z.object({
  messages: z.array(
    z.object({ to: z.string(), text: z.string(), links: z.array(z.string()) })
  ),
})

async function latestMail(to: string) {
  const response = await fetch(
    `${stack.url}/mailbox/api/messages?to=${encodeURIComponent(to)}`,
    { headers: { apikey: stack.keys.serviceRoleKey } }
  )
  const [message] = mailSchema.parse(await response.json()).messages
  if (!message) throw new Error(`no email for ${to}`)

  return message
}

/** Asks for a magic link as the sign-in page does and returns where its link leads. */
async function magicLinkCallback(email: string, next: string) {
  const { error } = await browserClient().auth.signInWithOtp({
    email,
    options: {
      emailRedirectTo: `${SITE}/auth/callback?next=${encodeURIComponent(next)}`,
    },
  })
  expect(error).toBeNull()
  const mail = await latestMail(email)
  const link = mail.links.find((candidate) =>
    candidate.includes("/auth/v1/verify?")
  )
  if (!link) throw new Error("no verification link")
  const response = await fetch(link, { redirect: "manual" })
  const location = response.headers.get("location")
  if (!location)
    throw new Error(`no redirect from the link (${response.status})`)

  return new URL(location)
}

function sessionCookieNames() {
  return [...jar.keys()].filter((name) =>
    /^sb-.+-auth-token(\.\d+)?$/.test(name)
  )
}

function redirectOf(response: Response) {
  return response.headers.get("location")
}

/**
 * Where a browser sign-in function sends the page: it navigates and never settles, so this
 * waits for the navigation (or for an answer, which means it did not navigate).
 */
async function redirectFromAction(
  run: () => Promise<unknown>
): Promise<string> {
  const answered = run().then((result) => {
    throw new Error(`the function answered instead: ${JSON.stringify(result)}`)
  })
  const navigated = vi.waitFor(
    () => {
      if (navigations.length === 0) throw new Error("no navigation yet")
      return navigations.at(-1)!
    },
    { timeout: 10_000 }
  )

  return Promise.race([answered, navigated])
}

/** Where a server action's redirect() points (Next throws it as an error with a digest). */
async function redirectFromServerAction(
  run: () => Promise<unknown>
): Promise<string> {
  try {
    await run()
  } catch (error) {
    const digest = (error as { digest?: unknown }).digest
    if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT;")) {
      return digest.split(";")[2] ?? ""
    }
    throw error
  }
  throw new Error("the action did not redirect")
}

function form(fields: Record<string, string>) {
  const data = new FormData()
  for (const [key, value] of Object.entries(fields)) data.set(key, value)

  return data
}

describe("GET /auth/callback", () => {
  it("exchanges the code from a magic link and returns to next", async () => {
    const target = await magicLinkCallback(
      uniqueEmail("callback"),
      "/pair?code=ABCD-EFGH"
    )
    expect(`${target.origin}${target.pathname}`).toBe(`${SITE}/auth/callback`)

    const response = await callback.GET(new NextRequest(target))

    expect(response.status).toBe(303)
    expect(redirectOf(response)).toBe(`${SITE}/pair?code=ABCD-EFGH`)
    expect(sessionCookieNames().length).toBeGreaterThan(0)
    for (const name of sessionCookieNames()) {
      expect(jar.get(name)?.options).toMatchObject({
        path: "/",
        sameSite: "lax",
        secure: false,
      })
    }
    const { data } = await browserClient().auth.getClaims()
    expect(data?.claims.email).toMatch(/^callback-/)
  })

  it.each([
    "//evil.com",
    "https://evil.com",
    "/\\evil.com",
    ".evil.com",
    "@evil.com",
    "/%2f%2fevil.com",
    "%2F%2Fevil.com",
    "/%5cevil.com",
    "/%252f%252fevil.com",
    "/\t/evil.com",
  ])("lands on / for next=%j", async (next) => {
    const target = await magicLinkCallback(uniqueEmail("redirect"), next)
    const response = await callback.GET(new NextRequest(target))

    expect(redirectOf(response)).toBe(`${SITE}/`)
    expect(sessionCookieNames().length).toBeGreaterThan(0)
  })

  it("builds the redirect from the site URL, not from Host or X-Forwarded-Host", async () => {
    const target = await magicLinkCallback(uniqueEmail("host"), "/devices")
    const spoofed = new URL(target)
    spoofed.host = "evil.com"
    const response = await callback.GET(
      new NextRequest(spoofed, {
        headers: {
          host: "evil.com",
          "x-forwarded-host": "evil.com",
          "x-forwarded-proto": "https",
        },
      })
    )

    expect(redirectOf(response)).toBe(`${SITE}/devices`)
  })

  it("sends a link opened in another browser to the code form", async () => {
    const target = await magicLinkCallback(uniqueEmail("elsewhere"), "/devices")
    jar.clear() // the other browser has no code verifier

    const response = await callback.GET(new NextRequest(target))

    expect(redirectOf(response)).toBe(
      `${SITE}/sign-in?next=%2Fdevices&error=link_other_browser&tab=code`
    )
    expect(sessionCookieNames()).toEqual([])
  })

  it("spends a code once", async () => {
    const target = await magicLinkCallback(uniqueEmail("twice"), "/devices")
    await callback.GET(new NextRequest(target))
    const second = await callback.GET(new NextRequest(target))

    expect(redirectOf(second)).toMatch(
      new RegExp(`^${SITE}/sign-in\\?next=%2Fdevices&error=`)
    )
  })

  it("turns Auth's error parameters into our own copy key", async () => {
    const response = await callback.GET(
      new NextRequest(
        `${SITE}/auth/callback?next=%2Fdevices&error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired`
      )
    )

    expect(redirectOf(response)).toBe(
      `${SITE}/sign-in?next=%2Fdevices&error=otp_expired&tab=code`
    )
  })

  it("hands a token hash to /auth/confirm without spending it", async () => {
    const response = await callback.GET(
      new NextRequest(
        `${SITE}/auth/callback?next=%2Fpair%3Fcode%3DABCD-EFGH&token_hash=3f9a0c&type=email`
      )
    )

    expect(redirectOf(response)).toBe(
      `${SITE}/auth/confirm?token_hash=3f9a0c&type=email&next=%2Fpair%3Fcode%3DABCD-EFGH`
    )
    expect(sessionCookieNames()).toEqual([])
  })

  it("refuses a request without a code", async () => {
    const response = await callback.GET(
      new NextRequest(`${SITE}/auth/callback?next=//evil.com`)
    )

    expect(redirectOf(response)).toBe(`${SITE}/sign-in?error=link_invalid`)
  })
})

describe("confirming a token hash (/auth/confirm)", () => {
  async function tokenHashFor(email: string) {
    const admin = createSupabaseClient(
      stack.url,
      stack.keys.serviceRoleKey,
      NO_SESSION
    )
    await admin.auth.admin.createUser({ email, email_confirm: true })
    const { data, error } = await admin.auth.admin.generateLink({
      type: "magiclink",
      email,
    })
    if (error) throw error

    return data.properties.hashed_token
  }

  it("does nothing when the page is only rendered (a mail scanner's GET)", async () => {
    const tokenHash = await tokenHashFor(uniqueEmail("scanner"))
    const { default: ConfirmPage } = await import("@/app/auth/confirm/page")
    const searchParams = Promise.resolve({
      token_hash: tokenHash,
      type: "magiclink",
      next: "/settings",
    })
    await ConfirmPage({ searchParams })
    await ConfirmPage({ searchParams })
    expect(sessionCookieNames()).toEqual([])

    const to = await redirectFromServerAction(() =>
      serverActions.confirmEmailLink(
        form({ token_hash: tokenHash, type: "magiclink", next: "/settings" })
      )
    )

    expect(to).toBe("/settings")
    expect(sessionCookieNames().length).toBeGreaterThan(0)
  })

  it("verifies once, in any browser, and refuses the same hash again", async () => {
    const tokenHash = await tokenHashFor(uniqueEmail("once"))
    const fields = {
      token_hash: tokenHash,
      type: "magiclink",
      next: "https://evil.com",
    }

    expect(
      await redirectFromServerAction(() =>
        serverActions.confirmEmailLink(form(fields))
      )
    ).toBe("/")
    jar.clear()
    expect(
      await redirectFromServerAction(() =>
        serverActions.confirmEmailLink(form(fields))
      )
    ).toBe("/sign-in?error=otp_expired&tab=code")
    expect(sessionCookieNames()).toEqual([])
  })

  it("refuses malformed input without calling Auth", async () => {
    expect(
      await redirectFromServerAction(() =>
        serverActions.confirmEmailLink(
          form({ token_hash: "x y", type: "magiclink" })
        )
      )
    ).toBe("/sign-in?error=link_invalid")
  })
})

describe("the browser's sign-in functions", () => {
  it("signs in with the 6-digit code from the magic-link email", async () => {
    const email = uniqueEmail("code")
    const sent = await actions.sendMagicLink(
      null,
      form({ email, next: "/devices" })
    )
    expect(sent).toEqual({ ok: true, data: { email } })
    const code = /enter the code: (\d{6})/.exec(
      (await latestMail(email)).text
    )?.[1]
    expect(code).toMatch(/^\d{6}$/)

    jar.clear() // the code works in a browser that never asked
    const to = await redirectFromAction(() =>
      actions.verifyEmailCode(
        null,
        form({ email, code: code!, next: "/devices" })
      )
    )

    expect(to).toBe("/devices")
    expect(sessionCookieNames().length).toBeGreaterThan(0)
  })

  it("confirms a new account with the 6-digit code from the sign-up email", async () => {
    const email = uniqueEmail("signup-code")
    const sent = await actions.signUp(
      null,
      form({ email, password: "a good password 1", next: "/settings" })
    )
    expect(sent).toEqual({ ok: true, data: { email } })
    const code = /code\b[^0-9]*(\d{6})\b/i.exec(
      (await latestMail(email)).text
    )?.[1]
    expect(code).toMatch(/^\d{6}$/)

    jar.clear() // typed on the "check your inbox" step, or in any other browser
    const to = await redirectFromAction(() =>
      actions.verifyEmailCode(
        null,
        form({ email, code: code!, next: "/settings" })
      )
    )

    expect(to).toBe("/settings")
    expect(sessionCookieNames().length).toBeGreaterThan(0)
  })

  it("answers a wrong code with one message that leads with the likelier typo", async () => {
    const email = uniqueEmail("wrong-code")
    expect(await actions.sendMagicLink(null, form({ email }))).toMatchObject({
      ok: true,
    })
    const code = /code\b[^0-9]*(\d{6})\b/i.exec(
      (await latestMail(email)).text
    )?.[1]

    const result = await actions.verifyEmailCode(
      null,
      form({ email, code: code === "000000" ? "111111" : "000000" })
    )

    // Auth says otp_expired for a wrong code as for an expired one.
    expect(result).toEqual({
      ok: false,
      message: AUTH_ERROR_COPY.code_rejected,
      values: { email },
    })
    expect(AUTH_ERROR_COPY.code_rejected).toMatch(/^That code is not right\./)
  })

  it("sends the CAPTCHA widget's token to Auth with each request that takes one", async () => {
    const bodies: unknown[] = []
    const realFetch = globalThis.fetch
    const spy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (/\/auth\/v1\/(token|otp|signup|recover)/.test(url)) {
          bodies.push(JSON.parse(String(init?.body ?? "{}")))
        }
        return realFetch(input, init)
      })
    try {
      const email = uniqueEmail("captcha")
      const captchaToken = "widget-token-123"
      await actions.signInWithPassword(
        null,
        form({ email, password: "wrong password", captchaToken })
      )
      await actions.sendMagicLink(null, form({ email, captchaToken }))
      await actions.requestPasswordReset(null, form({ email, captchaToken }))
      await actions.signUp(
        null,
        form({
          email: uniqueEmail("captcha-up"),
          password: "a good password 1",
          captchaToken,
        })
      )
    } finally {
      spy.mockRestore()
    }
    expect(bodies).toHaveLength(4)
    for (const body of bodies) {
      expect(body).toMatchObject({
        gotrue_meta_security: { captcha_token: "widget-token-123" },
      })
    }
  })

  it("answers a wrong password with our copy, never Auth's message", async () => {
    const email = uniqueEmail("password")
    const admin = createSupabaseClient(
      stack.url,
      stack.keys.serviceRoleKey,
      NO_SESSION
    )
    await admin.auth.admin.createUser({
      email,
      password: "right password",
      email_confirm: true,
    })

    const state = await actions.signInWithPassword(
      null,
      form({ email, password: "wrong password" })
    )

    expect(state).toEqual({
      ok: false,
      message: expect.stringMatching(/don't match an account/),
      values: { email },
    })
    expect(
      await redirectFromAction(() =>
        actions.signInWithPassword(
          null,
          form({ email, password: "right password", next: "//evil.com" })
        )
      )
    ).toBe("/")
  })
})

describe("POST /auth/sign-out", () => {
  async function signedInRefreshToken() {
    const email = uniqueEmail("signout")
    const admin = createSupabaseClient(
      stack.url,
      stack.keys.serviceRoleKey,
      NO_SESSION
    )
    await admin.auth.admin.createUser({
      email,
      password: "a good password",
      email_confirm: true,
    })
    // Another browser, to see what "everywhere" reaches.
    const other = createSupabaseClient(
      stack.url,
      stack.keys.anonKey,
      NO_SESSION
    )
    const { data } = await other.auth.signInWithPassword({
      email,
      password: "a good password",
    })
    await redirectFromAction(() =>
      actions.signInWithPassword(
        null,
        form({ email, password: "a good password" })
      )
    )

    return data.session!.refresh_token
  }

  async function refreshWorks(refreshToken: string) {
    const client = createSupabaseClient(
      stack.url,
      stack.keys.anonKey,
      NO_SESSION
    )
    const { error } = await client.auth.refreshSession({
      refresh_token: refreshToken,
    })

    return error === null
  }

  function signOutRequest(scope: string, origin = SITE) {
    return new NextRequest(`${SITE}/auth/sign-out`, {
      method: "POST",
      headers: { origin },
      body: form({ scope }),
    })
  }

  it("signs out this browser only", async () => {
    const otherRefresh = await signedInRefreshToken()
    const response = await signOut.POST(signOutRequest("local"))

    expect(redirectOf(response)).toBe(`${SITE}/sign-in?signed_out=1`)
    expect(sessionCookieNames()).toEqual([])
    expect(await refreshWorks(otherRefresh)).toBe(true)
  })

  it("signs out every browser", async () => {
    const otherRefresh = await signedInRefreshToken()
    const response = await signOut.POST(signOutRequest("global"))

    expect(redirectOf(response)).toBe(`${SITE}/sign-in?signed_out=everywhere`)
    expect(sessionCookieNames()).toEqual([])
    expect(await refreshWorks(otherRefresh)).toBe(false)
  })

  it("signs out the others and keeps this browser", async () => {
    const otherRefresh = await signedInRefreshToken()
    const response = await signOut.POST(signOutRequest("others"))

    expect(redirectOf(response)).toBe(`${SITE}/settings?signed_out=others`)
    expect(sessionCookieNames().length).toBeGreaterThan(0)
    expect(await refreshWorks(otherRefresh)).toBe(false)
  })

  it("refuses a cross-site POST", async () => {
    await signedInRefreshToken()
    const response = await signOut.POST(
      signOutRequest("global", "https://evil.com")
    )

    expect(response.status).toBe(403)
    expect(sessionCookieNames().length).toBeGreaterThan(0)
  })
})

describe("proxy.ts", () => {
  function cookieHeader() {
    return [...jar].map(([name, { value }]) => `${name}=${value}`).join("; ")
  }

  async function signInJar() {
    const email = uniqueEmail("proxy")
    const admin = createSupabaseClient(
      stack.url,
      stack.keys.serviceRoleKey,
      NO_SESSION
    )
    await admin.auth.admin.createUser({
      email,
      password: "a good password",
      email_confirm: true,
    })
    await redirectFromAction(() =>
      actions.signInWithPassword(
        null,
        form({ email, password: "a good password" })
      )
    )
  }

  it("sends a signed-out visitor of a console page to sign-in with the path kept", async () => {
    const response = await proxy.proxy(
      new NextRequest(`${SITE}/devices?role=llm_host&status=online`, {
        headers: { "x-forwarded-host": "evil.com", host: "evil.com" },
      })
    )

    expect(response.status).toBe(307)
    expect(redirectOf(response)).toBe(
      `${SITE}/sign-in?next=%2Fdevices%3Frole%3Dllm_host%26status%3Donline`
    )
  })

  it("keeps a pairing code through sign-in", async () => {
    const response = await proxy.proxy(
      new NextRequest(`${SITE}/pair?code=ABCD-EFGH`)
    )

    expect(redirectOf(response)).toBe(
      `${SITE}/sign-in?next=%2Fpair%3Fcode%3DABCD-EFGH`
    )
  })

  it("lets signed-out visitors reach sign-in, the auth routes and the device API", async () => {
    for (const path of [
      "/sign-in?next=%2Fdevices",
      "/auth/callback?code=x",
      "/api/device/v1/heartbeat",
    ]) {
      const response = await proxy.proxy(new NextRequest(`${SITE}${path}`))
      expect(redirectOf(response), path).toBeNull()
    }
  })

  it("lets a signed-in person through and sends them on from sign-in", async () => {
    await signInJar()
    const headers = { cookie: cookieHeader() }

    const page = await proxy.proxy(
      new NextRequest(`${SITE}/settings`, { headers })
    )
    expect(redirectOf(page)).toBeNull()

    const signIn = await proxy.proxy(
      new NextRequest(`${SITE}/sign-in?next=%2Fsettings`, { headers })
    )
    expect(redirectOf(signIn)).toBe(`${SITE}/settings`)
  })

  it("clears the cookies of a session signed out elsewhere instead of sending the browser back", async () => {
    await signInJar()
    const headers = { cookie: cookieHeader() }
    const url = `${SITE}/sign-in?error=session_missing`

    // Still live: sign-in sends the browser on, as for any signed-in visitor.
    expect(
      redirectOf(await proxy.proxy(new NextRequest(url, { headers })))
    ).toBe(`${SITE}/`)

    // "Sign out everywhere" from another browser ends the session on Auth; this browser's
    // access token still verifies, but its session is gone.
    await stack.db.query("delete from auth.sessions")
    const response = await proxy.proxy(new NextRequest(url, { headers }))
    expect(redirectOf(response)).toBeNull()
    const cleared = response.cookies
      .getAll()
      .filter((cookie) => /-auth-token/.test(cookie.name))
    expect(cleared.length).toBeGreaterThan(0)
    for (const cookie of cleared) expect(cookie.value).toBe("")
  })

  it("sets a Content-Security-Policy with a fresh nonce on every page, and hands the nonce on", async () => {
    const first = await proxy.proxy(new NextRequest(`${SITE}/sign-in`))
    const second = await proxy.proxy(new NextRequest(`${SITE}/devices`))
    const policies = [first, second].map(
      (response) => response.headers.get("content-security-policy") ?? ""
    )
    const nonces = policies.map((policy) => /'nonce-([^']+)'/.exec(policy)?.[1])
    expect(nonces[0]).toBeTruthy()
    expect(nonces[1]).toBeTruthy()
    expect(nonces[0]).not.toBe(nonces[1])
    for (const policy of policies) {
      expect(policy).toContain("frame-ancestors 'none'")
      expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/)
    }
    // The page itself is rendered with the same nonce (Next reads the request header).
    expect(first.headers.get("x-middleware-request-x-nonce")).toBe(nonces[0])
  })

  it("refreshes an expired session and sends the new cookies", async () => {
    await signInJar()
    const [name, stored] = [...jar].find(([cookie]) =>
      /-auth-token$/.test(cookie)
    )!
    const session = JSON.parse(
      Buffer.from(stored.value.replace(/^base64-/, ""), "base64url").toString(
        "utf8"
      )
    ) as { access_token: string; expires_at: number }
    // An access token past its expiry, as after a laptop sleeps for a day.
    const expired = {
      ...session,
      expires_at: Math.floor(Date.now() / 1000) - 60,
    }
    const cookie = `${name}=base64-${Buffer.from(JSON.stringify(expired)).toString("base64url")}`

    const response = await proxy.proxy(
      new NextRequest(`${SITE}/devices`, { headers: { cookie } })
    )

    expect(redirectOf(response)).toBeNull()
    const refreshed = response.cookies.get(name)
    expect(refreshed?.value).toMatch(/^base64-/)
    expect(refreshed?.value).not.toBe(stored.value)
    expect(refreshed?.sameSite).toBe("lax")
  })
})
