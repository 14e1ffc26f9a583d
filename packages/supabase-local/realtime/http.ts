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
import { type UserBroadcast } from "./protocol"

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

/**
 * One message, JSON or binary, to one topic (POST /api/broadcast/:topic/events/:event). A
 * private one needs a realtime.messages policy letting the caller write broadcasts to the
 * topic; refused, Realtime's SingleBroadcast answers 403 "Unauthorized" rather than dropping
 * it as the batch endpoint does, so false here.
 */
async function broadcastSingle(
  rt: RealtimeState,
  claims: Claims,
  message: {
    topic: string
    private: boolean
    broadcast: { json: Record<string, unknown> } | { user: UserBroadcast }
  }
): Promise<boolean> {
  if (
    message.private &&
    !(await canWrite(rt.ctx.db, { topic: message.topic, role: claims.role, claims }, "broadcast"))
  ) {
    return false
  }
  fanOutBroadcast(rt, namespaceKey(message.private, message.topic), null, message.broadcast)

  return true
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
  // Binary payloads (application/octet-stream) go to one topic only, as Realtime's
  // BroadcastSingleController takes them; they reach vsn 2.0.0 subscribers as binary
  // user-broadcast frames (kind 4, encoding 0) and none on vsn 1.0.0, as its V2Serializer and
  // UserBroadcast do.
  const contentType = headerValue(req.headers["content-type"])?.split(";")[0]?.trim().toLowerCase()
  if (contentType === "application/octet-stream") {
    if (!single) {
      return sendJson(res, 415, {
        error: "Unsupported Media Type. Use application/json or application/octet-stream",
      })
    }
    if (body.length > rt.limits.maxPayloadBytes) {
      return sendJson(res, 413, { error: "Payload size exceeds tenant limit" })
    }
    const sent = await broadcastSingle(rt, claims, {
      topic: decodeURIComponent(single[1]!),
      private: url.searchParams.get("private") === "true",
      broadcast: {
        user: { event: decodeURIComponent(single[2]!), encoding: "binary", data: body },
      },
    })
    if (!sent) return sendJson(res, 403, { message: "Unauthorized" })
    res.writeHead(202).end()
    return
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
    const event = decodeURIComponent(single[2]!)
    const sent = await broadcastSingle(rt, claims, {
      topic: decodeURIComponent(single[1]!),
      private: url.searchParams.get("private") === "true",
      broadcast: { json: { type: "broadcast", event, payload: payload.data } },
    })
    if (!sent) return sendJson(res, 403, { message: "Unauthorized" })
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
