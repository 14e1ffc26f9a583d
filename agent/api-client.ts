import { type z } from "zod"

import {
  attachmentsResponseSchema,
  type AttachmentItem,
} from "@/lib/devices/attachments-schema"
import {
  DEVICE_API_ERROR_CODES,
  deviceApiErrorSchema,
  deviceHeartbeatResponseSchema,
  devicePairStartResponseSchema,
  devicePairTokenResponseSchema,
  type DeviceApiErrorCode,
  type DeviceHeartbeat,
  type DevicePairStart,
  type DevicePairTokenResponse,
} from "@/lib/devices/schema"
import {
  syncPullResponseSchema,
  syncPushResponseSchema,
  type SyncPush,
} from "@/lib/devices/sync-schema"

import {
  backoffDelay,
  sleep as defaultSleep,
  type BackoffOptions,
} from "./backoff"
import { DeviceAgentError } from "./errors"

// The agent's side of the device API. Network failures and "try again later" answers (502,
// 503, 504, 429 with Retry-After) are retried with backoff; every other answer is final and
// becomes a DeviceAgentError whose message tells the user what to do. Sync calls also retry
// 500 and a 429 without Retry-After: a push is idempotent, so sending it again is safe.

export type DeviceApiClientOptions = {
  /** The console's origin, e.g. https://lmx.optalocal.com. */
  server: string
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Tries per call, the first included. */
  maxAttempts?: number
  backoff?: BackoffOptions
  /** Per request; a console that does not answer in time counts as a network failure. */
  timeoutMs?: number
  /** Told about each retry, so the CLI can say it is still trying. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void
}

export type PollResult =
  | { status: "granted"; grant: DevicePairTokenResponse }
  | { status: "authorization_pending" | "slow_down"; interval: number }

const RETRYABLE_STATUS = new Set([502, 503, 504])
const MAX_RETRY_AFTER_MS = 60_000
const KNOWN_CODES = new Set<string>(DEVICE_API_ERROR_CODES)

type Answer = { status: number; body: unknown }

export function createDeviceApiClient({
  server,
  fetch: fetchImpl = fetch,
  sleep = defaultSleep,
  random = Math.random,
  maxAttempts = 5,
  backoff,
  timeoutMs = 15_000,
  onRetry,
}: DeviceApiClientOptions) {
  const origin = normalizeServer(server)

  async function call(
    path: string,
    body: unknown,
    secret?: string,
    { method = "POST", idempotent = false } = {}
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt += 1) {
      let answer: Answer | undefined
      let reason: string
      let retryAfterMs: number | undefined
      try {
        const response = await fetchImpl(`${origin}/api/device/v1/${path}`, {
          method,
          headers: {
            ...(method === "POST"
              ? { "content-type": "application/json" }
              : {}),
            accept: "application/json",
            ...(secret ? { authorization: `Bearer ${secret}` } : {}),
          },
          body: method === "POST" ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        })
        const text = await response.text()
        let parsed: unknown
        try {
          parsed = text ? JSON.parse(text) : undefined
        } catch {
          parsed = undefined
        }
        answer = { status: response.status, body: parsed }
        const retryable =
          RETRYABLE_STATUS.has(response.status) ||
          (response.status === 429 &&
            (idempotent || response.headers.has("retry-after"))) ||
          (idempotent && response.status === 500)
        if (!retryable) return answer
        reason = `HTTP ${response.status}`
        const seconds = Number(response.headers.get("retry-after"))
        if (Number.isFinite(seconds) && seconds > 0)
          retryAfterMs = seconds * 1000
      } catch (error) {
        reason = describeNetworkError(error)
        if (attempt + 1 >= maxAttempts) {
          throw new DeviceAgentError("network_error", {
            server: origin,
            detail: reason,
          })
        }
      }

      if (attempt + 1 >= maxAttempts) {
        // Out of retries with a "later" answer: report it as the console worded it.
        if (answer) return answer
      }
      // A Retry-After longer than we are willing to wait ends the retries.
      if (
        retryAfterMs !== undefined &&
        retryAfterMs > MAX_RETRY_AFTER_MS &&
        answer
      ) {
        return answer
      }
      const delayMs = Math.max(
        retryAfterMs ?? 0,
        backoffDelay(attempt, backoff, random)
      )
      onRetry?.({ attempt: attempt + 1, delayMs, reason })
      await sleep(delayMs)
    }
  }

  function fail(answer: Answer): never {
    const parsed = deviceApiErrorSchema.safeParse(answer.body)
    if (!parsed.success || !KNOWN_CODES.has(parsed.data.error)) {
      throw new DeviceAgentError("unexpected_response", {
        server: origin,
        status: answer.status,
        detail: `HTTP ${answer.status}`,
      })
    }

    throw new DeviceAgentError(parsed.data.error as DeviceApiErrorCode, {
      server: origin,
      status: answer.status,
      serverMessage: parsed.data.message,
    })
  }

  function expect<S extends z.ZodType>(schema: S, answer: Answer): z.infer<S> {
    if (answer.status !== 200) fail(answer)
    const parsed = schema.safeParse(answer.body)
    if (!parsed.success) {
      throw new DeviceAgentError("unexpected_response", {
        server: origin,
        status: answer.status,
        detail: "the answer did not have the expected fields",
      })
    }

    return parsed.data
  }

  return {
    server: origin,

    /** RFC 8628 device authorization request: the codes to show the user. */
    async startPairing(info: DevicePairStart) {
      return expect(devicePairStartResponseSchema, await call("pair", info))
    },

    /** One poll; pending and slow_down come back as results, everything else is final. */
    async pollPairing(deviceCode: string): Promise<PollResult> {
      const answer = await call("pair/token", { device_code: deviceCode })
      if (answer.status === 400) {
        const parsed = deviceApiErrorSchema.safeParse(answer.body)
        const error = parsed.data?.error
        if (error === "authorization_pending" || error === "slow_down") {
          return { status: error, interval: parsed.data?.interval ?? 5 }
        }
      }

      return {
        status: "granted",
        grant: expect(devicePairTokenResponseSchema, answer),
      }
    },

    /** One batch; the answer says what became of each item. */
    async syncPush(secret: string, batch: SyncPush) {
      return expect(
        syncPushResponseSchema,
        await call("sync/push", batch, secret, { idempotent: true })
      )
    },

    /** Records attachments of synced messages; says which to upload, and where. */
    async syncAttachments(secret: string, attachments: AttachmentItem[]) {
      return expect(
        attachmentsResponseSchema,
        await call("sync/attachments", { attachments }, secret, {
          idempotent: true,
        })
      )
    },

    /** One page of changes since `cursor` (null: from the beginning). */
    async syncPull(secret: string, cursor: string | null, limit = 1000) {
      const query = new URLSearchParams({ limit: String(limit) })
      if (cursor) query.set("cursor", cursor)

      return expect(
        syncPullResponseSchema,
        await call(`sync/pull?${query}`, undefined, secret, {
          method: "GET",
          idempotent: true,
        })
      )
    },

    async heartbeat(secret: string, beat: DeviceHeartbeat) {
      return expect(
        deviceHeartbeatResponseSchema,
        await call("heartbeat", beat, secret)
      )
    },
  }
}

export type DeviceApiClient = ReturnType<typeof createDeviceApiClient>

export function normalizeServer(server: string): string {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new Error(
      `--server must be a URL like https://lmx.optalocal.com (got "${server}")`
    )
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`--server must be an http(s) URL (got "${server}")`)
  }

  return url.origin
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return "the request timed out"
    const cause = (error as { cause?: { code?: string; message?: string } })
      .cause
    if (cause?.code) return cause.code
    if (cause?.message) return cause.message

    return error.message
  }

  return String(error)
}
