import { describe, expect, it } from "vitest"

import { initialsOf } from "./member-avatar"

describe("initialsOf", () => {
  it("takes the first and last word's initials, else the first two letters", () => {
    expect(initialsOf("Priya Natarajan")).toBe("PN")
    expect(initialsOf("Ann Marie Lee")).toBe("AL")
    expect(initialsOf("", "jordan.blake@lmx.local")).toBe("JB")
    expect(initialsOf("sam")).toBe("SA")
    expect(initialsOf("", "")).toBe("?")
  })
})
