// The API gateway in front of the services, as hosted Supabase's (Kong) answers: the Host
// check that keeps other sites' pages out (DNS rebinding), CORS for the APIs only, and the
// API key every API route except Auth's email-link routes needs. The routes and plugins
// mirror Supabase's self-hosted gateway, docker/volumes/api/kong.yml in supabase/supabase.
import { type IncomingMessage, type ServerResponse } from "node:http"
import { isIP } from "node:net"

import { sendJson } from "./http"
import { type StackKeys } from "./keys"

/** The prefixes hosted Supabase serves through its gateway with CORS (and key-auth). */
export const API_PREFIXES = ["/rest/v1", "/auth/v1", "/realtime/v1", "/storage/v1"] as const

/**
 * Auth routes the gateway lets through without an API key, because they are opened from an
 * email or by a browser redirect: kong.yml's auth-v1-open, auth-v1-open-callback,
 * auth-v1-open-authorize and auth-v1-open-jwks services.
 */
const OPEN_ROUTES = [
  "/auth/v1/verify",
  "/auth/v1/callback",
  "/auth/v1/authorize",
  "/auth/v1/.well-known/jwks.json",
]

/**
 * Storage URLs that carry their own authorisation or none, opened by a browser or an <img>
 * without headers: signed URLs (their token), public objects. Hosted's gateway puts no key-auth
 * on /storage/v1 at all and Storage checks the JWT itself; here only these skip the key.
 */
const OPEN_READS = [
  "/storage/v1/object/sign/",
  "/storage/v1/object/public/",
  "/storage/v1/object/info/public/",
]
const OPEN_SIGNED_UPLOAD = "/storage/v1/object/upload/sign/"
/** Signed resumable uploads: every request carries the signed token in `x-signature`. */
const OPEN_SIGNED_TUS = "/storage/v1/upload/resumable/sign"

const EXPOSED_HEADERS = [
  "content-range",
  "content-profile",
  "content-location",
  "location",
  "preference-applied",
  "range-unit",
  "x-total-count",
  "x-supabase-api-version",
  "sb-gateway-version",
  "x-ratelimit-remaining",
].join(", ")

function underPrefix(pathname: string, prefix: string) {
  return pathname === prefix || pathname.startsWith(`${prefix}/`)
}

export function isApiPath(pathname: string): boolean {
  return API_PREFIXES.some((prefix) => underPrefix(pathname, prefix))
}

function isOpenRoute(pathname: string, method = "GET"): boolean {
  if (OPEN_ROUTES.some((route) => underPrefix(pathname.replace(/\/+$/, ""), route))) return true
  const read = method === "GET" || method === "HEAD"

  return (
    (read && OPEN_READS.some((prefix) => pathname.startsWith(prefix))) ||
    (method === "PUT" && pathname.startsWith(OPEN_SIGNED_UPLOAD)) ||
    underPrefix(pathname.replace(/\/+$/, ""), OPEN_SIGNED_TUS)
  )
}

/** The hostname of a Host header (`localhost:54321`, `[::1]:54321`), lowercased. */
function hostnameOf(host: string): string | undefined {
  const parsed = URL.parse(`http://${host}`)
  if (!parsed || parsed.username || parsed.password || parsed.pathname !== "/") return undefined

  return parsed.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase()
}

export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === "localhost") return true
  if (isIP(hostname) === 4) return hostname.startsWith("127.")

  return hostname === "::1"
}

/**
 * Whether a request's Host names this stack. Loopback names only (localhost, 127.0.0.0/8,
 * [::1]), plus the address it was told to listen on when that is a specific one: a page on
 * another site whose name was rebound to 127.0.0.1 arrives with its own name and is refused.
 */
export function createHostCheck(listenHost: string) {
  const listening = listenHost.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  const wildcard = listening === "0.0.0.0" || listening === "::" || listening === ""

  // A client sends the same Host on every request and parsing it is a URL parse, so each
  // distinct header is judged once; bounded, as the header is the client's to choose.
  const judged = new Map<string, boolean>()

  return function isAllowedHost(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false
    let allowed = judged.get(hostHeader)
    if (allowed === undefined) {
      const hostname = hostnameOf(hostHeader)
      allowed =
        hostname !== undefined &&
        (isLoopbackHostname(hostname) || (!wildcard && hostname === listening))
      if (judged.size >= 64) judged.clear()
      judged.set(hostHeader, allowed)
    }

    return allowed
  }
}

export function refuseMisdirected(res: ServerResponse) {
  sendJson(res, 421, {
    message: "Misdirected Request: the local stack answers only to localhost, 127.0.0.1 or [::1]",
  })
}

/**
 * CORS as the gateway's cors plugin answers for the APIs: any origin, the headers the browser
 * asks for; a preflight is answered here, before the key check (the plugin runs first).
 * Returns true when the request was a preflight and has been answered.
 */
