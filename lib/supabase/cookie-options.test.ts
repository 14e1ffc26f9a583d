import { describe, expect, it } from "vitest"

import { sessionCookieOptions } from "./cookie-options"

describe("sessionCookieOptions", () => {
  it("is SameSite=Lax everywhere and Secure over https", () => {
    expect(sessionCookieOptions("https://lmx.optalocal.com")).toEqual({
      path: "/",
      sameSite: "lax",
      secure: true,
    })
    expect(sessionCookieOptions("http://localhost:3000")).toEqual({
      path: "/",
      sameSite: "lax",
      secure: false,
    })
  })
})
