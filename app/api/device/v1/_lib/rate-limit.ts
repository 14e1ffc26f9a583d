// Fixed-window counters in this server process. They bound bursts cheaply before the
// database is touched; the durable per-address limit on pairing lives in the database
// (pairing_start), so several app instances still share that one.

export type RateLimitResult =
  { ok: true } | { ok: false; retryAfterSeconds: number }

export type RateLimiter = { take(key: string, now?: number): RateLimitResult }

const MAX_KEYS = 10_000

export function createRateLimiter({
  limit,
  windowMs,
}: {
  limit: number
  windowMs: number
}): RateLimiter {
  const windows = new Map<string, { startedAt: number; count: number }>()

  return {
    take(key, now = Date.now()) {
      let window = windows.get(key)
      if (!window || now - window.startedAt >= windowMs) {
        if (windows.size >= MAX_KEYS) {
          for (const [k, w] of windows) {
            if (now - w.startedAt >= windowMs) windows.delete(k)
          }
          // Still full of live windows: forget the oldest rather than grow without bound.
          if (windows.size >= MAX_KEYS) {
            const oldest = windows.keys().next().value
            if (oldest !== undefined) windows.delete(oldest)
          }
        }
        window = { startedAt: now, count: 0 }
        windows.set(key, window)
      }
      window.count += 1
      if (window.count <= limit) return { ok: true }

      return {
        ok: false,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((window.startedAt + windowMs - now) / 1000)
        ),
      }
    },
  }
}
