import { describe, expect, it, vi } from "vitest"
import { z } from "zod"

import { handleDeviceRequest, parseWith, readJsonBody } from "./http"

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/device/v1/pair", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  })

describe("readJsonBody", () => {
  it("parses JSON, with or without a charset", async () => {
    expect(await readJsonBody(post('{"a":1}'), 100)).toEqual({
      ok: true,
      value: { a: 1 },
    })
    expect(
      await readJsonBody(
        post('{"a":1}', { "content-type": "application/json; charset=utf-8" }),
        100
      )
    ).toEqual({ ok: true, value: { a: 1 } })
  })

  it("cuts a streamed body off at the limit, whatever Content-Length claims", async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(64).fill(0x20))
      },
    })
    const request = new Request("http://localhost/x", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "10" },
      body: stream,
      duplex: "half",
    } as RequestInit)
    const result = await readJsonBody(request, 1000)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.response.status).toBe(413)
  })

  it("refuses invalid UTF-8 as invalid_json", async () => {
    const result = await readJsonBody(
      post(new Uint8Array([0x7b, 0xff, 0x7d])),
      100
    )
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.response.status).toBe(400)
      expect(await result.response.json()).toMatchObject({
        error: "invalid_json",
      })
    }
  })

  it("adds error_description when asked (the OAuth token endpoint)", async () => {
    const result = await readJsonBody(post("nope"), 100, {
      errorDescription: true,
    })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      const body = (await result.response.json()) as Record<string, string>
      expect(body.error_description).toBe(body.message)
    }
  })
})

describe("parseWith", () => {
  it("lists every problem, unknown fields by name", async () => {
    const schema = z.strictObject({
      n: z.int({ error: "n must be a whole number." }),
    })
    const result = parseWith(schema, { n: "1", extra: true, more: 1 })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.response.status).toBe(422)
      expect(await result.response.json()).toEqual({
        error: "invalid_request",
        message: "n: n must be a whole number. Unknown fields: extra, more.",
        issues: [
          { path: "n", message: "n must be a whole number." },
          { path: "", message: "Unknown fields: extra, more." },
        ],
      })
    }
  })

  it("says the body must be an object when it is not", async () => {
    const result = parseWith(z.strictObject({}), "text")
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(await result.response.json()).toMatchObject({
        message: "The body must be a JSON object.",
      })
    }
  })
})

describe("handleDeviceRequest", () => {
  it("turns a failure behind the API into 503 with Retry-After, never 500", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {})
    const response = await handleDeviceRequest("test", async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:54321")
    })
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("5")
    const body = (await response.json()) as Record<string, string>
    expect(body.error).toBe("service_unavailable")
    expect(body.message).not.toContain("ECONNREFUSED")
    expect(log).toHaveBeenCalled()
    log.mockRestore()
  })
})
