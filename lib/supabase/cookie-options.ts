import { type CookieOptionsWithName } from "@supabase/ssr"

/**
 * Options for the Supabase session cookies, shared by the browser, server and
 * proxy clients so all three write the same cookie. SameSite=Lax keeps the
 * session off cross-site POSTs (sign-out, server actions) while links from
 * emails still arrive signed in; Secure whenever the console is served over
 * https (production), because a session cookie must never travel in clear.
 */
export function sessionCookieOptions(siteUrl: string): CookieOptionsWithName {
  return {
    path: "/",
    sameSite: "lax",
    secure: new URL(siteUrl).protocol === "https:",
  }
}
