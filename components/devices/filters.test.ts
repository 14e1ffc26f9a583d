import { describe, expect, it } from "vitest"

import { type Device } from "@/lib/devices/queries"

import { filterDevices, filtersToSearch, parseDeviceFilters } from "./filters"

const NOW = Date.parse("2026-11-22T12:00:00.000Z")

function device(overrides: Partial<Device>): Device {
  return {
    id: crypto.randomUUID(),
    name: "Device",
    role: "workstation",
    helper_enabled: false,
    helper_config: {},
    hostname: null,
    platform: null,
    app_version: null,
    lan_ip: null,
    lan_port: 1234,
    tunnel_url: null,
    capabilities: {},
    last_seen_at: null,
    paired_at: "2026-11-01T00:00:00.000Z",
    revoked_at: null,
    updated_at: "2026-11-01T00:00:00.000Z",
    ...overrides,
  }
}

const online = device({
  name: "online host",
  role: "llm_host",
  last_seen_at: new Date(NOW - 10_000).toISOString(),
})
const offline = device({
  name: "offline",
  last_seen_at: new Date(NOW - 600_000).toISOString(),
})
const never = device({ name: "never" })
const revoked = device({
  name: "revoked",
  revoked_at: "2026-11-20T00:00:00.000Z",
})
const all = [online, offline, never, revoked]
const names = (list: Device[]) => list.map((item) => item.name)

describe("parseDeviceFilters", () => {
  it("reads role and status, falling back to defaults for missing or unknown values", () => {
    expect(parseDeviceFilters(new URLSearchParams(""))).toEqual({
      role: "all",
      status: "active",
    })
    expect(
      parseDeviceFilters(new URLSearchParams("role=llm_host&status=online"))
    ).toEqual({
      role: "llm_host",
      status: "online",
    })
    expect(
      parseDeviceFilters(new URLSearchParams("role=admin&status=%3Cscript%3E"))
    ).toEqual({
      role: "all",
      status: "active",
    })
  })
})

describe("filtersToSearch", () => {
  it("leaves defaults out and keeps unrelated parameters", () => {
    expect(filtersToSearch({ role: "all", status: "active" })).toBe("")
    expect(
      filtersToSearch(
        { role: "workstation", status: "active" },
        new URLSearchParams("x=1&status=online")
      )
    ).toBe("?x=1&role=workstation")
  })

  it("round-trips through parseDeviceFilters", () => {
    const filters = { role: "llm_host", status: "revoked" } as const
    expect(
      parseDeviceFilters(new URLSearchParams(filtersToSearch(filters).slice(1)))
    ).toEqual(filters)
  })
})

describe("filterDevices", () => {
  it("hides revoked devices by default", () => {
    expect(
      names(filterDevices(all, { role: "all", status: "active" }, NOW))
    ).toEqual(["online host", "offline", "never"])
  })

  it("filters by live state at the given moment", () => {
    expect(
      names(filterDevices(all, { role: "all", status: "online" }, NOW))
    ).toEqual(["online host"])
    expect(
      names(filterDevices(all, { role: "all", status: "offline" }, NOW))
    ).toEqual(["offline", "never"])
    expect(
      names(filterDevices(all, { role: "all", status: "online" }, NOW + 90_001))
    ).toEqual([])
    expect(
      names(filterDevices(all, { role: "all", status: "revoked" }, NOW))
    ).toEqual(["revoked"])
    expect(
      filterDevices(all, { role: "all", status: "all" }, NOW)
    ).toHaveLength(4)
  })

  it("filters by role", () => {
    expect(
      names(filterDevices(all, { role: "llm_host", status: "all" }, NOW))
    ).toEqual(["online host"])
  })
})
