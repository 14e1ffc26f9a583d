import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"

import { authSettingsSchema } from "./schema"

vi.mock("server-only", () => ({}))

const { enabledOAuthProviders, getAuthSettings } = await import("./settings")

describe("enabledOAuthProviders", () => {
  it("lists only the providers Auth reports enabled, in a stable order", () => {
    const settings = authSettingsSchema.parse({
      external: {
        email: true,
        google: true,
        github: true,
        gitlab: false,
        discord: true,
      },
      disable_signup: false,
    })

    expect(enabledOAuthProviders(settings)).toEqual(["github", "google"])
  })

  it("lists none when Auth reports none", () => {
    expect(
      enabledOAuthProviders(
        authSettingsSchema.parse({ external: { email: true } })
      )
    ).toEqual([])
  })
})

describe("getAuthSettings", () => {
  beforeEach(() => {
    vi.stubEnv("NEXT_PUBLIC_SUPABASE_URL", "http://127.0.0.1:1")
    vi.stubEnv("NEXT_PUBLIC_SUPABASE_ANON_KEY", "a.b.c")
    vi.spyOn(console, "error").mockImplementation(() => undefined)
  })

  afterEach(() => {
    vi.unstubAllGlobals()
    vi.unstubAllEnvs()
  })

  it("shows no OAuth or passkey buttons when Auth cannot be reached", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockRejectedValue(new TypeError("fetch failed"))
    )

    expect(await getAuthSettings()).toEqual({
      external: {},
      disable_signup: false,
      passkeys_enabled: false,
    })
  })

  it("shows no OAuth buttons when Auth answers with an error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(new Response("{}", { status: 503 }))
    )

    expect(await getAuthSettings()).toEqual({
      external: {},
      disable_signup: false,
      passkeys_enabled: false,
    })
  })

  it("reads the providers, the sign-up switch and whether passkeys are on", async () => {
    const fetchMock = vi.fn().mockResolvedValue(
      Response.json({
        external: { github: true, email: true },
        disable_signup: true,
        passkeys_enabled: true,
      })
    )
    vi.stubGlobal("fetch", fetchMock)

    const settings = await getAuthSettings()

    expect(settings).toEqual({
      external: { github: true, email: true },
      disable_signup: true,
      passkeys_enabled: true,
    })
    expect(fetchMock).toHaveBeenCalledWith(
      "http://127.0.0.1:1/auth/v1/settings",
      expect.objectContaining({ headers: { apikey: "a.b.c" } })
    )
  })
})
