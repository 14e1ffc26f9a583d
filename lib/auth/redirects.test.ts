import { readFileSync } from "node:fs"
import path from "node:path"

import { parse } from "smol-toml"
import { describe, expect, it } from "vitest"
import { z } from "zod"

import { afterSignInPath, callbackUrl, signInPath } from "./redirects"

const configSchema = z.object({
  auth: z.object({
    site_url: z.string(),
    additional_redirect_urls: z.array(z.string()),
  }),
})

const config = configSchema.parse(
  parse(
    readFileSync(
      path.resolve(import.meta.dirname, "../../supabase/config.toml"),
      "utf8"
    )
  )
)

// The allow list's entries are "<origin>/**": any path under that origin.
function allowed(url: string) {
  return config.auth.additional_redirect_urls.some((pattern) =>
    pattern.endsWith("/**")
      ? url.startsWith(pattern.slice(0, -2))
      : url === pattern
  )
}

describe("callbackUrl", () => {
  it.each([
    "https://lmx.optalocal.com",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
  ])("is accepted by config.toml's allow list on %s", (site) => {
    for (const next of [
      "/",
      "/devices",
      "/pair?code=ABCD-EFGH",
      "/reset-password",
      "//evil.com",
    ]) {
      const url = callbackUrl(site, next)
      expect(allowed(url), url).toBe(true)
      expect(new URL(url).origin).toBe(new URL(site).origin)
    }
  })

  it("carries only a checked next path", () => {
    expect(
      callbackUrl("https://lmx.optalocal.com", "/pair?code=ABCD-EFGH")
    ).toBe(
      "https://lmx.optalocal.com/auth/callback?next=%2Fpair%3Fcode%3DABCD-EFGH"
    )
    expect(callbackUrl("https://lmx.optalocal.com", "https://evil.com")).toBe(
      "https://lmx.optalocal.com/auth/callback?next=%2F"
    )
  })
})

describe("signInPath and afterSignInPath", () => {
  it("keeps where the person was going", () => {
    expect(signInPath({ next: "/devices?role=llm_host" })).toBe(
      "/sign-in?next=%2Fdevices%3Frole%3Dllm_host"
    )
    expect(
      signInPath({ next: "//evil.com", error: "otp_expired", tab: "code" })
    ).toBe("/sign-in?error=otp_expired&tab=code")
    expect(signInPath()).toBe("/sign-in")
  })

  it("lands on / (the devices page) when nothing else was asked for", () => {
    expect(afterSignInPath("/")).toBe("/")
    expect(afterSignInPath(null)).toBe("/")
    expect(afterSignInPath("https://evil.com")).toBe("/")
    expect(afterSignInPath("/settings")).toBe("/settings")
    expect(afterSignInPath("/pair?code=ABCD-EFGH")).toBe("/pair?code=ABCD-EFGH")
  })

  it("never returns to a sign-in form or an auth route", () => {
    for (const next of [
      "/sign-in",
      "/sign-in?next=%2Fsign-in",
      "/sign-up",
      "/auth/sign-out",
      "/auth/callback?code=x",
    ]) {
      expect(afterSignInPath(next), next).toBe("/")
    }
  })
})
