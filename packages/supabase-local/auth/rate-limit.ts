/**
 * A token bucket per key: `limit` requests per `windowSeconds`, refilled continuously, as
 * Supabase Auth's limiters behave (a burst up to the limit, then the steady rate).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.now()
    const perMs = this.limit / (this.windowSeconds * 1000)
    const bucket = this.buckets.get(key) ?? { tokens: this.limit, at: now }
    bucket.tokens = Math.min(this.limit, bucket.tokens + (now - bucket.at) * perMs)
    bucket.at = now
    this.buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1

    return true
  }
}
