import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

const amount = z.union([z.number(), z.string()]).transform(Number)
const optionalAmount = z
  .union([z.number(), z.string(), z.null()])
  .transform((v) => (v === null ? null : Number(v)))

const priceSchema = z.object({
  id: dbId,
  user_id: z.string().nullable(),
  model: z.string(),
  input_per_mtok: amount,
  output_per_mtok: amount,
  cached_per_mtok: amount,
  effective_from: z.string(),
})
export type ModelPrice = z.infer<typeof priceSchema>

const referenceSchema = z.object({
  id: dbId,
  user_id: z.string().nullable(),
  model: z.string(),
  reference_model: z.string(),
})
export type ModelReference = z.infer<typeof referenceSchema>

const devicePriceSchema = z.object({
  id: dbId,
  name: z.string(),
  role: z.string(),
  price: z
    .object({
      mode: z.enum(["hourly", "energy"]),
      usd_per_hour: optionalAmount,
      usd_per_kwh: optionalAmount,
      idle_watts: optionalAmount,
      busy_watts: optionalAmount,
    })
    .nullable(),
})
export type PricedDevice = z.infer<typeof devicePriceSchema>

const budgetSchema = z.object({
  id: dbId,
  user_id: z.string().nullable(),
  project_id: z.string().nullable(),
  monthly_usd: amount,
  monthly_tokens: optionalAmount,
  warn_at_percent: amount,
})
export type Budget = z.infer<typeof budgetSchema>

/** Everything /usage/prices shows; RLS limits each to the global rows and the caller's own. */
export async function getPricesPage(supabase: Client) {
  const [prices, references, devices, budgets] = await Promise.all([
    supabase
      .from("model_prices")
      .select(
        "id, user_id, model, input_per_mtok, output_per_mtok, cached_per_mtok, effective_from"
      )
      .order("model")
      .order("effective_from", { ascending: false })
      .limit(1000),
    supabase
      .from("model_references")
      .select("id, user_id, model, reference_model")
      .order("model")
      .limit(1000),
    supabase
      .from("devices")
      .select(
        "id, name, role, price:device_prices(mode, usd_per_hour, usd_per_kwh, idle_watts, busy_watts)"
      )
      .is("revoked_at", null)
      .order("name")
      .limit(200),
    supabase
      .from("usage_budgets")
      .select(
        "id, user_id, project_id, monthly_usd, monthly_tokens, warn_at_percent"
      )
      .limit(200),
  ])
  for (const result of [prices, references, devices, budgets]) {
    if (result.error)
      throw new Error(
        `getPricesPage: ${result.error.code} ${result.error.message}`
      )
  }

  return {
    prices: z.array(priceSchema).parse(prices.data),
    references: z.array(referenceSchema).parse(references.data),
    devices: z.array(devicePriceSchema).parse(devices.data),
    budgets: z.array(budgetSchema).parse(budgets.data),
  }
}
