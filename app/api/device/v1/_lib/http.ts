import { NextResponse } from "next/server"
import { type z } from "zod"

import { type DeviceApiErrorCode } from "@/lib/devices/schema"

// Every device API answer goes through here so the shape never drifts: JSON, never cached
// (some answers carry secrets), and errors as { error: <machine code>, message: <human text> }.

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" }

export type ErrorExtras = {
  issues?: { path: string; message: string }[]
  interval?: number
  /** RFC 6749 §5.2 clients read error_description; the token endpoint sends it too. */
  errorDescription?: boolean
  headers?: Record<string, string>
}

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {}
) {
  return NextResponse.json(body, {
    status,
    headers: { ...NO_STORE, ...headers },
  })
}

export function errorResponse(
  status: number,
  error: DeviceApiErrorCode,
  message: string,
  extras: ErrorExtras = {}
) {
  return jsonResponse(
    {
      error,
      message,
      ...(extras.errorDescription ? { error_description: message } : {}),
      ...(extras.interval !== undefined ? { interval: extras.interval } : {}),
      ...(extras.issues ? { issues: extras.issues } : {}),
    },
    status,
    extras.headers
  )
}

export function rateLimitedResponse(
  retryAfterSeconds: number,
  message: string
) {
  return errorResponse(429, "rate_limited", message, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  })
}

export type BodyResult<T> =
  { ok: true; value: T } | { ok: false; response: NextResponse }

/**
 * Reads a JSON body of at most `limitBytes`, counting bytes as they arrive, so a client that
 * lies about (or omits) Content-Length is still cut off at the limit.
 */
export async function readJsonBody(
  request: Request,
  limitBytes: number,
  extras: Pick<ErrorExtras, "errorDescription"> = {}
): Promise<BodyResult<unknown>> {
  const fail = (
    status: number,
    error: DeviceApiErrorCode,
    message: string
  ) => ({
    ok: false as const,
    response: errorResponse(status, error, message, extras),
  })
  const tooLarge = () =>
    fail(
      413,
      "payload_too_large",
      `The request body is larger than ${limitBytes} bytes.`
    )

  const contentType = request.headers.get("content-type") ?? ""
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    return fail(
      415,
      "unsupported_media_type",
      "Send the body as JSON with Content-Type: application/json."
    )
  }
  const declared = Number(request.headers.get("content-length") ?? "")
  if (Number.isFinite(declared) && declared > limitBytes) return tooLarge()

  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limitBytes) {
        await reader.cancel().catch(() => {})
        return tooLarge()
      }
      chunks.push(value)
    }
  }

  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Buffer.concat(chunks)
    )
  } catch {
    return fail(400, "invalid_json", "The request body is not valid UTF-8.")
  }
  if (text.trim() === "") {
    return fail(
      400,
      "invalid_json",
      "The request body is empty; send a JSON object."
    )
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return fail(400, "invalid_json", "The request body is not valid JSON.")
  }
}

/**
 * Reads a JSON body of at most `limitBytes` and validates it: every device route's preamble,
 * answering 413/415/400/422 as readJsonBody and parseWith do.
 */
export async function readJsonBodyAs<S extends z.ZodType>(
  request: Request,
  schema: S,
  limitBytes: number
): Promise<BodyResult<z.infer<S>>> {
  const body = await readJsonBody(request, limitBytes)
  if (!body.ok) return body

  return parseWith(schema, body.value)
}

/** Validates a parsed body; a failure names every offending field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  { status = 422, errorDescription = false } = {}
): BodyResult<z.infer<S>> {
  const result = schema.safeParse(value)
  if (result.success) return { ok: true, value: result.data }

  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".")
    if (issue.code === "unrecognized_keys") {
      return {
        path,
        message: `Unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}.`,
      }
    }
    if (issue.code === "invalid_type" && path === "") {
      return { path, message: "The body must be a JSON object." }
    }

    return { path, message: issue.message }
  })

  return {
    ok: false,
    response: errorResponse(
      status,
      "invalid_request",
      issues
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join(" "),
      { issues, errorDescription }
    ),
  }
}

/** A failure of the database or the network behind the API: the device should retry later. */
export class UpstreamError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${describeCause(cause)}`, { cause })
    this.name = "UpstreamError"
  }
}

function describeCause(cause: unknown): string {
  if (cause && typeof cause === "object" && "message" in cause) {
    const code = "code" in cause ? ` (${String(cause.code)})` : ""
    return `${String(cause.message)}${code}`
  }

  return String(cause)
}

/**
 * Runs a handler so that nothing escapes as a 500: a failure behind the API (database down,
 * JWT secret missing) becomes 503 with Retry-After, which the agent retries with backoff.
 */
export async function handleDeviceRequest(
  name: string,
  handler: () => Promise<NextResponse>
): Promise<NextResponse> {
  try {
    return await handler()
  } catch (error) {
    console.error(`[device-api] ${name} failed`, error)

    return errorResponse(
      503,
      "service_unavailable",
      "The device API cannot serve this request right now; try again in a moment.",
      { headers: { "Retry-After": "5" } }
    )
  }
}
