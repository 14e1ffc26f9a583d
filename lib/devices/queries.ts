import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

const text = z.string().min(1).optional().catch(undefined)

/**
 * What the console reads from a device's self-reported `capabilities`. Devices write this
 * jsonb, so every field is parsed leniently: one odd value hides that value, not the device.
 */
export const deviceCapabilitiesViewSchema = z
  .object({
    gpu: text,
    /** Each GPU or accelerator (agent/accelerators.ts); an odd entry hides itself only. */
    accelerators: z
      .array(
        z
          .object({
            name: z.string().min(1),
            vendor: text,
            memory_gb: z.number().nonnegative().optional().catch(undefined),
            cores: z.number().int().positive().optional().catch(undefined),
            driver: text,
            unified_memory: z.boolean().optional().catch(undefined),
          })
          .nullable()
          .catch(null)
      )
      .transform((list) => list.filter((item) => item !== null))
      .optional()
      .catch(undefined),
    cpu: text,
    cpu_cores: z.number().int().positive().optional().catch(undefined),
    memory_gb: z.number().nonnegative().optional().catch(undefined),
    server: text,
    models_loaded: z.array(z.string()).optional().catch(undefined),
    tokens_per_second: z.number().nonnegative().optional().catch(undefined),
    llm_server: z
      .object({
        port: z.number().int(),
        reachable: z.boolean(),
        latency_ms: z.number().optional(),
        error: z.string().optional(),
      })
      .optional()
      .catch(undefined),
    sync_status: z
      .object({
        pending: z.number().int().nonnegative(),
        last_error: z.string().nullable(),
        at: z.string(),
      })
      .optional()
      .catch(undefined),
  })
  .catch({})
export type DeviceCapabilitiesView = z.infer<
  typeof deviceCapabilitiesViewSchema
>

export const helperConfigViewSchema = z
  .object({
    auto_start: z.boolean().optional().catch(undefined),
    max_concurrent: z.number().int().positive().optional().catch(undefined),
    relay: z.boolean().optional().catch(undefined),
  })
  .catch({})

export const DEVICE_COLUMNS =
  "id, name, role, helper_enabled, helper_config, hostname, platform, app_version, lan_ip, lan_port, tunnel_url, capabilities, last_seen_at, paired_at, revoked_at, updated_at"

/** A device row as the console uses it; also parses Realtime payloads (extra keys drop). */
export const deviceSchema = z.object({
  id: dbId,
  name: z.string(),
  role: z.enum(["llm_host", "workstation"]),
  helper_enabled: z.boolean(),
  helper_config: helperConfigViewSchema,
  hostname: z.string().nullable(),
  platform: z.string().nullable(),
  app_version: z.string().nullable(),
  lan_ip: z.string().nullable(),
  lan_port: z.number().int(),
  tunnel_url: z.string().nullable(),
  capabilities: deviceCapabilitiesViewSchema,
  last_seen_at: z.string().nullable(),
  paired_at: z.string(),
  revoked_at: z.string().nullable(),
  updated_at: z.string(),
})
export type Device = z.infer<typeof deviceSchema>

/** Live devices first, then by name; revoked ones last. */
export function sortDevices(devices: Device[]): Device[] {
  return [...devices].sort((a, b) => {
    if (!a.revoked_at !== !b.revoked_at) return a.revoked_at ? 1 : -1

    return a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
  })
}

export async function listDevices(
  supabase: Client,
  { userId }: { userId: string }
): Promise<Device[]> {
  const { data, error } = await supabase
    .from("devices")
    .select(DEVICE_COLUMNS)
    .eq("user_id", userId)
    .order("updated_at", { ascending: false })
    .limit(500)
  if (error) throw new Error(`listDevices: ${error.code} ${error.message}`)

  return sortDevices(z.array(deviceSchema).parse(data))
}

