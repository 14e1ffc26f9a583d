// The HTTP broadcast API: POST /api/broadcast (a batch) and
// POST /api/broadcast/:topic/events/:event (one message).
import { type IncomingMessage, type ServerResponse } from "node:http"

import { z } from "zod"

import { BodyTooLargeError, readBody, sendJson } from "../http"
import { canWrite } from "./authorization"
import { fanOutBroadcast } from "./broadcast"
import {
  headerValue,
  namespaceKey,
  PREFIX,
  TokenError,
  verifyToken,
  type Claims,
  type RealtimeState,
} from "./kernel"

const httpMessageSchema = z.object({
  topic: z.string().min(1),
  event: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  private: z.boolean().optional(),
})
const httpBatchSchema = z.object({
  messages: z.array(httpMessageSchema).min(1),
})

async function claimsForRequest(rt: RealtimeState, req: IncomingMessage): Promise<Claims> {
  const url = new URL(req.url ?? "/", "http://localhost")
  const apiKey = headerValue(req.headers.apikey) ?? url.searchParams.get("apikey")
  if (!apiKey) throw new TokenError("API key is missing")
  const apiClaims = await verifyToken(rt.ctx, apiKey)
  const bearer = headerValue(req.headers.authorization)?.replace(/^Bearer\s+/i, "")
  if (!bearer || bearer.startsWith("sb_")) return apiClaims

  return verifyToken(rt.ctx, bearer)
}

async function broadcastOverHttp(
  rt: RealtimeState,
  claims: Claims,
  messages: z.infer<typeof httpMessageSchema>[]
) {
  const allowed = new Map<string, boolean>()
  for (const message of messages) {
    const isPrivate = message.private ?? false
    if (isPrivate) {
      let ok = allowed.get(message.topic)
      if (ok === undefined) {
        ok = await canWrite(
          rt.ctx.db,
          { topic: message.topic, role: claims.role, claims },
          "broadcast"
        )
        allowed.set(message.topic, ok)
      }
      // As on hosted Realtime, unauthorized private messages are dropped, not reported.
      if (!ok) continue
    }
    fanOutBroadcast(rt, namespaceKey(isPrivate, message.topic), null, {
      json: {
        type: "broadcast",
        event: message.event,
        payload: message.payload,
      },
    })
  }
}

export async function handle(rt: RealtimeState, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://localhost")
  const rest = url.pathname.slice(PREFIX.length)
  const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(rest)
  if (rest !== "/api/broadcast" && !single) {
    return sendJson(res, 404, {
      message: "no Route matched with those values",
    })
  }
  if (req.method !== "POST") return sendJson(res, 405, { error: "Method not allowed" })

  let claims: Claims
  try {
    claims = await claimsForRequest(rt, req)
  } catch (error) {
    if (error instanceof TokenError) return sendJson(res, 401, { error: error.message })
    throw error
  }
  let body: Buffer
  try {
    body = await readBody(req, rt.limits.maxPayloadBytes + 64 * 1024)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return sendJson(res, 413, {
        error: "Payload size exceeds tenant limit",
      })
    }
    throw error
  }
  let json: unknown
  try {
    json = JSON.parse(body.toString("utf8"))
  } catch {
    return sendJson(res, 400, { error: "Request body must be JSON" })
  }

  if (single) {
    const payload = z.record(z.string(), z.unknown()).safeParse(json)
    if (!payload.success) return sendJson(res, 422, { error: "Payload must be a JSON object" })
    await broadcastOverHttp(rt, claims, [
      {
        topic: decodeURIComponent(single[1]!),
        event: decodeURIComponent(single[2]!),
        payload: payload.data,
        private: url.searchParams.get("private") === "true",
      },
    ])
  } else {
    const batch = httpBatchSchema.safeParse(json)
    if (!batch.success) {
      return sendJson(res, 422, {
        error: "Invalid broadcast messages",
        errors: z.flattenError(batch.error),
      })
    }
    await broadcastOverHttp(rt, claims, batch.data.messages)
  }
  res.writeHead(202).end()
}
