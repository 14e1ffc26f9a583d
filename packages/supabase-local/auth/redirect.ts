import { isIP } from "node:net"

/**
 * Redirect-URL validation with Supabase Auth's rules: the site URL's own origin (any path;
 * any port on loopback hosts), loopback IP hosts, then the allow list as globs over the whole
 * URL without its fragment. A URL that fails falls back to the site URL, silently.
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", "::"])
const REGULAR_HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/

type ParsedUrl = { scheme: string; hostname: string; port: string }

/** Splits a URL loosely, as Go's url.Parse does: custom schemes and odd URLs still parse. */
function parseLoose(value: string): ParsedUrl | undefined {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)
  const scheme = schemeMatch ? schemeMatch[1]!.toLowerCase() : ""
  const rest = schemeMatch ? value.slice(schemeMatch[0].length) : value
  if (!rest.startsWith("//")) return { scheme, hostname: "", port: "" }
  const authority = rest.slice(2).split(/[/?#]/, 1)[0] ?? ""
  const hostPort = authority.includes("@")
    ? authority.slice(authority.lastIndexOf("@") + 1)
    : authority
  if (/\s/.test(hostPort)) return undefined
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]")
    if (end < 0) return undefined
    const port = hostPort.slice(end + 1).replace(/^:/, "")
    if (port && !/^\d+$/.test(port)) return undefined

    return { scheme, hostname: hostPort.slice(1, end).toLowerCase(), port }
  }
  const colon = hostPort.lastIndexOf(":")
  const hostname = colon >= 0 ? hostPort.slice(0, colon) : hostPort
  const port = colon >= 0 ? hostPort.slice(colon + 1) : ""
  if (port && !/^\d+$/.test(port)) return undefined

  return { scheme, hostname: hostname.toLowerCase(), port }
}

function isLoopbackIp(hostname: string): boolean {
  const kind = isIP(hostname)
  if (kind === 4) return hostname.startsWith("127.")
  if (kind === 6) return hostname === "::1" || /^(0{0,4}:){7}0{0,3}1$/.test(hostname)

  return false
}

/**
 * Compiles a glob with `.` and `/` as separators: `*` stays within one label or path
 * segment, `**` crosses them, `?` is one non-separator character, `[...]` a class and
 * `{a,b}` alternatives. The whole URL must match.
 */
export function compileRedirectGlob(pattern: string): RegExp {
  const SEPARATORS = "./"
  const notSeparator = "[^./]"
  let source = ""
  let i = 0
  let braceDepth = 0
  while (i < pattern.length) {
    const char = pattern[i]!
    if (char === "\\" && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[i + 1]!)
      i += 2
      continue
    }
    if (char === "*") {
      if (pattern[i + 1] === "*") {
        source += ".*"
        i += 2
      } else {
        source += `${notSeparator}*`
        i += 1
      }
      continue
    }
    if (char === "?") {
      source += notSeparator
      i += 1
      continue
    }
    if (char === "[") {
      const end = pattern.indexOf("]", i + 1)
      if (end > i + 1) {
        let body = pattern.slice(i + 1, end)
        const negated = body.startsWith("!")
        if (negated) body = body.slice(1)
        const escaped = body.replace(/[\\\]^]/g, "\\$&")
        source += negated ? `[^${escaped}${SEPARATORS.replace("/", "\\/")}]` : `[${escaped}]`
        i = end + 1
        continue
      }
    }
    if (char === "{") {
      braceDepth += 1
      source += "(?:"
      i += 1
      continue
    }
    if (char === "}" && braceDepth > 0) {
      braceDepth -= 1
      source += ")"
      i += 1
      continue
    }
    if (char === "," && braceDepth > 0) {
      source += "|"
      i += 1
      continue
    }
    source += escapeRegExp(char)
    i += 1
  }
  while (braceDepth-- > 0) source += ")"

  return new RegExp(`^${source}$`, "s")
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
}

export type RedirectPolicy = { siteUrl: string; allowList: string[] }

/**
 * Characters a browser rewrites or drops before it parses a URL (tab, CR, LF anywhere,
 * leading and trailing C0 controls and spaces, `\` as `/` in http(s)): a URL holding any of
 * them would be checked as one string and followed as another, so it is refused.
 */
const REWRITTEN_BY_BROWSERS = /[\u0000-\u0020\u007f\\]/

/** The hostname as the WHATWG parser gives it, without IPv6 brackets. */
function bareHostname(url: URL) {
  return url.hostname.replace(/^\[(.*)\]$/, "$1")
}

/** The parsed URL without userinfo and fragment: what the allow-list globs are matched on. */
function globSubjects(url: URL, raw: string): string[] {
  const hierarchical = raw.slice(url.protocol.length).startsWith("//")
  const subject = hierarchical
    ? `${url.protocol}//${url.host}${url.pathname}${url.search}`
    : `${url.protocol}${url.pathname}${url.search}`
  // "https://host" and "https://host/" are one URL; an entry may be written either way.
  return hierarchical && url.pathname === "/" && !url.search
    ? [subject, subject.slice(0, -1)]
    : [subject]
}

/**
 * Supabase Auth's isRedirectURLValid (internal/utilities/request.go), with one change: it
 * checks Go's url.Parse view of the URL while the browser follows the WHATWG view, and the two
 * disagree on `http://evil.example\@localhost:3000/` (Go: host localhost; a browser:
 * evil.example). Here the URL is parsed with the WHATWG parser (the browser's) and its parsed
 * origin and path are what the site URL and the globs are matched against; a URL whose host
 * reads differently to a loose Go-like split (backslashes, percent-encoded or numeric hosts,
 * userinfo) is refused rather than guessed at.
 */
export function createRedirectValidator({ siteUrl, allowList }: RedirectPolicy) {
  const globs = allowList.map(compileRedirectGlob)
  const base = URL.parse(siteUrl)

  function isValid(redirectUrl: string): boolean {
    if (!redirectUrl || !base || REWRITTEN_BY_BROWSERS.test(redirectUrl)) return false
    const target = URL.parse(redirectUrl)
    const loose = parseLoose(redirectUrl)
    if (!target || !loose) return false
    if (target.username || target.password) return false
    const hostname = bareHostname(target)
    if (loose.hostname !== hostname) return false

    if (
      bareHostname(base) === hostname &&
      base.protocol === target.protocol &&
      (base.port === target.port || LOOPBACK_HOSTS.has(hostname))
    ) {
      return true
    }

    const isHttp = target.protocol === "http:" || target.protocol === "https:"
    if (/^[0-9]+$/.test(hostname)) return false
    if (isIP(hostname)) return isLoopbackIp(hostname)
    if (isHttp && !REGULAR_HOSTNAME.test(hostname)) return false

    const subjects = globSubjects(target, redirectUrl)

    return globs.some((glob) => subjects.some((subject) => glob.test(subject)))
  }

  return {
    isValid,
    /** The URL to send people to: the requested one when allowed, else the site URL. */
    resolve(requested: string | undefined | null): string {
      return requested && isValid(requested) ? requested : siteUrl
    },
  }
}
