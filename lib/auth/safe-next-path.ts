// Where a person goes after signing in comes from the URL (`?next=`), so anyone can
// craft it. Only a path on our own origin may come out of here; everything else is "/".

export const DEFAULT_NEXT_PATH = "/"

// An origin no real request can have: if resolving the candidate against it
// lands anywhere else, the candidate named a host of its own.
const PROBE_ORIGIN = "https://next-path.invalid"

// Browsers strip tabs and newlines from URLs and treat "\" as "/", so
// "/\tevil.com" or "/\\evil.com" become "//evil.com", a host.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/

// Enough for any honest value (one layer of encoding from URLSearchParams,
// maybe a second from a redirect); more layers than this is an attack.
const MAX_DECODE_LAYERS = 4

function isSafeLayer(value: string) {
  return (
    value.startsWith("/") && !value.startsWith("//") && !FORBIDDEN.test(value)
  )
}

/**
 * Returns `raw` as a same-origin path (with its query and hash) when it is
 * one, else "/". Every percent-decoded layer must also be a plain path, so
 * "/%2f%2fevil.com" and its double-encoded variants are refused too.
 */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) {
    return DEFAULT_NEXT_PATH
  }

  let layer = raw
  for (let i = 0; i <= MAX_DECODE_LAYERS; i++) {
    if (!isSafeLayer(layer)) return DEFAULT_NEXT_PATH
    let decoded: string
    try {
      decoded = decodeURIComponent(layer)
    } catch {
      return DEFAULT_NEXT_PATH
    }
    if (decoded === layer) break
    if (i === MAX_DECODE_LAYERS) return DEFAULT_NEXT_PATH
    layer = decoded
  }

  let url: URL
  try {
    url = new URL(raw, PROBE_ORIGIN)
  } catch {
    return DEFAULT_NEXT_PATH
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_NEXT_PATH

  return `${url.pathname}${url.search}${url.hash}`
}

/** The absolute URL of a checked path on the console's configured origin. */
export function siteUrlFor(path: string, siteUrl: string): URL {
  return new URL(safeNextPath(path), siteUrl)
}
