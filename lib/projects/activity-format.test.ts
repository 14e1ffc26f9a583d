import { describe, expect, it } from "vitest"

import { csvField, describeActivity } from "./activity-format"

describe("describeActivity", () => {
  it("names members and roles", () => {
    const names = new Map([["u1", "Priya"]])
    expect(
      describeActivity(
        "member.role_changed",
        { user_id: "u1", from: "developer", to: "viewer" },
        names
      )
    ).toBe("Changed Priya's role from Developer to Viewer")
    expect(
      describeActivity("member.added", { user_id: "u2", role: "admin" })
    ).toBe("Added a member as Admin")
  })

  it("falls back to the action's name", () => {
    expect(describeActivity("device.paired", {})).toBe("device.paired")
  })
})

describe("csvField", () => {
  it("quotes separators and defuses formulas", () => {
    expect(csvField("plain")).toBe("plain")
    expect(csvField('say "hi", then')).toBe('"say ""hi"", then"')
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)")
  })
})
