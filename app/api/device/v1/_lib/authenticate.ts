import { createHash } from "node:crypto"

import { type NextResponse } from "next/server"
import { z } from "zod"

import { dbId } from "@/lib/db-id"
import {
  createDeviceApiClient,
  createDeviceClient,
} from "@/lib/supabase/device"

import { getClientIp } from "./client-ip"
import { errorResponse, rateLimitedResponse, UpstreamError } from "./http"
import { createRateLimiter, type RateLimiter } from "./rate-limit"

/** Device secrets as pairing_exchange issues them; anything else is refused without a query. */
const DEVICE_SECRET_PATTERN = /^lmxd_[0-9a-f]{64}$/

// Per secret: far above any honest agent (a heartbeat every 30 s, sync batches), low enough
// that a runaway loop cannot keep the database busy.
const perSecret = createRateLimiter({ limit: 120, windowMs: 60_000 })
// Per address, failed authentications only: bounds secret guessing and revoked agents that
// keep retrying.
const failuresPerIp = createRateLimiter({ limit: 30, windowMs: 10 * 60_000 })

const authenticatedRowSchema = z.object({
  device_id: dbId,
  user_id: dbId,
  device_name: z.string(),
})
const identifiedRowSchema = z.object({
  device_id: dbId,
  revoked: z.boolean(),
})

export type AuthenticatedDevice = {
  id: string
  userId: string
  name: string
  /** Acts as this device: every query runs under the minted device JWT, so RLS decides. */
  supabase: Awaited<ReturnType<typeof createDeviceClient>>
}

export type DeviceAuthResult =
  | { ok: true; device: AuthenticatedDevice }
  | { ok: false; response: NextResponse }

export const REVOKED_MESSAGE =
  "This device was revoked from the console; run `npm run device -- pair` to pair it again."

/**
 * Authenticates `Authorization: Bearer <device secret>` for every device API call after
 * pairing: the database (device_authenticate) decides, then the caller gets a Supabase client
 * acting with a device JWT of a few minutes. Never reads cookies.
 */
export async function authenticateDevice(
  request: Request,
  {
    limiter = perSecret,
  }: {
    /** The per-secret budget; the runs routes bring their own (a worker logs every 200 ms). */
    limiter?: RateLimiter
  } = {}
): Promise<DeviceAuthResult> {
  const fail = (response: NextResponse) => ({ ok: false as const, response })
  const header = request.headers.get("authorization") ?? ""
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  if (!match) {
    return fail(
      errorResponse(
        401,
        "missing_device_secret",
        "Send the device secret as `Authorization: Bearer <secret>`; pair the device first with `npm run device -- pair`.",
        { headers: { "WWW-Authenticate": 'Bearer realm="lmx-device"' } }
      )
    )
  }
  const secret = match[1]!
  const ip = getClientIp(request) ?? "unknown"

  const refuse = (error: "invalid_device_secret" | "device_revoked") => {
    const limited = failuresPerIp.take(ip)
    if (!limited.ok) {
      return fail(
        rateLimitedResponse(
          limited.retryAfterSeconds,
          "Too many failed device authentications from this address; wait and try again."
        )
      )
    }

    return fail(
      errorResponse(
        401,
        error,
        error === "device_revoked"
          ? REVOKED_MESSAGE
          : "This device secret is not known to the console; run `npm run device -- pair` to pair the device again.",
        {
          headers: {
            "WWW-Authenticate": `Bearer realm="lmx-device", error="invalid_token"`,
          },
        }
      )
    )
  }

  if (!DEVICE_SECRET_PATTERN.test(secret))
    return refuse("invalid_device_secret")

  const fingerprint = createHash("sha256").update(secret).digest("hex")
  const limited = limiter.take(fingerprint)
  if (!limited.ok) {
    return fail(
      rateLimitedResponse(
        limited.retryAfterSeconds,
        "This device is calling the API too often; slow down."
      )
    )
  }

  const api = await createDeviceApiClient()
  const authenticated = await api.rpc("device_authenticate", {
    device_secret: secret,
  })
  if (authenticated.error) {
    throw new UpstreamError("device_authenticate", authenticated.error)
  }
  const row = z.array(authenticatedRowSchema).parse(authenticated.data)[0]
  if (!row) {
    // Only now tell "revoked" from "unknown": a revoked device deserves a clear way back.
    const identified = await api.rpc("device_identify", {
      device_secret: secret,
    })
    if (identified.error)
      throw new UpstreamError("device_identify", identified.error)
    const known = z.array(identifiedRowSchema).parse(identified.data)[0]

    return refuse(known?.revoked ? "device_revoked" : "invalid_device_secret")
  }

  const identity = { deviceId: row.device_id, userId: row.user_id }

  return {
    ok: true,
    device: {
      id: row.device_id,
      userId: row.user_id,
      name: row.device_name,
      supabase: await createDeviceClient(identity),
    },
  }
}
