import { type Client } from "@/lib/devices/queries"
import { createClient } from "@/lib/supabase/client"

/** The browser Supabase client, typed with the generated Database for the device queries. */
export function createDevicesClient(): Client {
  // createClient() is untyped (lib/supabase is shared); the rows are the generated Database's.
  return createClient() as unknown as Client
}
