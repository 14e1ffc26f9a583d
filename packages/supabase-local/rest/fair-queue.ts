import { ApiError } from "./errors"

type Waiter = { start(): void }

/**
 * Takes turns between callers for a resource that runs one thing at a time (PGlite): each
 * caller has its own line, and the caller served least recently goes next, so a caller who
 * sends many slow requests delays another caller by at most one of them, not by all. A caller may keep
 * at most `perCaller` requests waiting; more are refused at once, and a request that waits
 * longer than `waitMs` gives up, as PostgREST's requests do when no pool connection frees up
 * within db-pool-acquisition-timeout (504 PGRST003).
 */
export class FairQueue {
  private readonly lines = new Map<string, Waiter[]>()
  private running = 0
  /** When each caller was last served, in turns; a caller never served goes first. */
  private readonly lastTurn = new Map<string, number>()
  private turn = 0

  constructor(
    private readonly options: { concurrency: number; perCaller: number; waitMs: number }
  ) {}

  async run<T>(caller: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(caller)
    try {
      return await work()
    } finally {
      this.running--
      this.next()
    }
  }

  private acquire(caller: string): Promise<void> {
    if (this.running < this.options.concurrency && this.lines.size === 0) {
      this.serve(caller)
      return Promise.resolve()
    }
    const line = this.lines.get(caller) ?? []
    if (line.length >= this.options.perCaller) {
      return Promise.reject(
        new ApiError(
          503,
          "PGRST003",
          "Too many requests waiting for the database from this caller",
          `At most ${this.options.perCaller} requests per caller wait at a time`,
          null,
          { "retry-after": "1" }
        )
      )
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        const waiting = this.lines.get(caller)
        const index = waiting?.indexOf(waiter) ?? -1
        if (index < 0) return
        waiting!.splice(index, 1)
        if (waiting!.length === 0) this.lines.delete(caller)
        reject(
          new ApiError(504, "PGRST003", "Timed out acquiring connection from connection pool.")
        )
      }, this.options.waitMs)
      line.push(waiter)
      this.lines.set(caller, line)
    })
  }

  private serve(caller: string) {
    this.running++
    // Forgetting every caller's history now and then keeps the map small; it only costs one
    // round of perfect rotation.
    if (this.lastTurn.size > 10_000) this.lastTurn.clear()
    this.lastTurn.set(caller, this.turn++)
  }

  /** Starts the next waiter of the caller served least recently. */
  private next() {
    while (this.running < this.options.concurrency && this.lines.size > 0) {
      let chosen: string | undefined
      let oldest = Infinity
      for (const caller of this.lines.keys()) {
        const last = this.lastTurn.get(caller) ?? -1
        if (last < oldest) {
          oldest = last
          chosen = caller
        }
      }
      const line = this.lines.get(chosen!)!
      const waiter = line.shift()!
      if (line.length === 0) this.lines.delete(chosen!)
      this.serve(chosen!)
      waiter.start()
    }
  }
}
