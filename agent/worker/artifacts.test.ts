import { describe, expect, it } from "vitest"

import { artifactKey, globToRegExp } from "./artifacts"

describe("globToRegExp", () => {
  it.each([
    ["dist/*.tgz", "dist/app.tgz", true],
    ["dist/*.tgz", "dist/sub/app.tgz", false],
    ["dist/**/*.tgz", "dist/sub/app.tgz", true],
    ["dist/**/*.tgz", "dist/app.tgz", true],
    ["report-?.txt", "report-1.txt", true],
    ["a.b", "axb", false],
    ["./out/*", "out/x", true],
  ])("%s against %s is %s", (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected)
  })
})

describe("artifactKey", () => {
  it("keeps a safe relative path and replaces the rest", () => {
    expect(artifactKey("dist/app v1.tgz")).toBe("dist/app_v1.tgz")
    expect(() => artifactKey("")).toThrow()
  })
})
