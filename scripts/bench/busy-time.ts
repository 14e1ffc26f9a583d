/**
 * Busy time of nested layers (a route handler, the REST calls it makes, the statements those
 * run) as time intervals on one clock. Summing each call's duration double-counts calls that
 * overlap (parallel REST calls, pipelined statements) and counts work done after the reply
 * (the search indexing the push route starts once it has answered) as the handler's, which made
 * a layer's share negative; the union of each layer's intervals, clipped to the layer above it,
 * does neither.
 */
export type Interval = readonly [start: number, end: number]

/** The intervals merged where they overlap or touch, in order. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  const merged: [number, number][] = []
  for (const [start, end] of sorted) {
    const last = merged.at(-1)
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }

  return merged
}

/** The time both sets of intervals cover. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const left = union(a)
  const right = union(b)
  const both: Interval[] = []
  let i = 0
  let j = 0
  while (i < left.length && j < right.length) {
    const start = Math.max(left[i]![0], right[j]![0])
    const end = Math.min(left[i]![1], right[j]![1])
    if (start < end) both.push([start, end])
    if (left[i]![1] < right[j]![1]) i++
    else j++
  }

  return both
}

export function length(intervals: readonly Interval[]): number {
  return union(intervals).reduce((sum, [start, end]) => sum + (end - start), 0)
}

/** A layer's meter: each call's interval while `on`, and how many calls there were. */
export class BusyMeter {
  on = false
  readonly intervals: Interval[] = []
  private inFlight = 0

  get calls(): number {
    return this.intervals.length
  }

  time<T>(work: () => Promise<T>): Promise<T> {
    if (!this.on) return work()
    const started = performance.now()
    this.inFlight++

    return work().finally(() => {
      this.inFlight--
      this.intervals.push([started, performance.now()])
    })
  }

  /** Resolves once no metered call has been running for `quietMs` (work started after a reply). */
  async settled(quietMs = 250): Promise<void> {
    let quietSince = performance.now()
    while (performance.now() - quietSince < quietMs) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      if (this.inFlight > 0) quietSince = performance.now()
    }
  }
}
