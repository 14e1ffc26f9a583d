import { describe, expect, it, vi } from "vitest"

import { artifactPath, attachmentPath } from "./signed-urls"

vi.mock("server-only", () => ({}))

const USER = "0a000000-0000-4000-8000-000000000001"
const SESSION = "5e000000-0000-4000-8000-000000000001"

describe("storage paths", () => {
  it("builds the folders the bucket policies read", () => {
    expect(attachmentPath(USER, SESSION, "screenshot.png")).toBe(
      `${USER}/${SESSION}/screenshot.png`
    )
    expect(artifactPath(USER, SESSION, "dist.tgz")).toBe(
      `${USER}/${SESSION}/dist.tgz`
    )
  })

  it("refuses ids that are not ids and names that are not one safe segment", () => {
    expect(() => attachmentPath("me", SESSION, "a.txt")).toThrow()
    for (const name of [
      "..",
      ".",
      "a/b.txt",
      "",
      "caf\u00e9.txt",
      "x".repeat(256),
    ]) {
      expect(() => attachmentPath(USER, SESSION, name), name).toThrow()
    }
  })
})
