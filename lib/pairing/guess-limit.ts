import "server-only"

import { headers } from "next/headers"

import { clientIpFromHeaders } from "@/app/api/device/v1/_lib/client-ip"
import { createRateLimiter } from "@/app/api/device/v1/_lib/rate-limit"

// The pair page's per-address bound on code checks (docs/security.md, "Pairing codes cannot be
// guessed, nor locked for everyone"): the database bounds each account, this bounds each
// address however many accounts it signs in with. Every check counts, right or wrong; an honest
// pairing takes three (status, lookup, decision). Per server process, like the device API's
// burst limits: the durable bounds are the database's.
const perAddress = createRateLimiter({ limit: 60, windowMs: 15 * 60_000 })

/** Takes one code check for this request's address; false once the address is over. */
export async function takePairingCodeCheck(): Promise<boolean> {
  const address = clientIpFromHeaders(await headers()) ?? "unknown"

  return perAddress.take(address).ok
}
