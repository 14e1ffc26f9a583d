import { type IncomingMessage } from "node:http"

import { describe, expect, it } from "vitest"

import { requestUrl } from "./http"

// Only the field requestUrl reads.
const request = (url: string) => ({ url }) as IncomingMessage

describe("requestUrl", () => {
  it("parses a request's URL once for the gateway and the service behind it", () => {
    const req = request("/rest/v1/items?select=id&apikey=key")

    const first = requestUrl(req)

    expect(first.pathname).toBe("/rest/v1/items")
    expect(first.searchParams.get("select")).toBe("id")
    expect(requestUrl(req)).toBe(first)
  })

  it("parses again after the URL is rewritten (key translation)", () => {
    const req = request("/realtime/v1/api/broadcast?apikey=sb_publishable_x")
    const before = requestUrl(req)

    req.url = "/realtime/v1/api/broadcast?apikey=legacy"

    expect(requestUrl(req)).not.toBe(before)
    expect(requestUrl(req).searchParams.get("apikey")).toBe("legacy")
  })

  it("keeps each request's own URL", () => {
    expect(requestUrl(request("/a?x=1")).search).toBe("?x=1")
    expect(requestUrl(request("/a?x=2")).search).toBe("?x=2")
  })
})
