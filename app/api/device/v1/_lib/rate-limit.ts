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
  // Insertion order is window start order (a renewed window is re-inserted), so expired
  // windows and, under a flood of new keys, the oldest live ones are always at the front.
  const windows = new Map<string, { startedAt: number; count: number }>()

  return {
    take(key, now = Date.now()) {
      let window = windows.get(key)
      if (!window || now - window.startedAt >= windowMs) {
        windows.delete(key)
        for (const [oldestKey, oldest] of windows) {
          if (now - oldest.startedAt < windowMs && windows.size < MAX_KEYS)
            break
          windows.delete(oldestKey)
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
