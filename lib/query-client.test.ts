import { environmentManager } from "@tanstack/react-query"
import { afterEach, describe, expect, it } from "vitest"

import { getQueryClient } from "@/lib/query-client"

describe("getQueryClient", () => {
  afterEach(() => {
    environmentManager.setIsServer(() => typeof window === "undefined")
  })

  it("makes a new client for every server request", () => {
    const first = getQueryClient()
    const second = getQueryClient()

    expect(first).not.toBe(second)
    expect(first.getDefaultOptions().queries?.staleTime).toBe(60_000)
  })

  it("keeps one client in the browser", () => {
    environmentManager.setIsServer(() => false)

    expect(getQueryClient()).toBe(getQueryClient())
  })
})