export async function getDevice(
  supabase: Client,
  { userId, id }: { userId: string; id: string }
): Promise<Device | null> {
  const { data, error } = await supabase
    .from("devices")
    .select(DEVICE_COLUMNS)
    .eq("user_id", userId)
    .eq("id", id)
    .maybeSingle()
  if (error) throw new Error(`getDevice: ${error.code} ${error.message}`)

  return data ? deviceSchema.parse(data) : null
}

export const DEVICE_ACTIVITY_ACTIONS = [
  "device.pairing_approved",
  "device.pairing_denied",
  "device.renamed",
  "device.revoked",
  "device.deleted",
] as const

export const deviceActivitySchema = z.object({
  id: dbId,
  action: z.enum(DEVICE_ACTIVITY_ACTIONS),
  target_id: dbId.nullable(),
  created_at: z.string(),
  details: z
    .object({
      name: z.string().optional().catch(undefined),
      from: z.string().optional().catch(undefined),
      to: z.string().optional().catch(undefined),
      hostname: z.string().nullable().optional().catch(undefined),
      platform: z.string().nullable().optional().catch(undefined),
      requested_ip: z.string().nullable().optional().catch(undefined),
    })
    .catch({}),
})
export type DeviceActivity = z.infer<typeof deviceActivitySchema>

