import { type SupabaseClient } from "@supabase/supabase-js"

import { type Database } from "@/lib/database.types"

/**
 * A Supabase client typed with the generated Database: what every domain's queries and
 * actions take. The browser (`./client`), server (`./server`) and proxy (`./proxy`) clients
 * all are one, so the same query function runs on either side of a hydration.
 */
export type Client = SupabaseClient<Database>
