import { describe, expect, it } from "vitest"

import {
  AUTH_ERROR_COPY,
  authErrorKey,
  authErrorMessage,
  parseAuthErrorKey,
} from "./errors"

describe("authErrorMessage", () => {
  it.each([
    [{ code: "invalid_credentials", status: 400 }, "invalid_credentials"],
    [{ code: "email_not_confirmed", status: 400 }, "email_not_confirmed"],
    [{ code: "otp_expired", status: 403 }, "otp_expired"],
    [{ code: "over_email_send_rate_limit", status: 429 }, "email_rate_limited"],
    [{ code: "over_request_rate_limit", status: 429 }, "rate_limited"],
    [
      { code: "pkce_code_verifier_not_found", status: 400 },
      "link_other_browser",
    ],
    [{ code: "flow_state_not_found", status: 404 }, "link_invalid"],
    [{ status: 429 }, "rate_limited"],
    [{ code: "something_new", status: 500 }, "unexpected"],
    ["otp_expired", "otp_expired"],
    [null, "unexpected"],
  ] as const)("maps %j to %s", (error, key) => {
    expect(authErrorKey(error)).toBe(key)
    expect(authErrorMessage(error)).toBe(AUTH_ERROR_COPY[key])
  })

  it("never passes an upstream message through", () => {
    const message = "Database error: relation auth.users does not exist"
    const error = { code: "unexpected_failure", status: 500, message }
    expect(authErrorMessage(error)).not.toContain("Database")
  })
})

describe("parseAuthErrorKey", () => {
  it("accepts only our own keys from a URL", () => {
    expect(parseAuthErrorKey("otp_expired")).toBe("otp_expired")
    expect(parseAuthErrorKey("<script>alert(1)</script>")).toBeUndefined()
    expect(parseAuthErrorKey("toString")).toBeUndefined()
    expect(parseAuthErrorKey(undefined)).toBeUndefined()
  })
})
