import { type IncomingMessage, type ServerResponse } from "node:http"

const parsedUrls = new WeakMap<IncomingMessage, { raw: string; url: URL }>()

/**
 * The request's URL, parsed once per request: the gateway (API key in the query) and the
 * service behind it both read it, and parsing is a measurable part of a small request. Keyed by
 * the raw text, so a URL the gateway rewrote (key translation) is parsed again. Callers read it,
 * never change it.
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? "/"
  const parsed = parsedUrls.get(req)
  if (parsed?.raw === raw) return parsed.url
  const url = new URL(raw, "http://localhost")
  parsedUrls.set(req, { raw, url })

  return url
}

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
