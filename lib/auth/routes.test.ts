import { describe, expect, it } from "vitest"

import { routeAccess } from "./routes"

describe("routeAccess", () => {
  it.each([
    ["/", "console"],
    ["/devices", "console"],
    ["/devices/abc", "console"],
    ["/pair", "console"],
    ["/settings", "console"],
    ["/reset-password", "console"],
    ["/sign-in-elsewhere", "console"],
    ["/authx", "console"],
    ["/sign-in", "guest"],
    ["/sign-in/", "guest"],
    ["/sign-up", "guest"],
    ["/forgot-password", "guest"],
    ["/auth/callback", "public"],
    ["/auth/confirm", "public"],
    ["/auth/sign-out", "public"],
    ["/api/device/v1/heartbeat", "device-api"],
    ["/api/device", "device-api"],
    ["/api/devicex", "api"],
    ["/api/other", "api"],
  ] as const)("%s is %s", (pathname, expected) => {
    expect(routeAccess(pathname)).toBe(expected)
  })
})
