import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

export const RUN_STATUSES = [
  "queued",
  "claimed",
  "running",
  "succeeded",
  "failed",
  "canceled",
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

const recentRunSchema = z.object({
  id: dbId,
  status: z.enum(RUN_STATUSES),
  created_at: z.string(),
  workflow: z.object({ name: z.string() }).nullable(),
  project: z.object({ name: z.string() }).nullable(),
})
export type RecentRun = z.infer<typeof recentRunSchema>

export type RecentRuns = { total: number; runs: RecentRun[] }

/** How many runs the caller can see (their projects', by RLS) and the newest ones. */
export async function listRecentRuns(
  supabase: Client,
  { limit = 10 }: { limit?: number } = {}
): Promise<RecentRuns> {
  const { data, count, error } = await supabase
    .schema("ops")
    .from("runs")
    .select(
      "id, status, created_at, workflow:workflows(name), project:projects(name)",
      { count: "exact" }
    )
    .order("created_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(limit)
  if (error) throw new Error(`listRecentRuns: ${error.code} ${error.message}`)

  const runs = z.array(recentRunSchema).parse(data)

  return { total: count ?? runs.length, runs }
}
