import { backoffDelay, sleep as defaultSleep } from "./backoff"
import { DeviceAgentError } from "./errors"

// The console counts a device online while its last heartbeat is under 90 s old, and tells
// the agent when to send the next one (next_heartbeat_in).

const TRANSIENT_CODES = new Set([
  "network_error",
  "service_unavailable",
  "rate_limited",
])

/** The console being away (or busy) is not fatal to a watcher; being refused is. */
export function isTransientAgentError(error: unknown): boolean {
  return error instanceof DeviceAgentError && TRANSIENT_CODES.has(error.code)
}

/**
 * Sends heartbeats until a refusal: `beat` sends one and returns the seconds the console asked
 * to wait. Transient failures back off (5 s doubling to 5 min) and are reported through
 * `onRetry`; any other error ends the loop by being thrown. `signal` stops it quietly.
 */
export async function keepOnline({
  beat,
  onRetry,
  sleep = defaultSleep,
  signal,
}: {
  beat: () => Promise<number>
  onRetry?: (error: DeviceAgentError, delayMs: number) => void
  sleep?: (ms: number) => Promise<void>
  signal?: AbortSignal
}): Promise<void> {
  let failures = 0
  while (!signal?.aborted) {
    let waitMs: number
    try {
      waitMs = (await beat()) * 1000
      failures = 0
    } catch (error) {
      if (!isTransientAgentError(error)) throw error
      waitMs = backoffDelay(failures, { baseMs: 5_000, maxMs: 300_000 })
      failures += 1
      onRetry?.(error as DeviceAgentError, waitMs)
    }
    if (signal?.aborted) return
    await sleep(waitMs)
  }
}
