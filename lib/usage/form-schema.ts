import { z } from "zod"

import { dbIdWithError } from "@/lib/db-id"

import { timezoneSchema } from "./range"

export const timezoneFormSchema = z.object({ timezone: timezoneSchema })

// Form fields arrive as text; an empty optional field means "not set".
const optionalNumber = (message: string, max: number) =>
  z.preprocess(
    (value) =>
      value === "" || value === undefined || value === null
        ? null
        : Number(value),
    z
      .number({ error: message })
      .min(0, { error: message })
      .max(max, { error: message })
      .nullable()
  )
const requiredNumber = (message: string, max: number) =>
  z.preprocess(
    (value) =>
      value === "" || value === undefined ? Number.NaN : Number(value),
    z
      .number({ error: message })
      .min(0, { error: message })
      .max(max, { error: message })
  )

export const devicePriceSchema = z
  .object({
    device_id: dbIdWithError("That device no longer exists."),
    mode: z.enum(["hourly", "energy", "none"], {
      error: "Choose how the device is priced.",
    }),
    usd_per_hour: optionalNumber("Enter dollars per hour, 0 or more.", 10_000),
    usd_per_kwh: optionalNumber("Enter dollars per kWh, 0 or more.", 100),
    idle_watts: optionalNumber("Enter idle watts, 0 or more.", 100_000),
    busy_watts: optionalNumber("Enter busy watts, 0 or more.", 100_000),
  })
  .superRefine((value, ctx) => {
    if (value.mode === "hourly" && value.usd_per_hour === null) {
      ctx.addIssue({
        code: "custom",
        path: ["usd_per_hour"],
        message: "Enter dollars per hour.",
      })
    }
    if (value.mode === "energy") {
      if (value.usd_per_kwh === null) {
        ctx.addIssue({
          code: "custom",
          path: ["usd_per_kwh"],
          message: "Enter dollars per kWh.",
        })
      }
      if (value.busy_watts === null) {
        ctx.addIssue({
          code: "custom",
          path: ["busy_watts"],
          message: "Enter the watts the device draws while generating.",
        })
      }
    }
  })
export type DevicePriceInput = z.infer<typeof devicePriceSchema>

const modelName = z
  .string()
  .trim()
  .min(1, { error: "Enter a model name." })
  .max(200, { error: "Model names are at most 200 characters." })

export const modelPriceSchema = z.object({
  model: modelName,
  input_per_mtok: requiredNumber(
    "Enter the input price per million tokens.",
    100_000
  ),
  output_per_mtok: requiredNumber(
    "Enter the output price per million tokens.",
    100_000
  ),
  cached_per_mtok: requiredNumber(
    "Enter the cached input price per million tokens.",
    100_000
  ),
  effective_from: z.iso.date({
    error: "Enter the date the price takes effect.",
  }),
})
export type ModelPriceInput = z.infer<typeof modelPriceSchema>

export const modelPriceDeleteSchema = z.object({
  id: dbIdWithError("That price no longer exists."),
})

export const modelReferenceSchema = z.object({
  model: modelName,
  // Empty: go back to the default reference (remove the user's own mapping).
  reference_model: z
    .string()
    .trim()
    .max(200)
    .transform((value) => value || null),
})

export const budgetSchema = z.object({
  scope: z.enum(["user", "project"]),
  project_id: z.string().optional(),
  monthly_usd: z.preprocess(
    (value) => Number(value),
    z
      .number({ error: "Enter a monthly budget in dollars." })
      .gt(0, { error: "Enter a budget above $0." })
      .max(10_000_000)
  ),
  monthly_tokens: optionalNumber(
    "Enter a whole number of tokens, or leave it empty.",
    1e15
  ),
  warn_at_percent: z.preprocess(
    (value) => Number(value),
    z
      .number()
      .int({ error: "Enter a whole percentage." })
      .min(1, { error: "Between 1 and 100." })
      .max(100, { error: "Between 1 and 100." })
  ),
})
