import { z } from "zod"

import { type Client } from "@/lib/supabase/types"

export const USAGE_WINDOW_DAYS = 30

// Postgres numeric/bigint sums may arrive as strings; null when a view's sum has no rows.
const amount = z
  .union([z.number(), z.string(), z.null()])
  .transform((value) => Number(value ?? 0))

const usageByModelRowSchema = z.object({
  model: z.string().nullable(),
  message_count: amount,
  input_tokens: amount,
  output_tokens: amount,
  cached_tokens: amount,
  cost_usd: amount,
})

export type ModelUsage = {
  /** null: messages whose model the device did not report. */
  model: string | null
  messages: number
  inputTokens: number
  outputTokens: number
  cachedTokens: number
  costUsd: number
}

export type UsageSummary = {
  days: number
  since: string
  byModel: ModelUsage[]
  total: Omit<ModelUsage, "model">
}

const ZERO = {
  messages: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  costUsd: 0,
}

function add<T extends Omit<ModelUsage, "model">>(
  sum: T,
  row: z.infer<typeof usageByModelRowSchema>
): T {
  return {
    ...sum,
    messages: sum.messages + row.message_count,
    inputTokens: sum.inputTokens + row.input_tokens,
    outputTokens: sum.outputTokens + row.output_tokens,
    cachedTokens: sum.cachedTokens + row.cached_tokens,
    costUsd: sum.costUsd + row.cost_usd,
  }
}

/**
 * Tokens and cost per model over the last 30 UTC days (usage_by_model, one row per model and
 * day), summed per model, costliest first.
 */
export async function getUsageByModel(
  supabase: Client,
  { now = new Date() }: { now?: Date } = {}
): Promise<UsageSummary> {
  const since = new Date(now.getTime() - USAGE_WINDOW_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10)
  const { data, error } = await supabase
    .from("usage_by_model")
    .select(
      "model, message_count, input_tokens, output_tokens, cached_tokens, cost_usd"
    )
    .gte("day", since)
    .limit(10_000)
  if (error) throw new Error(`getUsageByModel: ${error.code} ${error.message}`)

  const rows = z.array(usageByModelRowSchema).parse(data)
  const byModel = new Map<string | null, ModelUsage>()
  for (const row of rows) {
    byModel.set(
      row.model,
      add(byModel.get(row.model) ?? { model: row.model, ...ZERO }, row)
    )
  }

  return {
    days: USAGE_WINDOW_DAYS,
    since,
    byModel: [...byModel.values()].sort(
      (a, b) =>
        b.costUsd - a.costUsd || (a.model ?? "").localeCompare(b.model ?? "")
    ),
    total: rows.reduce(add, { ...ZERO }),
  }
}
