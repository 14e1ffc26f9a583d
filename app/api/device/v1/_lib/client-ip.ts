import { isIP } from "node:net"

import { getServerEnv } from "@/lib/env"

/**
 * The header that carries the TCP peer's address into route handlers, which see headers but
 * no socket. Set by `recordPeerAddresses` (below, from instrumentation.ts) on every request
 * the Node server receives, overwriting anything a client sent under that name.
 */
export const PEER_ADDRESS_HEADER = "x-lmx-peer-address"

/**
 * The address a device request came from, for the pair page ("asked from …") and the
 * per-address limits. With `hops` = 0 (TRUSTED_PROXY_HOPS unset) no forwarded header is
 * trusted: the address is the socket's peer. With N trusted proxies in front of the app,
 * the client is the Nth X-Forwarded-For entry from the right, the one the outermost trusted
 * proxy appended; entries further left are whatever the client claimed. (Next's server only
 * fills in X-Forwarded-For when the request has none, so it never appends the peer itself.)
 */
export function getClientIp(
  request: Request,
  hops = getServerEnv().TRUSTED_PROXY_HOPS
): string | null {
  return clientIpFromHeaders(request.headers, hops)
}

/** `getClientIp` for code that has the request's headers only (server components, actions). */
export function clientIpFromHeaders(
  headers: Headers,
  hops = getServerEnv().TRUSTED_PROXY_HOPS
): string | null {
  if (hops === 0) return normalizeIp(headers.get(PEER_ADDRESS_HEADER))

  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
  // Fewer entries than trusted proxies: the leftmost is still one a trusted proxy wrote.
  const entry = forwarded.at(Math.max(0, forwarded.length - hops))

  return normalizeIp(entry)
}

function normalizeIp(value: string | null | undefined): string | null {
  if (!value) return null
  let ip = value.trim()
  // "[2001:db8::1]:443" and "203.0.113.7:51234" as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip)
  if (bracketed) ip = bracketed[1]!
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(ip))
    ip = ip.slice(0, ip.lastIndexOf(":"))
  if (ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4) ip = ip.slice(7)

  return isIP(ip) ? ip : null
}
