import { routeAccess } from "./routes"
import { safeNextPath } from "./safe-next-path"

// Every URL the console hands to Auth as a redirect target is built here, on
// the configured site origin, so the allow list in supabase/config.toml
// (https://lmx.optalocal.com/**, localhost for development) accepts it.

/**
 * Where email links and OAuth send people back to: the PKCE code exchange.
 * `next` is always present, even as "/", so the email templates in
 * supabase/templates can append `&token_hash=…` to `{{ .RedirectTo }}`.
 */
export function callbackUrl(siteUrl: string, next: string): string {
  const url = new URL("/auth/callback", siteUrl)
  url.searchParams.set("next", safeNextPath(next))

  return url.toString()
}

/** The sign-in page with a copy key and the path to return to. */
export function signInPath(
  options: { next?: string; error?: string; tab?: string } = {}
): string {
  const params = new URLSearchParams()
  const next = safeNextPath(options.next)
  if (next !== "/") params.set("next", next)
  if (options.error) params.set("error", options.error)
  if (options.tab) params.set("tab", options.tab)
  const query = params.toString()

  return query ? `/sign-in?${query}` : "/sign-in"
}

/**
 * Where a person goes once signed in: the checked `next`, else "/", which
 * opens the devices page. Never back to a sign-in form or an auth route
 * (a crafted `next=/auth/sign-out` would only show an error page).
 */
export function afterSignInPath(next: string | null | undefined): string {
  const path = safeNextPath(next)
  const access = routeAccess(new URL(path, "https://next.invalid").pathname)

  return access === "guest" || access === "public" ? "/" : path
}
