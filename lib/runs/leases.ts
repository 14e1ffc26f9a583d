/**
 * When the first lease among these runs that a worker holds runs out (ms since the epoch),
 * or null. A worker renews its lease long before; once it is past, the worker is gone, and
 * ops.reap_expired_runs settles the run (back to the queue, or failed after its last attempt).
 */
export function nextLeaseExpiry(
  runs: readonly { status: string; lease_expires_at: string | null }[]
): number | null {
  let first: number | null = null
  for (const run of runs) {
    if (run.status !== "claimed" && run.status !== "running") continue
    if (!run.lease_expires_at) continue
    const at = Date.parse(run.lease_expires_at)
    if (Number.isFinite(at) && (first === null || at < first)) first = at
  }

  return first
}

/**
 * How far this server's clock may run behind the database's: a lease that close to its end
 * counts as past, so a read never shows a run held by a gone worker because of clock drift
 * (the reaper itself goes by the database's clock and settles only what has truly expired).
 */
export const LEASE_CLOCK_SKEW_MS = 5_000

/** Whether a worker's lease on any of these runs is (or may be, by the database's clock) past. */
export function holdsLapsedLease(
  runs: readonly { status: string; lease_expires_at: string | null }[],
  now = Date.now()
): boolean {
  const due = nextLeaseExpiry(runs)

  return due !== null && due <= now + LEASE_CLOCK_SKEW_MS
}
