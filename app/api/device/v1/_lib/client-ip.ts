import { isIP } from "node:net"

/**
 * The address a device request came from, for the pair page ("asked from …") and the
 * per-address pairing limit. Route handlers see no socket, only headers, so this trusts
 * exactly one hop: the rightmost X-Forwarded-For entry, which is the one the proxy nearest
 * the app appended (the host's load balancer, or `next start` itself when nothing is in
 * front). Entries further left are whatever the client claimed and are ignored.
 */
export function getClientIp(request: Request): string | null {
  const forwarded = request.headers.get("x-forwarded-for")
  const candidates = [
    forwarded?.split(",").at(-1),
    request.headers.get("x-real-ip"),
  ]
  for (const candidate of candidates) {
    const ip = normalizeIp(candidate)
    if (ip) return ip
  }

  return null
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
