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
  // The sidebar marks the current section with aria-current: a section nested in another
  // (say "/settings" and "/settings/tokens") would light both up, and an href the matcher
  // cannot match (a trailing slash) would leave the user without a "you are here".
  it("marks exactly one section for each section's page and its nested pages", () => {
    for (const { href } of NAV_ITEMS) {
      for (const pathname of [
        href,
        `${href}/some-id`,
        `${href}/some-id/edit`,
      ]) {
        const active = NAV_ITEMS.filter((item) =>
          isNavItemActive(item.href, pathname)
        ).map((item) => item.href)
        expect(active, pathname).toEqual([href])
      }
    }
  })

  it("marks no section on pages outside the sidebar", () => {
    for (const pathname of ["/", "/pair", "/auth/confirm"]) {
      expect(
        NAV_ITEMS.filter((item) => isNavItemActive(item.href, pathname)),
        pathname
      ).toEqual([])
    }
  })
})
