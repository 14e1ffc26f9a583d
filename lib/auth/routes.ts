// Which requests the proxy guards. Console pages are the default, so a new
// page is private unless it is listed here.

export type RouteAccess =
  /** Machines with bearer tokens; no session cookie is read or written. */
  | "device-api"
  /** Reached signed in or not (email links, the code exchange, sign-out). */
  | "public"
  /** The sign-in forms: a signed-in visitor is sent on to the console. */
  | "guest"
  /** JSON routes that answer 401 themselves rather than redirecting. */
  | "api"
  /** Console pages: signed-out visitors go to sign-in, their path kept. */
  | "console"

const GUEST_PATHS = new Set(["/sign-in", "/sign-up", "/forgot-password"])

function isUnder(pathname: string, prefix: string) {
  return pathname === prefix || pathname.startsWith(`${prefix}/`)
}

export function routeAccess(pathname: string): RouteAccess {
  if (isUnder(pathname, "/api/device")) return "device-api"
  if (isUnder(pathname, "/api")) return "api"
  if (isUnder(pathname, "/auth")) return "public"
  if (GUEST_PATHS.has(pathname.replace(/\/+$/, "") || "/")) return "guest"

  return "console"
}
