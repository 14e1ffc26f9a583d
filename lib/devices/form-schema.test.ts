import { describe, expect, it } from "vitest"

import { deviceRenameSchema, deviceSettingsSchema } from "./form-schema"

const id = "00000000-0000-4000-b000-000000000001"
const settings = {
  id,
  tunnel_url: "",
  lan_port: "1234",
  helper_enabled: true,
  helper_auto_start: false,
  helper_relay: true,
  helper_max_concurrent: "2",
}

describe("deviceRenameSchema", () => {
  it("trims and bounds the name", () => {
    expect(deviceRenameSchema.parse({ id, name: "  Studio Mac " }).name).toBe(
      "Studio Mac"
    )
    expect(deviceRenameSchema.safeParse({ id, name: "   " }).success).toBe(
      false
    )
    expect(
      deviceRenameSchema.safeParse({ id, name: "x".repeat(81) }).success
    ).toBe(false)
    expect(deviceRenameSchema.safeParse({ id: "1", name: "ok" }).success).toBe(
      false
    )
  })
})

describe("deviceSettingsSchema", () => {
  it("turns an empty tunnel URL into none and coerces the numbers", () => {
    expect(deviceSettingsSchema.parse(settings)).toMatchObject({
      tunnel_url: null,
      lan_port: 1234,
      helper_max_concurrent: 2,
    })
  })

  it("accepts http(s) tunnels only, with our message", () => {
    expect(
      deviceSettingsSchema.parse({
        ...settings,
        tunnel_url: " https://mac.example.net ",
      }).tunnel_url
    ).toBe("https://mac.example.net")
    const bad = deviceSettingsSchema.safeParse({
      ...settings,
      tunnel_url: "javascript:alert(1)",
    })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.message).toBe(
      "Enter an http:// or https:// address, or leave it empty."
    )
  })

  it("bounds the port and the helper's concurrency", () => {
    for (const lan_port of ["0", "65536", "12.5", "port"]) {
      expect(
        deviceSettingsSchema.safeParse({ ...settings, lan_port }).success,
        lan_port
      ).toBe(false)
    }
    for (const helper_max_concurrent of ["0", "17"]) {
      expect(
        deviceSettingsSchema.safeParse({ ...settings, helper_max_concurrent })
          .success,
        helper_max_concurrent
      ).toBe(false)
    }
  })
})