/** Pairings (approved and denied), renames and revocations the user made, newest first. */
export async function listDeviceActivity(
  supabase: Client,
  { userId, deviceId }: { userId: string; deviceId?: string }
): Promise<DeviceActivity[]> {
  let query = supabase
    .from("audit_log")
    .select("id, action, target_id, created_at, details")
    .eq("actor_user_id", userId)
    .in("action", [...DEVICE_ACTIVITY_ACTIONS])
  if (deviceId) query = query.eq("target_id", deviceId)
  const { data, error } = await query
    .order("created_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(20)
  if (error)
    throw new Error(`listDeviceActivity: ${error.code} ${error.message}`)

  return z.array(deviceActivitySchema).parse(data)
}

const numeric = z.union([z.number(), z.string()]).transform(Number)

export const deviceSessionSchema = z.object({
  id: dbId,
  title: z.string(),
  model: z.string().nullable(),
  message_count: z.number(),
  token_count: numeric,
  cost_usd: numeric,
  updated_at: z.string(),
})
export type DeviceSession = z.infer<typeof deviceSessionSchema>

/** The device's most recently updated chat sessions (cloud_sessions.device_id). */
export async function listDeviceSessions(
  supabase: Client,
  { deviceId }: { deviceId: string }
): Promise<DeviceSession[]> {
  const { data, error } = await supabase
    .from("cloud_sessions")
    .select(
      "id, title, model, message_count, token_count, cost_usd, updated_at"
    )
    .eq("device_id", deviceId)
    .is("deleted_at", null)
    .order("updated_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(10)
  if (error)
    throw new Error(`listDeviceSessions: ${error.code} ${error.message}`)

  return z.array(deviceSessionSchema).parse(data)
}

export const deviceSyncSummarySchema = z.object({
  device_id: dbId,
  last_synced_at: z.string().nullable(),
  session_count: z.number().int(),
})
export type DeviceSyncSummary = z.infer<typeof deviceSyncSummarySchema>

/**
 * Per device of the user: the newest last_modified_at it pushed and how many live sessions it
 * synced (the device_sync_summaries view), keyed by device id.
 */
export async function listDeviceSyncSummaries(
  supabase: Client,
  { userId }: { userId: string }
): Promise<Record<string, DeviceSyncSummary>> {
  // The view filters to the caller's own sessions; userId keeps the key honest.
  void userId
  const { data, error } = await supabase
    .from("device_sync_summaries")
    .select("device_id, last_synced_at, session_count")
    .limit(500)
  if (error)
    throw new Error(`listDeviceSyncSummaries: ${error.code} ${error.message}`)

  return Object.fromEntries(
    z
      .array(deviceSyncSummarySchema)
      .parse(data)
      .map((row) => [row.device_id, row])
  )
}

export const deviceRunSchema = z.object({
  id: dbId,
  status: z.enum([
    "queued",
    "claimed",
    "running",
    "succeeded",
    "failed",
    "canceled",
  ]),
  queued_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  exit_code: z.number().nullable(),
})
export type DeviceRun = z.infer<typeof deviceRunSchema>

/** Runs this device claimed as a worker (ops.runs.claimed_by), newest first. */
export async function listDeviceRuns(
  supabase: Client,
  { deviceId }: { deviceId: string }
): Promise<DeviceRun[]> {
  const { data, error } = await supabase
    .schema("ops")
    .from("runs")
    .select("id, status, queued_at, started_at, finished_at, exit_code")
    .eq("claimed_by", deviceId)
    .order("queued_at", { ascending: false })
    .order("id", { ascending: false })
    .limit(10)
  if (error) throw new Error(`listDeviceRuns: ${error.code} ${error.message}`)

  return z.array(deviceRunSchema).parse(data)
}

export const USAGE_WINDOW_DAYS = 30

const usageRowSchema = z.object({
  message_count: numeric,
  input_tokens: numeric,
  output_tokens: numeric,
  cached_tokens: numeric,
  cost_usd: numeric,
})

export type DeviceUsage = {
  days: number
  messages: number
  inputTokens: number
  outputTokens: number
  cachedTokens: number
  costUsd: number
}

/** Tokens and cost of the device's messages over the last 30 UTC days (usage_by_device). */
export async function getDeviceUsage(
  supabase: Client,
  { deviceId, now = new Date() }: { deviceId: string; now?: Date }
): Promise<DeviceUsage> {
  const since = new Date(now.getTime() - USAGE_WINDOW_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10)
  const { data, error } = await supabase
    .from("usage_by_device")
    .select(
      "message_count, input_tokens, output_tokens, cached_tokens, cost_usd"
    )
    .eq("device_id", deviceId)
    .gte("day", since)
  if (error) throw new Error(`getDeviceUsage: ${error.code} ${error.message}`)

  return z
    .array(usageRowSchema)
    .parse(data)
    .reduce<DeviceUsage>(
      (total, row) => ({
        days: total.days,
        messages: total.messages + row.message_count,
        inputTokens: total.inputTokens + row.input_tokens,
        outputTokens: total.outputTokens + row.output_tokens,
        cachedTokens: total.cachedTokens + row.cached_tokens,
        costUsd: total.costUsd + row.cost_usd,
      }),
      {
        days: USAGE_WINDOW_DAYS,
        messages: 0,
        inputTokens: 0,
        outputTokens: 0,
        cachedTokens: 0,
        costUsd: 0,
      }
    )
}

const speedRowSchema = z.object({
  model: z.string(),
  hours: z.number().int().nonnegative(),
  p10: z.number(),
  p50: z.number(),
  p90: z.number(),
})
export type DeviceModelSpeed = z.infer<typeof speedRowSchema>

/**
 * Tokens per second per model measured on this device's recent messages (the last
 * USAGE_WINDOW_DAYS days): public.usage_speeds, the spread of the hourly averages of its
 * messages' generation speed, as the usage dashboard shows it. Fastest model first.
 */
export async function listDeviceModelSpeeds(
  supabase: Client,
  { deviceId, now = new Date() }: { deviceId: string; now?: Date }
): Promise<DeviceModelSpeed[]> {
  const day = (date: Date) => date.toISOString().slice(0, 10)
  const { data, error } = await supabase.rpc("usage_speeds", {
    p_from: day(new Date(now.getTime() - USAGE_WINDOW_DAYS * 86_400_000)),
    p_to: day(now),
    p_tz: "UTC",
    p_device: deviceId,
  })
  if (error) {
    throw new Error(`listDeviceModelSpeeds: ${error.code} ${error.message}`)
  }

  return z
    .array(speedRowSchema.loose())
    .parse(data)
    .map(({ model, hours, p10, p50, p90 }) => ({ model, hours, p10, p50, p90 }))
    .sort((a, b) => b.p50 - a.p50)
}
