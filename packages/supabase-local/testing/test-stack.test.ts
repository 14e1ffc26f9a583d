import { describe, expect, it, vi } from "vitest"

import { retryingCatalogRace } from "./test-stack"

const race = () => new Error("tuple concurrently updated")

describe("retryingCatalogRace", () => {
  it("boots again on a new database when Postgres aborts a shared-catalog update", async () => {
    const boot = vi.fn().mockRejectedValueOnce(race()).mockResolvedValueOnce("booted")

    await expect(retryingCatalogRace(boot, "postgres")).resolves.toBe("booted")
    expect(boot).toHaveBeenCalledTimes(2)
  })

  it("gives up after three attempts with Postgres's error", async () => {
    const boot = vi.fn().mockRejectedValue(race())

    await expect(retryingCatalogRace(boot, "postgres")).rejects.toThrow(
      "tuple concurrently updated"
    )
    expect(boot).toHaveBeenCalledTimes(3)
  })

  it("passes any other failure through at once", async () => {
    const boot = vi.fn().mockRejectedValue(new Error('relation "x" does not exist'))

    await expect(retryingCatalogRace(boot, "postgres")).rejects.toThrow("does not exist")
    expect(boot).toHaveBeenCalledTimes(1)
  })

  it("never retries on PGlite, whose one session has no such race", async () => {
    const boot = vi.fn().mockRejectedValue(race())

    await expect(retryingCatalogRace(boot, "pglite")).rejects.toThrow("concurrently")
    expect(boot).toHaveBeenCalledTimes(1)
  })
})
