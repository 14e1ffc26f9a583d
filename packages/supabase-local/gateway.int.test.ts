import { request } from "node:http"

import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

import { AUTH_FIXTURE_MIGRATIONS, latestMail, uniqueEmail, verifyLinkOf } from "./testing/auth"
import { startTestStack, TEST_ENGINE, type TestStack } from "./testing/test-stack"

/** A request with a Host header of the caller's choosing, as a DNS-rebound page sends it. */
function requestWithHost(
  url: string,
  host: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, host } }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (body += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on("error", reject)
    req.end()
  })
}

/** Opens a WebSocket with the given Host; resolves with the upgrade's status. */
function upgradeStatus(url: string, host: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { host } })
    ws.on("open", () => {
      ws.close()
      resolve(101)
    })
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0))
    ws.on("error", () => resolve(0))
  })
}

const EVIL_ORIGIN = "http://evil.example"

describe(`gateway: API keys, CORS and Host (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startTestStack({ migrationsDir: AUTH_FIXTURE_MIGRATIONS, seedFiles: [] })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("another site's page cannot read magic links from the mailbox", async () => {
    const email = uniqueEmail("mailbox-reader")
    const signup = await fetch(`${stack.url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct-horse-battery" }),
    })
    expect(signup.status).toBe(200)

    // No CORS headers: the browser keeps the answer from the page, whatever the status.
    const asPage = await fetch(`${stack.url}/mailbox/api/messages`, {
      headers: { origin: EVIL_ORIGIN },
    })
    expect(asPage.status).toBe(401)
    expect(asPage.headers.get("access-control-allow-origin")).toBeNull()
    const preflight = await fetch(`${stack.url}/mailbox/api/messages`, {
      method: "OPTIONS",
      headers: { origin: EVIL_ORIGIN, "access-control-request-headers": "apikey" },
    })
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull()
    const page = await fetch(`${stack.url}/mailbox`, { headers: { origin: EVIL_ORIGIN } })
    expect(page.headers.get("access-control-allow-origin")).toBeNull()
    expect(page.headers.get("x-frame-options")).toBe("DENY")

    // The anon key (which any page of the app holds) is not enough either.
    const withAnon = await fetch(`${stack.url}/mailbox/api/messages`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(withAnon.status).toBe(401)
    // Tools and tests holding the service_role key read it.
    expect((await latestMail(stack, email)).to).toBe(email)
  })

  it("a DNS-rebound name reaching 127.0.0.1 is refused with 421, on HTTP and WebSocket", async () => {
    const rebound = await requestWithHost(`${stack.url}/rest/v1/notes`, "evil.example:54321", {
      apikey: stack.keys.anonKey,
    })
    expect(rebound.status).toBe(421)
    for (const host of ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example"]) {
      expect((await requestWithHost(`${stack.url}/mailbox`, host)).status).toBe(421)
      expect((await requestWithHost(`${stack.url}/health`, host)).status).toBe(421)
    }
    const socket = `${stack.url.replace(/^http/, "ws")}/realtime/v1/websocket?apikey=${stack.keys.anonKey}&vsn=1.0.0`
    expect(await upgradeStatus(socket, "evil.example")).toBe(421)
    expect(await upgradeStatus(socket, `localhost:${stack.port}`)).toBe(101)

    for (const host of [
      `localhost:${stack.port}`,
      `127.0.0.2:${stack.port}`,
      `[::1]:${stack.port}`,
    ]) {
      expect((await requestWithHost(`${stack.url}/health`, host)).status).toBe(200)
    }
  })

  it("the APIs refuse requests without an API key, as the hosted gateway does", async () => {
    for (const path of [
      "/rest/v1/notes",
      "/rest/v1/",
      "/auth/v1/settings",
      "/auth/v1/health",
      "/auth/v1/user",
      "/realtime/v1/api/broadcast",
      "/storage/v1/bucket",
    ]) {
      const response = await fetch(`${stack.url}${path}`, { headers: { origin: EVIL_ORIGIN } })
      expect(response.status, path).toBe(401)
      expect(await response.json()).toEqual({
        message: "No API key found in request",
        hint: "No `apikey` request header or url param was found.",
      })
      // API answers keep hosted CORS, so the browser shows the app its errors.
      expect(response.headers.get("access-control-allow-origin")).toBe("*")
    }
    const wrongKey = await fetch(`${stack.url}/rest/v1/notes`, { headers: { apikey: "nope" } })
    expect(wrongKey.status).toBe(401)
    expect((await wrongKey.json()).message).toBe("Invalid API key")
    const forged = await fetch(`${stack.url}/rest/v1/notes`, {
      headers: { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.x" },
    })
    expect(forged.status).toBe(401)

    // The key in the header or the URL (Kong's key-auth reads both), or a valid bearer alone.
    const inHeader = await fetch(`${stack.url}/auth/v1/settings`, {
      headers: { apikey: stack.keys.anonKey },
    })
    expect(inHeader.status).toBe(200)
    const inUrl = await fetch(`${stack.url}/auth/v1/health?apikey=${stack.keys.anonKey}`)
    expect(inUrl.status).toBe(200)
    const bearer = await fetch(`${stack.url}/auth/v1/health`, {
      headers: { authorization: `Bearer ${stack.keys.anonKey}` },
    })
    expect(bearer.status).toBe(200)

    // Preflights are answered before the key check (the cors plugin runs first).
    const preflight = await fetch(`${stack.url}/rest/v1/notes`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-headers": "apikey" },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*")
  })

  it("email links and the JWKS open without a key, as hosted's open Auth routes", async () => {
    const jwks = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`)
    expect(jwks.status).toBe(200)
    const authorize = await fetch(`${stack.url}/auth/v1/authorize?provider=github`, {
      redirect: "manual",
    })
    expect(authorize.status).not.toBe(401)

    const email = uniqueEmail("link")
    await fetch(`${stack.url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct-horse-battery" }),
    })
    const link = verifyLinkOf(await latestMail(stack, email))
    expect(link).not.toContain("apikey")
    const opened = await fetch(link, { redirect: "manual" })
    expect(opened.status).toBe(303)
    expect(opened.headers.get("location")).toContain("access_token=")
  })
})
