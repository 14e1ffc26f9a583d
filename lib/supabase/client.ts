import { createBrowserClient } from "@supabase/ssr"

import { sessionCookieOptions } from "@/lib/auth/cookie-options"
import { getPublicEnv } from "@/lib/env"

/**
 * The Supabase client for client components; it keeps the session in cookies
 * the server can read. On the server use `createClient` from `./server`.
 */
export function createClient() {
  const env = getPublicEnv()

  // createBrowserClient returns one shared instance per page, so calling this
  // in every component is cheap.
  return createBrowserClient(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
    { cookieOptions: sessionCookieOptions(env.NEXT_PUBLIC_SITE_URL) }
  )
}
