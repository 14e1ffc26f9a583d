import { describe, expect, it } from "vitest"

import { isNavItemActive, NAV_ITEMS } from "@/components/shell/nav-items"

describe("isNavItemActive", () => {
  it("matches the section and its nested pages", () => {
    expect(isNavItemActive("/devices", "/devices")).toBe(true)
    expect(isNavItemActive("/devices", "/devices/8f3c")).toBe(true)
  })

  it("does not match a sibling that shares a prefix", () => {
    expect(isNavItemActive("/runs", "/runsheet")).toBe(false)
    expect(isNavItemActive("/devices", "/")).toBe(false)
  })
})

describe("NAV_ITEMS", () => {
  it("lists the console sections in order", () => {
    expect(NAV_ITEMS.map((item) => item.label)).toEqual([
      "Devices",
      "Sessions",
      "Runs",
      "Projects",
      "Usage",
      "Settings",
    ])
  })
})
