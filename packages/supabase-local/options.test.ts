import path from "node:path"

import { describe, expect, it } from "vitest"

import { OptionsError, resolveStackOptions } from "./options"

describe("resolveStackOptions", () => {
  const cwd = path.resolve("/projects/console")

  it("serves the current directory, with PGlite under its .local/db", () => {
    expect(resolveStackOptions([], {}, cwd)).toMatchObject({
      root: cwd,
      storage: { engine: "pglite", dataDir: path.join(cwd, ".local/db") },
    })
  })

  it("serves --workdir instead, and keeps PGlite's data inside it", () => {
    expect(resolveStackOptions(["--workdir", "../other"], {}, cwd)).toMatchObject({
      root: path.resolve("/projects/other"),
      storage: { engine: "pglite", dataDir: path.resolve("/projects/other/.local/db") },
    })
  })

  it("names an unknown flag", () => {
    expect(() => resolveStackOptions(["--work-dir", "x"], {}, cwd)).toThrow(OptionsError)
    expect(() => resolveStackOptions(["--work-dir", "x"], {}, cwd)).toThrow(/work-dir/)
  })
})
