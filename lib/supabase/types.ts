import { type SupabaseClient } from "@supabase/supabase-js"

import { type Database } from "@/lib/database.types"

/**
 * A Supabase client typed with the generated Database: what every domain's queries and
 * actions take. The browser (`./client`) and server (`./server`) clients both return one, so
 * the same query function runs on either side of a hydration.
 */
export type Client = SupabaseClient<Database>