export function applyApiCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader("access-control-allow-origin", "*")
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS)
  if (req.method !== "OPTIONS") return false
  res.writeHead(204, {
    "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers":
      req.headers["access-control-request-headers"] ??
      "authorization, apikey, content-type, x-client-info, prefer, range, accept-profile, content-profile",
    "access-control-max-age": "3600",
  })
  res.end()

  return true
}

export type KeyRefusal = { status: 401; body: { message: string; hint: string } }

const NO_KEY: KeyRefusal = {
  status: 401,
  body: {
    message: "No API key found in request",
    hint: "No `apikey` request header or url param was found.",
  },
}
const BAD_KEY: KeyRefusal = {
  status: 401,
  body: {
    message: "Invalid API key",
    hint: "Double check your Supabase `anon` or `service_role` API key.",
  },
}

function single(value: string | string[] | undefined) {
  return Array.isArray(value) ? value[0] : value
}

/**
 * The key-auth plugin: the project's anon or service_role key in the `apikey` header or URL
 * parameter. A request without one but with a bearer token this stack signed passes too (a
 * session token stands for the project as well as the anon key does).
 */
export function createKeyCheck(keys: Pick<StackKeys, "anonKey" | "serviceRoleKey" | "verify">) {
  const projectKeys = new Set([keys.anonKey, keys.serviceRoleKey])
  // Kong compares the key with its consumers' keys; any anon or service_role key signed with
  // this stack's secret (e.g. one minted from SUPABASE_JWT_SECRET) is one of those here.
  async function isProjectKey(key: string) {
    if (projectKeys.has(key)) return true
    try {
      const { role } = await keys.verify(key)
      return role === "anon" || role === "service_role"
    } catch {
      return false
    }
  }

  return async function checkApiKey(
    req: IncomingMessage,
    url: URL
  ): Promise<KeyRefusal | undefined> {
    if (isOpenRoute(url.pathname, req.method)) return undefined
    const apiKey = single(req.headers.apikey) ?? url.searchParams.get("apikey") ?? undefined
    if (apiKey !== undefined) return (await isProjectKey(apiKey.trim())) ? undefined : BAD_KEY
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(single(req.headers.authorization) ?? "")?.[1]
    if (!bearer) return NO_KEY
    try {
      await keys.verify(bearer)
      return undefined
    } catch {
      return BAD_KEY
    }
  }
}

/** The service_role key (or a token with that role), which the mailbox's JSON API requires. */
export async function hasServiceRole(
  req: IncomingMessage,
  keys: Pick<StackKeys, "serviceRoleKey" | "verify">
): Promise<boolean> {
  const candidates = [
    single(req.headers.apikey),
    /^bearer\s+(\S+)\s*$/i.exec(single(req.headers.authorization) ?? "")?.[1],
  ].filter((value): value is string => Boolean(value))
  for (const candidate of candidates) {
    if (candidate === keys.serviceRoleKey) return true
    try {
      if ((await keys.verify(candidate)).role === "service_role") return true
    } catch {
      // Not a token of this stack: try the next place a key may be.
    }
  }

  return false
}

/**
 * The new API keys, translated as Supabase's gateway does before key-auth (the request-
 * transformer's expression in the CLI's and self-hosting's kong entrypoint):
 *   1. an Authorization header that is not `Bearer sb_…` (a user's session JWT) passes through;
 *   2. otherwise an `apikey` equal to the secret key becomes `Bearer <service_role JWT>`, one
 *      equal to the publishable key `Bearer <anon JWT>`;
 * and for Realtime's WebSocket the `apikey` query parameter is replaced the same way. The
 * services behind then see only the legacy JWTs, as behind hosted's gateway. Beyond Kong's
 * rule, a request whose only key is `Authorization: Bearer sb_…` is read as if it had sent that
 * key as `apikey` too (what a plain fetch with one header sends). Unknown sb_ keys are left
 * alone, so key-auth refuses them as "Invalid API key".
 */
export function createKeyTranslation(keys: Pick<StackKeys, "legacyKeyFor">) {
  return function translateApiKeys(req: IncomingMessage): void {
    const authorization = single(req.headers.authorization)
    const bearerKey = /^bearer\s+(sb_\S+)\s*$/i.exec(authorization ?? "")?.[1]
    const apiKey = single(req.headers.apikey)?.trim() ?? bearerKey
    const legacy = apiKey === undefined ? undefined : keys.legacyKeyFor(apiKey)
    if (legacy !== undefined) {
      req.headers.apikey = legacy
      if (authorization === undefined || bearerKey !== undefined) {
        req.headers.authorization = `Bearer ${legacy}`
      }
    }

    const query = req.url?.indexOf("?") ?? -1
    if (query < 0 || !req.url?.includes("apikey=sb_")) return
    const params = new URLSearchParams(req.url.slice(query + 1))
    const fromQuery = params.get("apikey")
    const mapped = fromQuery === null ? undefined : keys.legacyKeyFor(fromQuery)
    if (mapped === undefined) return
    params.set("apikey", mapped)
    req.url = `${req.url.slice(0, query)}?${params.toString()}`
  }
}
