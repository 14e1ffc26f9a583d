import { z } from "zod"

import { type Client } from "@/lib/supabase/types"

import { averageTokensPerSecond, perMillionTokens, savings } from "./local-cost"
import { type DateRange, type Stack } from "./range"

// Postgres numeric/bigint arrive as JSON numbers (or strings through some paths).
const amount = z
  .union([z.number(), z.string(), z.null()])
  .transform((value) => Number(value ?? 0))

const totalsSchema = z.object({
  messages: amount,
  input: amount,
  output: amount,
  cached: amount,
  cost: amount,
  local: amount,
  cloud: amount,
  timed: amount,
  seconds: amount,
})
export type UsageTotals = z.infer<typeof totalsSchema>

// [day, stacked key, cost, input + output tokens]: what the chart draws.
const dayRowSchema = z.tuple([
  z.string(),
  z.string().nullable(),
  amount,
  amount,
])
// [day, cost, tokens] of the keys the chart folds into "Other", summed per day.
const otherDayRowSchema = z.tuple([z.string(), amount, amount])
const groupRowSchema = z.tuple([
  z.enum(["model", "device", "project", "model_device"]),
  z.string().nullable(),
  z.string().nullable(),
  z.string().nullable(),
  amount,
  amount,
  amount,
  amount,
  amount,
  amount,
  amount,
  amount,
  amount,
])

const dashboardSchema = z.object({
  totals: totalsSchema,
  previous: totalsSchema,
  days: z.array(dayRowSchema),
  other_days: z.array(otherDayRowSchema),
  keys: amount,
  groups: z.array(groupRowSchema),
})

export type UsageFilters = {
  projectId?: string | null
  deviceId?: string | null
  model?: string | null
}

export type DaySlice = {
  day: string
  /** The stacked dimension's value: a model, device id or project id (null: none). */
  key: string | null
  cost: number
  /** Input plus output tokens. */
  tokens: number
}

export type UsageGroup = {
  model: string | null
  deviceId: string | null
  projectId: string | null
  totals: UsageTotals
}

export type UsageDashboard = {
  totals: UsageTotals
  previous: UsageTotals
  /** The stacked keys the chart can colour, one slice per day and key. */
  days: DaySlice[]
  /** The rest of the keys, summed per day (the chart's "Other"). */
  otherDays: Omit<DaySlice, "key">[]
  /** How many stacked keys the range has in all, folded ones included. */
  keyCount: number
  byModel: UsageGroup[]
  byDevice: UsageGroup[]
  byProject: UsageGroup[]
  byModelDevice: UsageGroup[]
}

/** The whole /usage page's figures for a range in a timezone, in one call (usage_dashboard). */
export async function getUsageDashboard(
  supabase: Client,
  {
    range,
    timezone,
    filters,
    stack,
  }: { range: DateRange; timezone: string; filters: UsageFilters; stack: Stack }
): Promise<UsageDashboard> {
  const { data, error } = await supabase.rpc("usage_dashboard", {
    p_from: range.from,
    p_to: range.to,
    p_tz: timezone,
    p_project: filters.projectId ?? undefined,
    p_device: filters.deviceId ?? undefined,
    p_model: filters.model ?? undefined,
    p_stack: stack,
  })
  if (error)
    throw new Error(`getUsageDashboard: ${error.code} ${error.message}`)
  const parsed = dashboardSchema.parse(data)

  const groups = parsed.groups.map(
    ([dimension, model, deviceId, projectId, ...n]) => ({
      dimension,
      model,
      deviceId,
      projectId,
      totals: {
        messages: n[0],
        input: n[1],
        output: n[2],
        cached: n[3],
        cost: n[4],
        local: n[5],
        cloud: n[6],
        timed: n[7],
        seconds: n[8],
      },
    })
  )
  const of = (dimension: string) =>
    groups
      .filter((group) => group.dimension === dimension)
      .map(({ model, deviceId, projectId, totals }) => ({
        model,
        deviceId,
        projectId,
        totals,
      }))
      .sort(
        (a, b) =>
          b.totals.cost - a.totals.cost || b.totals.messages - a.totals.messages
      )

  return {
    totals: parsed.totals,
    previous: parsed.previous,
    days: parsed.days.map(([day, key, cost, tokens]) => ({
      day,
      key,
      cost,
      tokens,
    })),
    otherDays: parsed.other_days.map(([day, cost, tokens]) => ({
      day,
      cost,
      tokens,
    })),
    keyCount: parsed.keys,
    byModel: of("model"),
    byDevice: of("device"),
    byProject: of("project"),
    byModelDevice: of("model_device"),
  }
}

/** The derived figures a row or the headline shows. */
export function derive(totals: UsageTotals) {
  return {
    tokensPerSecond: averageTokensPerSecond(totals.timed, totals.seconds),
    localPerMillion: perMillionTokens(totals.local, totals.output),
    savings: totals.cloud > 0 ? savings(totals.cloud, totals.local) : null,
  }
}

/** Change against the previous range, as a fraction; null when there is nothing to compare. */
export function change(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null

  return (current - previous) / previous
}

const speedRowSchema = z.object({
  model: z.string(),
  device_id: z.string().nullable(),
  hours: amount,
  p10: amount,
  p50: amount,
  p90: amount,
})
export type SpeedRow = {
  model: string
  deviceId: string | null
  hours: number
  p10: number
  p50: number
  p90: number
}

/**
 * Tokens per second per model and device: the spread (10th, 50th, 90th percentile) of the
 * hourly averages in the range.
 */
export async function getUsageSpeeds(
  supabase: Client,
  {
    range,
    timezone,
    filters,
  }: { range: DateRange; timezone: string; filters: UsageFilters }
): Promise<SpeedRow[]> {
  const { data, error } = await supabase.rpc("usage_speeds", {
    p_from: range.from,
    p_to: range.to,
    p_tz: timezone,
    p_project: filters.projectId ?? undefined,
    p_device: filters.deviceId ?? undefined,
    p_model: filters.model ?? undefined,
  })
  if (error) throw new Error(`getUsageSpeeds: ${error.code} ${error.message}`)

  return z
    .array(speedRowSchema)
    .parse(data)
    .map((row) => ({
      model: row.model,
      deviceId: row.device_id,
      hours: row.hours,
      p10: row.p10,
      p50: row.p50,
      p90: row.p90,
    }))
}
