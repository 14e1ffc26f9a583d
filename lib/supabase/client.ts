import { createBrowserClient } from "@supabase/ssr"

import { type Database } from "@/lib/database.types"
import { getPublicEnv } from "@/lib/env"

import { sessionCookieOptions } from "./cookie-options"
import { type Client } from "./types"

/**
 * The Supabase client for client components; it keeps the session in cookies
 * the server can read. On the server use `createClient` from `./server`.
 */
export function createClient(): Client {
  const env = getPublicEnv()

  // createBrowserClient returns one shared instance per page, so calling this
  // in every component is cheap.
  return createBrowserClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    { cookieOptions: sessionCookieOptions(env.NEXT_PUBLIC_SITE_URL) }
  )
}
