import "server-only"

import { cookies } from "next/headers"
import { createServerClient } from "@supabase/ssr"

import { type Database } from "@/lib/database.types"
import { getPublicEnv } from "@/lib/env"
import { serverRealtimeOptions } from "@/lib/supabase/server-realtime"

import { sessionCookieOptions } from "./cookie-options"
import { type Client } from "./types"

/**
 * The Supabase client for server components, server actions and route handlers
 * that act as the signed-in user (RLS applies). Create one per request, never
 * share it. In client components use `./client`; in proxy.ts use `./proxy`.
 */
export async function createClient(): Promise<Client> {
  const env = getPublicEnv()
  const cookieStore = await cookies()

  return createServerClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    {
      cookieOptions: sessionCookieOptions(env.NEXT_PUBLIC_SITE_URL),
      realtime: serverRealtimeOptions,
      cookies: {
        getAll() {
          return cookieStore.getAll()
        },
        setAll(cookiesToSet) {
          try {
            for (const { name, value, options } of cookiesToSet) {
              cookieStore.set(name, value, options)
            }
          } catch {
            // Server components cannot set cookies. That is fine as long as
            // proxy.ts refreshes the session on every request, so the
            // refreshed cookies reach the browser from there.
          }
        },
      },
    }
  )
}
