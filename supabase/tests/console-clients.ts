import { NODE_REALTIME } from "@lmx/supabase-local/testing/auth"
import { type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"

import { type Database } from "@/lib/database.types"
import { type Client } from "@/lib/supabase/types"

/**
 * The console's typed client signed in with a password, as a test needs it: one session held
 * in memory (nothing persisted, no refresh timer keeping the process alive).
 */
export async function signInWithPassword(
  stack: TestStack,
  credentials: { email: string; password: string }
): Promise<Client> {
  const client = createClient<Database>(stack.url, stack.keys.anonKey, {
    auth: {
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
    },
    realtime: NODE_REALTIME,
  })
  const { error } = await client.auth.signInWithPassword(credentials)
  if (error) throw error

  return client
}
