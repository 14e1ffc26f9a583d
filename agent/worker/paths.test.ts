import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises"
import os from "node:os"
import path from "node:path"

import { afterAll, describe, expect, it } from "vitest"

import { assertRealInside, PathOutsideError, resolveInside } from "./paths"

describe("working directories", () => {
  const root = path.join(os.tmpdir(), "lmx-run", "attempt-1")

  it("resolves relative folders inside the run's folder", () => {
    expect(resolveInside(root, undefined)).toBe(root)
    expect(resolveInside(root, "app/web")).toBe(path.join(root, "app", "web"))
    expect(resolveInside(root, "./a/../b")).toBe(path.join(root, "b"))
  })

  it.each([
    "..",
    "../other",
    "a/../../x",
    "/etc",
    path.join(os.tmpdir(), "elsewhere"),
  ])("refuses %s", (requested) => {
    expect(() => resolveInside(root, requested)).toThrow(PathOutsideError)
  })

  describe("through a symlink", () => {
    let base: string
    afterAll(async () => {
      if (base) await rm(base, { recursive: true, force: true })
    })

    it("refuses a folder that points outside", async () => {
      base = await mkdtemp(path.join(os.tmpdir(), "lmx-paths-"))
      const run = path.join(base, "run")
      await mkdir(run)
      await symlink(base, path.join(run, "escape"))
      const target = resolveInside(run, "escape")
      await expect(assertRealInside(run, target, "escape")).rejects.toThrow(
        PathOutsideError
      )
      await mkdir(path.join(run, "inside"))
      await expect(
        assertRealInside(run, path.join(run, "inside"), "inside")
      ).resolves.toBeUndefined()
    })
  })
})
