import { z } from "zod"

import {
  devicePairStartSchema,
  type DevicePairStartResponse,
} from "@/lib/devices/schema"
import { getPublicEnv } from "@/lib/env"
import { createDeviceApiClient } from "@/lib/supabase/device"

import { getClientIp } from "../_lib/client-ip"
import {
  handleDeviceRequest,
  jsonResponse,
  rateLimitedResponse,
  readJsonBodyAs,
  UpstreamError,
} from "../_lib/http"
import { PAIR_BODY_LIMIT_BYTES } from "../_lib/limits"
import { createRateLimiter } from "../_lib/rate-limit"

// Bursts from one address, before the database's own limit (20 per address per 10 minutes),
// and a cap for requests whose address is unknown, which that limit cannot see.
const perIp = createRateLimiter({ limit: 10, windowMs: 60_000 })

const startedSchema = z.array(
  z.object({
    device_code: z.string(),
    user_code: z.string(),
    expires_at: z.string(),
    interval_seconds: z.int().positive(),
  })
)

/** RFC 8628 §3.1–3.2: the device authorization request. */
export async function POST(request: Request) {
  return handleDeviceRequest("pair", async () => {
    const ip = getClientIp(request)
    const limited = perIp.take(ip ?? "unknown")
    if (!limited.ok) {
      return rateLimitedResponse(
        limited.retryAfterSeconds,
        "Too many pairing requests from this address; wait a minute and try again."
      )
    }

    const input = await readJsonBodyAs(
      request,
      devicePairStartSchema,
      PAIR_BODY_LIMIT_BYTES
    )
    if (!input.ok) return input.response

    const { data, error } = await (
      await createDeviceApiClient()
    ).rpc("pairing_start", {
      device_name: input.value.name,
      hostname: input.value.hostname,
      platform: input.value.platform,
      app_version: input.value.app_version,
      device_role: input.value.role,
      requested_ip: ip ?? undefined,
    })
    if (error?.code === "PT429") {
      return rateLimitedResponse(
        600,
        "Too many pairing requests from this address; wait a few minutes and try again."
      )
    }
    if (error) throw new UpstreamError("pairing_start", error)
    const started = startedSchema.parse(data)[0]
    if (!started) throw new UpstreamError("pairing_start", "no row returned")

    const verificationUri = new URL(
      "/pair",
      getPublicEnv().NEXT_PUBLIC_SITE_URL
    )
    const complete = new URL(verificationUri)
    complete.searchParams.set("code", started.user_code)
    const expiresIn = Math.max(
      1,
      Math.round((Date.parse(started.expires_at) - Date.now()) / 1000)
    )
    const response: DevicePairStartResponse = {
      device_code: started.device_code,
      user_code: started.user_code,
      verification_uri: verificationUri.toString(),
      verification_uri_complete: complete.toString(),
      expires_in: expiresIn,
      interval: started.interval_seconds,
    }

    return jsonResponse(response)
  })
}
