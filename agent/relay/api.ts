import {
  relaySessionResponseSchema,
  type RelaySessionResponse,
} from "@/lib/chat/relay-protocol"
import { deviceApiErrorSchema } from "@/lib/devices/schema"

import { normalizeServer } from "../api-client"
import { backoffDelay, sleep as defaultSleep } from "../backoff"
import { DeviceAgentError } from "../errors"

// The relay's one device API call (docs/device-api.md): its session, with the device JWT for
// the relay's Realtime topics. Network failures and "later" answers (429, 502-504) are
// retried with backoff; a refusal (a revoked device) is final.

export class RelayApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = "RelayApiError"
  }
}

export function createRelayApi({
  server,
  secret,
  fetch: fetchImpl = fetch,
  sleep = defaultSleep,
  maxAttempts = 4,
}: {
  server: string
  secret: string
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  maxAttempts?: number
}) {
  const origin = normalizeServer(server)

  return {
    async session(): Promise<RelaySessionResponse> {
      for (let attempt = 0; ; attempt += 1) {
        let response: Response
        try {
          response = await fetchImpl(`${origin}/api/device/v1/relay/session`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json",
              authorization: `Bearer ${secret}`,
            },
            body: "{}",
            signal: AbortSignal.timeout(15_000),
          })
        } catch (error) {
          if (attempt + 1 >= maxAttempts) {
            throw new DeviceAgentError("network_error", {
              server: origin,
              detail: String(error),
            })
          }
          await sleep(backoffDelay(attempt))
          continue
        }
        const body: unknown = await response.json().catch(() => null)
        if (response.ok) return relaySessionResponseSchema.parse(body)
        const retryable =
          response.status === 429 ||
          (response.status >= 502 && response.status <= 504)
        if (retryable && attempt + 1 < maxAttempts) {
          await sleep(backoffDelay(attempt))
          continue
        }
        const problem = deviceApiErrorSchema.safeParse(body)
        throw new RelayApiError(
          response.status,
          problem.success ? problem.data.error : "unexpected_response",
          problem.success
            ? problem.data.message
            : `HTTP ${response.status} from the relay session`
        )
      }
    },
  }
}

export type RelayApi = ReturnType<typeof createRelayApi>
