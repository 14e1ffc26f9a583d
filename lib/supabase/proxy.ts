import { NextResponse, type NextRequest } from "next/server"
import { createServerClient } from "@supabase/ssr"
import {
  isAuthSessionMissingError,
  type AuthError,
} from "@supabase/supabase-js"

import { type Database } from "@/lib/database.types"
import { getPublicEnv } from "@/lib/env"
import { serverRealtimeOptions } from "@/lib/supabase/server-realtime"

import { sessionCookieOptions } from "./cookie-options"

/**
 * Refreshes the Supabase session cookie for one request; call it from the
 * root proxy.ts only. Returns the response to send on (it carries the
 * refreshed cookies) and the verified JWT claims, or null when signed out.
 *
 * With `verifySession`, it also asks Auth whether the token's session still
 * exists (a network round trip, so only when a page found it gone): a session
 * ended elsewhere ("sign out everywhere") leaves a token that verifies until
 * it expires, and its cookies are then cleared here.
 */
export async function updateSession(
  request: NextRequest,
  { verifySession = false }: { verifySession?: boolean } = {}
) {
  const env = getPublicEnv()
  let response = NextResponse.next({ request })

  const supabase = createServerClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    {
      cookieOptions: sessionCookieOptions(env.NEXT_PUBLIC_SITE_URL),
      realtime: serverRealtimeOptions,
      cookies: {
        getAll() {
          return request.cookies.getAll()
        },
        setAll(cookiesToSet, headers) {
          // Write the new tokens onto the request too, so server components
          // rendering this same request see the refreshed session rather than
          // the expired one (and do not refresh it a second time).
          for (const { name, value } of cookiesToSet) {
            request.cookies.set(name, value)
          }
          response = NextResponse.next({ request })
          for (const { name, value, options } of cookiesToSet) {
            response.cookies.set(name, value, options)
          }
          // A CDN must never cache a response that carries someone's tokens.
          for (const [key, value] of Object.entries(headers)) {
            response.headers.set(key, value)
          }
        },
      },
    }
  )

  // Nothing may run between creating the client and this call: getClaims()
  // verifies the JWT and refreshes an expired one, and skipping or delaying it
  // signs users out at random. Return `response` itself (or copy its cookies
  // onto any other response), or the browser and server sessions drift apart.
  const { data } = await supabase.auth.getClaims()
  if (data?.claims && verifySession) {
    const { error } = await supabase.auth.getUser()
    if (error && isSessionGone(error)) {
      // Scope "local": only this browser's cookies; the session is gone on Auth already.
      await supabase.auth.signOut({ scope: "local" })

      return { response, claims: null, supabase }
    }
  }

  return { response, claims: data?.claims ?? null, supabase }
}

/**
 * Auth's answer for a token whose session no longer exists: 403 session_not_found, which
 * supabase-js reports as AuthSessionMissingError once it has dropped the session.
 */
function isSessionGone(error: AuthError) {
  return (
    isAuthSessionMissingError(error) ||
    error.code === "session_not_found" ||
    error.code === "session_expired" ||
    error.status === 401 ||
    error.status === 403
  )
}
