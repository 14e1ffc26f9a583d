import { describe, expect, it } from "vitest"

import {
  deviceHeartbeatSchema,
  devicePairStartSchema,
  devicePairTokenSchema,
  USER_CODE_PATTERN,
} from "./schema"

describe("devicePairStartSchema", () => {
  it("trims, defaults the role, and keeps the optional fields", () => {
    expect(
      devicePairStartSchema.parse({
        name: "  Studio Mac ",
        hostname: "studio.local",
      })
    ).toEqual({
      name: "Studio Mac",
      hostname: "studio.local",
      role: "workstation",
    })
  })

  it.each([
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "   " }, "name"],
    [{ name: "x".repeat(81) }, "name"],
    [{ name: 5 }, "name"],
    [{ name: "Box", role: "admin" }, "role"],
    [{ name: "Box", hostname: "h".repeat(256) }, "hostname"],
    [{ name: "Box", app_version: "v".repeat(51) }, "app_version"],
  ])("refuses %j at %s", (input, field) => {
    const result = devicePairStartSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual([field])
  })

  it.each(["Studio\nMac", "Mac\u202Eoidut S", "Box\u0000", "\u2066Bank\u2069"])(
    "refuses a name that could read as another on the pair page: %j",
    (name) => {
      const result = devicePairStartSchema.safeParse({ name })
      expect(result.success).toBe(false)
      expect(result.error?.issues[0]?.message).toBe(
        "Name must not contain control or text-direction characters."
      )
    }
  )

  it("accepts names in any script, emoji included", () => {
    for (const name of ["Студия", "スタジオ", "استوديو", "Studio 🖥️"]) {
      expect(devicePairStartSchema.safeParse({ name }).success, name).toBe(true)
    }
  })

  it("refuses unknown fields, such as an attempt to pick the owner", () => {
    const result = devicePairStartSchema.safeParse({
      name: "Box",
      user_id: "x",
    })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys")
  })
})

describe("devicePairTokenSchema", () => {
  it("accepts a device code with or without RFC 8628's grant type", () => {
    expect(
      devicePairTokenSchema.safeParse({ device_code: "abc" }).success
    ).toBe(true)
    expect(
      devicePairTokenSchema.safeParse({
        device_code: "abc",
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      }).success
    ).toBe(true)
  })

  it("refuses other grant types, empty codes and extra fields", () => {
    for (const input of [
      { device_code: "abc", grant_type: "authorization_code" },
      { device_code: "" },
      { device_code: "abc", client_id: "x" },
      { device_code: 1 },
    ]) {
      expect(
        devicePairTokenSchema.safeParse(input).success,
        JSON.stringify(input)
      ).toBe(false)
    }
  })
})

describe("deviceHeartbeatSchema", () => {
  it("accepts an empty heartbeat and a full one", () => {
    expect(deviceHeartbeatSchema.parse({})).toEqual({})
    const full = {
      hostname: "studio.local",
      platform: "macOS 15.3 (arm64)",
      app_version: "1.8.2",
      lan_ip: "192.168.1.11",
      lan_port: 1234,
      tunnel_url: "https://studio.example",
      capabilities: {
        gpu: "Apple M2 Ultra",
        memory_gb: 192,
        server: "lmstudio",
        models_loaded: ["qwen3-coder-30b-a3b"],
        llm_server: { port: 1234, reachable: true, latency_ms: 4 },
      },
    }
    expect(deviceHeartbeatSchema.parse(full)).toEqual(full)
  })

  it("accepts IPv6 and clearing the LAN address and tunnel", () => {
    expect(
      deviceHeartbeatSchema.safeParse({ lan_ip: "fe80::1", tunnel_url: null })
        .success
    ).toBe(true)
    expect(deviceHeartbeatSchema.safeParse({ lan_ip: null }).success).toBe(true)
  })

  it.each([
    { lan_ip: "999.1.1.1" },
    { lan_port: 0 },
    { lan_port: 65536 },
    { lan_port: 12.5 },
    { tunnel_url: "ftp://example.com" },
    { tunnel_url: "javascript:alert(1)" },
    { capabilities: { models_loaded: "one" } },
    {
      capabilities: {
        models_loaded: Array.from({ length: 501 }, (_, i) => `m${i}`),
      },
    },
    { capabilities: { memory_gb: -1 } },
    { capabilities: { unknown: true } },
    { capabilities: { llm_server: { port: 1234 } } },
    { name: "Renamed by the device" },
    { last_seen_at: "2099-01-01T00:00:00Z" },
    { revoked_at: null },
  ])("refuses %j", (input) => {
    expect(deviceHeartbeatSchema.safeParse(input).success).toBe(false)
  })
})

describe("USER_CODE_PATTERN", () => {
  it("matches the codes pairing_start draws (consonants, XXXX-XXXX)", () => {
    expect(USER_CODE_PATTERN.test("BCDF-GHJK")).toBe(true)
    expect(USER_CODE_PATTERN.test("ABCD-EFGH")).toBe(false)
    expect(USER_CODE_PATTERN.test("BCDFGHJK")).toBe(false)
  })
})
