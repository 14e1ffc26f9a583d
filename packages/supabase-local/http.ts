import { type IncomingMessage, type ServerResponse } from "node:http"

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`)
  }
}

/** Reads a request body up to `limit` bytes; larger bodies are refused, not buffered. */
export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const declared = Number(req.headers["content-length"])
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > limit) throw new BodyTooLargeError(limit)
    chunks.push(buffer)
  }

  return Buffer.concat(chunks)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    ...headers,
  })
  res.end(payload)
}

const EXPOSED_HEADERS = [
  "content-range",
  "content-profile",
  "content-location",
  "location",
  "preference-applied",
  "range-unit",
  "x-total-count",
  "x-supabase-api-version",
  "sb-gateway-version",
  "x-ratelimit-remaining",
].join(", ")

/**
 * CORS as the hosted API gateway answers it: any origin, the headers the browser asks for.
 * Returns true when the request was a preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader("access-control-allow-origin", "*")
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS)
  if (req.method !== "OPTIONS") return false
  res.writeHead(204, {
    "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers":
      req.headers["access-control-request-headers"] ??
      "authorization, apikey, content-type, x-client-info, prefer, range, accept-profile, content-profile",
    "access-control-max-age": "3600",
  })
  res.end()

  return true
}
