import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { syncStatusReportSchema } from "./sync-schema"

// The device API's payloads, shared by the route handlers (which parse what devices send) and
// the device agent (which parses what the API answers). Requests are strict objects: a field
// the API does not know is an error, not silently dropped, so a typo in an agent shows up at
// once instead of as a capability that never appears in the console.

export const DEVICE_ROLES = ["llm_host", "workstation"] as const
export const deviceRoleSchema = z.enum(DEVICE_ROLES, {
  error: "Role must be llm_host or workstation.",
})

/** RFC 8628's grant type; optional in our JSON body, but if sent it must be this. */
export const DEVICE_CODE_GRANT_TYPE =
  "urn:ietf:params:oauth:grant-type:device_code"

/** `XXXX-XXXX` from the 20 consonants the pairing functions draw from. */
export const USER_CODE_PATTERN =
  /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/

// What a device says about itself is shown on the pair page, where the user decides whether
// to trust it: no control characters and no bidirectional overrides, which could make one
// name read as another.
const DISPLAY_UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u

const displayText = (max: number, label: string, missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, `${label} must not be empty.`)
    .max(max, `${label} must be at most ${max} characters.`)
    .refine((value) => !DISPLAY_UNSAFE.test(value), {
      error: `${label} must not contain control or text-direction characters.`,
    })

const optionalText = (max: number, label: string) =>
  displayText(max, label, `${label} must be text.`).optional()

export const devicePairStartSchema = z.strictObject({
  name: displayText(80, "Name", "Name is required and must be text."),
  hostname: optionalText(255, "Hostname"),
  platform: optionalText(100, "Platform"),
  app_version: optionalText(50, "App version"),
  role: deviceRoleSchema.default("workstation"),
})
export type DevicePairStart = z.infer<typeof devicePairStartSchema>

export const devicePairStartResponseSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().regex(USER_CODE_PATTERN),
  verification_uri: z.url(),
  verification_uri_complete: z.url(),
  expires_in: z.int().positive(),
  interval: z.int().positive(),
})
export type DevicePairStartResponse = z.infer<
  typeof devicePairStartResponseSchema
>

export const devicePairTokenSchema = z.strictObject({
  device_code: z
    .string({ error: "device_code is required and must be text." })
    .min(1, "device_code must not be empty.")
    .max(256, "device_code is too long."),
  grant_type: z
    .literal(DEVICE_CODE_GRANT_TYPE, {
      error: `grant_type must be ${DEVICE_CODE_GRANT_TYPE}.`,
    })
    .optional(),
})
export type DevicePairToken = z.infer<typeof devicePairTokenSchema>

/** The one response that carries the device secret; the API never shows it again. */
export const devicePairTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal("Bearer"),
  device_id: dbId,
  device_name: z.string(),
  account: z.object({ id: dbId, email: z.string().nullable() }),
})
export type DevicePairTokenResponse = z.infer<
  typeof devicePairTokenResponseSchema
>

const llmServerSchema = z.strictObject({
  port: z.int().min(1).max(65535),
  reachable: z.boolean(),
  latency_ms: z.number().nonnegative().max(600_000).optional(),
  error: z.string().max(300).optional(),
})

/**
 * What a device reports about itself. The keys match what the console reads (and what the
 * seed's demo devices carry): `gpu`, `memory_gb`, `server`, `models_loaded`.
 */
/** A GPU or other accelerator, as nvidia-smi, rocm-smi or system_profiler reports it. */
export const deviceAcceleratorSchema = z.strictObject({
  name: z.string().min(1).max(200),
  vendor: z.string().max(50).optional(),
  memory_gb: z.number().nonnegative().max(1_000_000).optional(),
  /** GPU cores (Apple silicon reports them). */
  cores: z.int().min(1).max(1_000_000).optional(),
  driver: z.string().max(50).optional(),
  /** Shares the machine's memory (Apple silicon): memory_gb is then the machine's. */
  unified_memory: z.boolean().optional(),
})
export type DeviceAccelerator = z.infer<typeof deviceAcceleratorSchema>

export const deviceCapabilitiesSchema = z.strictObject({
  /** The accelerators in one line, for the device card. */
  gpu: z.string().max(200).optional(),
  accelerators: z
    .array(deviceAcceleratorSchema)
    .max(16, "At most 16 accelerators.")
    .optional(),
  memory_gb: z.number().nonnegative().max(1_000_000).optional(),
  cpu: z.string().max(200).optional(),
  cpu_cores: z.int().min(1).max(10_000).optional(),
  server: z.string().max(50).optional(),
  models_loaded: z
    .array(z.string().min(1).max(300), {
      error: "models_loaded must be a list of model ids.",
    })
    .max(500, "At most 500 models.")
    .optional(),
  llm_server: llmServerSchema.optional(),
  tokens_per_second: z.number().nonnegative().max(1_000_000).optional(),
  /** What `sync` left to do and the last error it met, for the device card. */
  sync_status: syncStatusReportSchema.optional(),
})
export type DeviceCapabilities = z.infer<typeof deviceCapabilitiesSchema>

export const deviceHeartbeatSchema = z.strictObject({
  hostname: optionalText(255, "Hostname"),
  platform: optionalText(100, "Platform"),
  app_version: optionalText(50, "App version"),
  lan_ip: z
    .union([z.ipv4(), z.ipv6()], { error: "lan_ip must be an IP address." })
    .nullable()
    .optional(),
  lan_port: z
    .int({ error: "lan_port must be a whole number." })
    .min(1, "lan_port must be between 1 and 65535.")
    .max(65535, "lan_port must be between 1 and 65535.")
    .optional(),
  tunnel_url: z
    .url({
      protocol: /^https?$/,
      error: "tunnel_url must be an http(s) URL.",
    })
    .max(2048, "tunnel_url must be at most 2048 characters.")
    .nullable()
    .optional(),
  capabilities: deviceCapabilitiesSchema.optional(),
})
export type DeviceHeartbeat = z.infer<typeof deviceHeartbeatSchema>

export const deviceHeartbeatResponseSchema = z.object({
  device_id: dbId,
  device_name: z.string(),
  last_seen_at: z.string(),
  /** The LLM server's port as the console has it (the owner may have edited it there). */
  lan_port: z.int().min(1).max(65535),
  next_heartbeat_in: z.int().positive(),
})
export type DeviceHeartbeatResponse = z.infer<
  typeof deviceHeartbeatResponseSchema
>

/** Machine codes the device API answers with; the agent has a message for each. */
export const DEVICE_API_ERROR_CODES = [
  "invalid_json",
  "invalid_request",
  "unsupported_media_type",
  "payload_too_large",
  "rate_limited",
  "authorization_pending",
  "slow_down",
  "access_denied",
  "expired_token",
  "invalid_grant",
  "missing_device_secret",
  "invalid_device_secret",
  "device_revoked",
  "service_unavailable",
  "worker_disabled",
  "project_not_enabled",
  "run_not_found",
  "lease_lost",
  "run_refused",
  "artifact_not_uploaded",
] as const
export type DeviceApiErrorCode = (typeof DEVICE_API_ERROR_CODES)[number]

export const deviceApiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  error_description: z.string().optional(),
  interval: z.int().positive().optional(),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional(),
})
export type DeviceApiErrorBody = z.infer<typeof deviceApiErrorSchema>
