"use client"

import * as React from "react"

import { clockSkew } from "@/lib/clock"

/**
 * The server's "now", ticking. The first render uses the server's timestamp exactly (so the
 * server and browser render the same text); afterwards the browser's clock, corrected by the
 * skew measured against the server, is re-read every few seconds so "online" and "3 minutes
 * ago" go stale on their own without a reload. `intervalMs` is how stale the caller can bear
 * (a domain's online window check, a countdown's second).
 */
export function useServerNow(serverNow: string, intervalMs: number): number {
  const [now, setNow] = React.useState(() => Date.parse(serverNow))

  React.useEffect(() => {
    const skew = clockSkew(serverNow, Date.now())
    const tick = () => setNow(Date.now() + skew)
    tick()
    const timer = window.setInterval(tick, intervalMs)

    return () => window.clearInterval(timer)
  }, [serverNow, intervalMs])

  return now
}
