"use server"

import { revalidatePath } from "next/cache"

import {
  fail,
  formFields,
  invalid,
  ok,
  type ActionResult,
} from "@/lib/action-result"
import { getCurrentUser } from "@/lib/auth/current-user"
import { createClient } from "@/lib/supabase/server"

import {
  budgetSchema,
  devicePriceSchema,
  modelPriceDeleteSchema,
  modelPriceSchema,
  modelReferenceSchema,
  timezoneFormSchema,
} from "./form-schema"

const FAILED = "Could not save the change. Try again in a moment."

// Forms post FormData; buttons and tests pass plain objects.
function fieldsOf(input: unknown): unknown {
  return input instanceof FormData ? formFields(input) : input
}

/** The reporting timezone is a profile setting; RLS lets a user update only their own. */
export async function saveReportingTimezone(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ timezone: string }>> {
  const parsed = timezoneFormSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const user = await getCurrentUser()
  const supabase = await createClient()
  const { error } = await supabase
    .from("profiles")
    .update({ timezone: parsed.data.timezone })
    .eq("id", user.id)
  if (error) {
    console.error(
      `[usage] timezone save failed: ${error.code} ${error.message}`
    )

    return fail(FAILED)
  }

  return ok({ timezone: parsed.data.timezone })
}

/**
 * A device's local price; saving re-prices all its messages in the database (a trigger), so
 * the dashboard's local cost is exact as soon as this returns.
 */
export async function saveDevicePrice(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ deviceId: string }>> {
  const parsed = devicePriceSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const price = parsed.data
  const user = await getCurrentUser()
  const supabase = await createClient()

  const { error } =
    price.mode === "none"
      ? await supabase
          .from("device_prices")
          .delete()
          .eq("device_id", price.device_id)
      : await supabase.from("device_prices").upsert({
          device_id: price.device_id,
          user_id: user.id,
          mode: price.mode,
          usd_per_hour: price.mode === "hourly" ? price.usd_per_hour : null,
          usd_per_kwh: price.mode === "energy" ? price.usd_per_kwh : null,
          idle_watts: price.mode === "energy" ? price.idle_watts : null,
          busy_watts: price.mode === "energy" ? price.busy_watts : null,
        })
  if (error) {
    console.error(`[usage] device price failed: ${error.code} ${error.message}`)
    // 42501: RLS refused (not the caller's device).
    return fail(
      error.code === "42501" ? "That device is not yours to price." : FAILED
    )
  }
  revalidatePath("/usage", "layout")

  return ok({ deviceId: price.device_id })
}

/** The user's own price for a model from a date; the database re-prices from that date. */
export async function saveModelPrice(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ model: string }>> {
  const parsed = modelPriceSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const price = parsed.data
  const user = await getCurrentUser()
  const supabase = await createClient()
  const { error } = await supabase.from("model_prices").upsert(
    {
      user_id: user.id,
      model: price.model,
      input_per_mtok: price.input_per_mtok,
      output_per_mtok: price.output_per_mtok,
      cached_per_mtok: price.cached_per_mtok,
      // Midnight UTC of the chosen date.
      effective_from: `${price.effective_from}T00:00:00Z`,
    },
    { onConflict: "user_id,model,effective_from" }
  )
  if (error) {
    console.error(`[usage] model price failed: ${error.code} ${error.message}`)

    return fail(FAILED)
  }
  revalidatePath("/usage", "layout")

  return ok({ model: price.model })
}

export async function deleteModelPrice(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ id: string }>> {
  const parsed = modelPriceDeleteSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const supabase = await createClient()
  const { data, error } = await supabase
    .from("model_prices")
    .delete()
    .eq("id", parsed.data.id)
    .select("id")
    .maybeSingle()
  if (error) {
    console.error(`[usage] price delete failed: ${error.code} ${error.message}`)

    return fail(FAILED)
  }
  if (!data) return fail("Only your own prices can be removed.")
  revalidatePath("/usage", "layout")

  return ok({ id: data.id })
}

/** Map a local model to a reference cloud model (or back to the default with an empty one). */
export async function saveModelReference(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<{ model: string }>> {
  const parsed = modelReferenceSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const { model, reference_model } = parsed.data
  const user = await getCurrentUser()
  const supabase = await createClient()
  const { error } =
    reference_model === null
      ? await supabase
          .from("model_references")
          .delete()
          .eq("user_id", user.id)
          .eq("model", model)
      : await supabase
          .from("model_references")
          .upsert(
            { user_id: user.id, model, reference_model },
            { onConflict: "user_id,model" }
          )
  if (error) {
    console.error(`[usage] reference failed: ${error.code} ${error.message}`)

    return fail(FAILED)
  }
  revalidatePath("/usage", "layout")

  return ok({ model })
}

export async function saveBudget(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<null>> {
  const parsed = budgetSchema.safeParse(fieldsOf(input))
  if (!parsed.success) return invalid(parsed.error)
  const budget = parsed.data
  const user = await getCurrentUser()
  const supabase = await createClient()
  const row = {
    monthly_usd: budget.monthly_usd,
    monthly_tokens: budget.monthly_tokens,
    warn_at_percent: budget.warn_at_percent,
  }
  const { error } =
    budget.scope === "user"
      ? await supabase
          .from("usage_budgets")
          .upsert({ ...row, user_id: user.id }, { onConflict: "user_id" })
      : budget.project_id
        ? await supabase
            .from("usage_budgets")
            .upsert(
              { ...row, project_id: budget.project_id },
              { onConflict: "project_id" }
            )
        : { error: { code: "22023", message: "no project" } }
  if (error) {
    console.error(`[usage] budget failed: ${error.code} ${error.message}`)

    return fail(
      error.code === "42501"
        ? "Only a project's admins and owners set its budget."
        : FAILED
    )
  }
  revalidatePath("/usage", "layout")

  return ok(null)
}
