// Time as the worker's pieces see it, so tests drive the 200 ms flushes, lease renewals and
// the 10 s SIGKILL grace with a fake clock instead of waiting.

export type Timer = { cancel(): void }

export type Clock = {
  now(): number
  setTimeout(fn: () => void, ms: number): Timer
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms)

    return { cancel: () => clearTimeout(handle) }
  },
}
