import { z } from "zod"

import { dbId } from "@/lib/db-id"
import {
  devicePairTokenSchema,
  type DevicePairTokenResponse,
} from "@/lib/devices/schema"
import { createDeviceApiClient } from "@/lib/supabase/device"

import { getClientIp } from "../../_lib/client-ip"
import {
  errorResponse,
  handleDeviceRequest,
  jsonResponse,
  parseWith,
  rateLimitedResponse,
  readJsonBody,
  UpstreamError,
} from "../../_lib/http"
import { TOKEN_BODY_LIMIT_BYTES } from "../../_lib/limits"
import { createRateLimiter } from "../../_lib/rate-limit"

// An honest agent polls every 5 s or slower; this only stops floods of made-up device codes
// (which could not be guessed anyway: they are 256 random bits).
const perIp = createRateLimiter({ limit: 60, windowMs: 60_000 })

const pollSchema = z.array(
  z.object({
    status: z.enum([
      "authorization_pending",
      "slow_down",
      "access_denied",
      "expired_token",
      "invalid_grant",
      "approved",
    ]),
    interval_seconds: z.int().positive(),
  })
)
const exchangeSchema = z.array(
  z.object({
    device_id: dbId,
    user_id: dbId,
    device_secret: z.string().min(1),
  })
)
const identifySchema = z.array(
  z.object({ device_name: z.string(), account_email: z.string().nullable() })
)

type PollError =
  | "authorization_pending"
  | "slow_down"
  | "access_denied"
  | "expired_token"
  | "invalid_grant"

function pollError(error: PollError, interval: number) {
  const messages: Record<PollError, string> = {
    authorization_pending: `The pairing has not been approved yet; poll again in ${interval} seconds.`,
    slow_down: `Polling too fast; poll every ${interval} seconds from now on.`,
    access_denied: "The pairing was denied in the console.",
    expired_token:
      "This pairing code expired or was already used; start pairing again.",
    invalid_grant: "This device code is not known; start pairing again.",
  }
  const carriesInterval =
    error === "authorization_pending" || error === "slow_down"

  return errorResponse(400, error, messages[error], {
    errorDescription: true,
    ...(carriesInterval ? { interval } : {}),
  })
}

/**
 * RFC 8628 §3.4–3.5: the device's poll. On approval it answers the device's long-lived secret,
 * exactly once, with the account it was paired to.
 */
export async function POST(request: Request) {
  return handleDeviceRequest("pair/token", async () => {
    const limited = perIp.take(getClientIp(request) ?? "unknown")
    if (!limited.ok) {
      return rateLimitedResponse(
        limited.retryAfterSeconds,
        "Too many pairing polls from this address; wait a minute and try again."
      )
    }

    const body = await readJsonBody(request, TOKEN_BODY_LIMIT_BYTES, {
      errorDescription: true,
    })
    if (!body.ok) return body.response
    // RFC 6749 §5.2 answers malformed token requests with 400 invalid_request.
    const input = parseWith(devicePairTokenSchema, body.value, {
      status: 400,
      errorDescription: true,
    })
    if (!input.ok) return input.response
    const deviceCode = input.value.device_code

    const api = await createDeviceApiClient()
    const polled = await api.rpc("pairing_poll", { device_code: deviceCode })
    if (polled.error) throw new UpstreamError("pairing_poll", polled.error)
    const poll = pollSchema.parse(polled.data)[0]
    if (!poll) throw new UpstreamError("pairing_poll", "no row returned")
    if (poll.status !== "approved") {
      return pollError(poll.status, poll.interval_seconds)
    }

    const exchanged = await api.rpc("pairing_exchange", {
      device_code: deviceCode,
    })
    if (exchanged.error?.code === "PT400") {
      // A concurrent poll won the exchange, or the state changed since pairing_poll.
      const code = /^(\w+):/.exec(exchanged.error.message)?.[1]
      const known: PollError[] = [
        "authorization_pending",
        "access_denied",
        "expired_token",
        "invalid_grant",
      ]
      const error = known.find((k) => k === code) ?? "expired_token"

      return pollError(error, poll.interval_seconds)
    }
    if (exchanged.error) {
      throw new UpstreamError("pairing_exchange", exchanged.error)
    }
    const grant = exchangeSchema.parse(exchanged.data)[0]
    if (!grant) throw new UpstreamError("pairing_exchange", "no row returned")

    // The secret now exists only in this response: a failure to look up the account's email
    // must not lose it, so the answer goes out with the email missing instead.
    let deviceName = ""
    let email: string | null = null
    const identified = await api.rpc("device_identify", {
      device_secret: grant.device_secret,
    })
    const identity = identified.error
      ? undefined
      : identifySchema.safeParse(identified.data).data?.[0]
    if (identity) {
      deviceName = identity.device_name
      email = identity.account_email
    } else {
      console.error(
        "[device-api] pair/token: account lookup failed",
        identified.error
      )
    }

    const response: DevicePairTokenResponse = {
      access_token: grant.device_secret,
      token_type: "Bearer",
      device_id: grant.device_id,
      device_name: deviceName,
      account: { id: grant.user_id, email },
    }

    return jsonResponse(response)
  })
}
