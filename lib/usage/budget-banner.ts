import { cache } from "react"
import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { createClient } from "@/lib/supabase/server"

const amount = z
  .union([z.number(), z.string()])
  .transform((value) => Number(value))

const crossedSchema = z.object({
  budget_id: dbId,
  project_id: dbId.nullable(),
  project_name: z.string().nullable(),
  level: z.enum(["warning", "exceeded"]),
  spent_usd: amount,
  monthly_usd: amount,
  warn_at_percent: amount,
})
export type CrossedBudget = z.infer<typeof crossedSchema>

/**
 * The budgets over a level this month, for the console's banner (budget_banner: one call,
 * which also records a first crossing). Cached for the request, so a layout and a page that
 * both ask make one round trip. A failure hides the banner rather than the page.
 */
export const getCrossedBudgets = cache(async (): Promise<CrossedBudget[]> => {
  const supabase = await createClient()
  const { data, error } = await supabase.rpc("budget_banner")
  if (error) {
    console.error(`[usage] budget banner: ${error.code} ${error.message}`)
    return []
  }

  return z.array(crossedSchema).parse(data)
})
