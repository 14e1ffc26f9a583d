import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

const numeric = z.union([z.number(), z.string()]).transform(Number)

const recentSessionSchema = z.object({
  id: dbId,
  title: z.string(),
  device_name: z.string().nullable(),
  model: z.string().nullable(),
  message_count: numeric,
  updated_at: z.string(),
})
export type RecentSession = z.infer<typeof recentSessionSchema>

export type RecentSessions = { total: number; sessions: RecentSession[] }

/**
 * How many chat sessions the caller can see (RLS decides: their own and their projects'),
 * and the most recently updated ones. Deleted (tombstoned) sessions are left out by the view.
 */
export async function listRecentSessions(
  supabase: Client,
  { limit = 10 }: { limit?: number } = {}
): Promise<RecentSessions> {
  const { data, count, error } = await supabase
    .from("session_summary")
    .select("id, title, device_name, model, message_count, updated_at", {
      count: "exact",
    })
    .order("updated_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(limit)
  if (error)
    throw new Error(`listRecentSessions: ${error.code} ${error.message}`)

  const sessions = z.array(recentSessionSchema).parse(data)

  return { total: count ?? sessions.length, sessions }
}
