// Retry pacing for the device agent. Exponential backoff with "equal jitter": half of each
// delay is fixed, so retries never bunch at zero, and half is random, so a fleet of agents
// that lost the console at the same moment does not come back in lockstep.

export type BackoffOptions = {
  /** The first delay's ceiling. */
  baseMs?: number
  /** No delay is ever longer than this. */
  maxMs?: number
}

export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const

/** The delay before retry number `attempt` (0 for the first retry), within [cap/2, cap]. */
export function backoffDelay(
  attempt: number,
  {
    baseMs = DEFAULT_BACKOFF.baseMs,
    maxMs = DEFAULT_BACKOFF.maxMs,
  }: BackoffOptions = {},
  random: () => number = Math.random
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30)
  const cap = Math.min(maxMs, baseMs * 2 ** exponent)
  const r = Math.min(Math.max(random(), 0), 1)

  return Math.round(cap / 2 + (r * cap) / 2)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
  })
}
