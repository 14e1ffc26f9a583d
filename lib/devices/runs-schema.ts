import { z } from "zod"

import { dbId } from "@/lib/db-id"

// The device API's runs payloads (docs/device-api.md, "Runs: the device as a worker"), shared
// by the route handlers under app/api/device/v1/runs and the worker in agent/worker. Requests
// are strict: a field the API does not know is an error.

/** How long a claim or heartbeat holds a run; the worker renews at a third of it. */
export const leaseSecondsSchema = z
  .int("lease_seconds must be a whole number.")
  .min(10, "lease_seconds must be at least 10.")
  .max(600, "lease_seconds must be at most 600.")

export const DEFAULT_LEASE_SECONDS = 60

/** POST runs/session: what the worker may do, and how it hears of work. */
export const workerSessionResponseSchema = z.object({
  device_id: dbId,
  enabled: z.boolean(),
  max_concurrent: z.int().min(1).max(16),
  project_ids: z.array(dbId),
  realtime: z
    .object({
      url: z.url(),
      anon_key: z.string().min(1),
      token: z.string().min(1),
      topic: z.string().min(1),
      expires_in: z.int().positive(),
    })
    .nullable(),
})
export type WorkerSessionResponse = z.infer<typeof workerSessionResponseSchema>

export const runClaimSchema = z.strictObject({
  lease_seconds: leaseSecondsSchema.default(DEFAULT_LEASE_SECONDS),
  /** The project a Realtime wake-up named; asked first. */
  project_id: dbId.optional(),
})
export type RunClaim = z.input<typeof runClaimSchema>

export const claimedRunSchema = z.object({
  id: dbId,
  project_id: dbId,
  workflow_id: dbId,
  status: z.string(),
  params: z.record(z.string(), z.unknown()),
  attempts: z.int(),
  max_attempts: z.int(),
  lease_expires_at: z.string(),
  workflow: z.object({
    name: z.string(),
    kind: z.string(),
    /** As stored; the worker validates it (a bad one fails the run with the reason). */
    definition: z.unknown(),
  }),
})
export type ClaimedRun = z.infer<typeof claimedRunSchema>

export const runClaimResponseSchema = z.object({
  run: claimedRunSchema.nullable(),
})

export const runLeaseSchema = z.strictObject({
  lease_seconds: leaseSecondsSchema.default(DEFAULT_LEASE_SECONDS),
})

export const runLeaseResponseSchema = z.object({
  lease_expires_at: z.string(),
  /** Canceled in the console: stop the steps, do not complete. */
  canceled: z.boolean(),
})

export const LOG_STREAMS = ["stdout", "stderr", "system"] as const
export const MAX_LOG_LINE_CHARS = 16_384
export const MAX_LOG_LINES_PER_BATCH = 5000

export const runLogLineSchema = z.strictObject({
  line: z
    .string()
    .max(MAX_LOG_LINE_CHARS, "A log line has at most 16384 characters."),
  stream: z.enum(LOG_STREAMS),
  at: z.iso.datetime({ offset: true }).optional(),
})
export type RunLogLine = z.infer<typeof runLogLineSchema>

export const runLogAppendSchema = z.strictObject({
  lines: z
    .array(runLogLineSchema)
    .min(1, "Send at least one line.")
    .max(MAX_LOG_LINES_PER_BATCH, "Send at most 5000 lines at a time."),
})

export const runLogAppendResponseSchema = z.object({
  first_line_no: z.int(),
  last_line_no: z.int(),
})

export const runEventSchema = z.strictObject({
  kind: z
    .string()
    .regex(
      /^[a-z][a-z0-9_.]{0,63}$/,
      "kind is lower-case letters, digits, _ and ."
    ),
  message: z.string().max(4000).default(""),
  data: z.record(z.string(), z.json()).default({}),
})

/** The run-artifacts bucket's file size limit (20261203012000_storage_buckets.sql): 100 MiB. */
export const RUN_ARTIFACT_MAX_BYTES = 100 * 1024 * 1024

const artifactFields = {
  key: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._/-]{0,255}$/,
      "key is letters, digits and . _ / - (at most 256)."
    )
    .refine(
      (key) => key.split("/").every((part) => part !== "" && part !== ".."),
      "key has no empty or .. folder."
    ),
  size_bytes: z.int().min(0),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "sha256 is 64 lower-case hex digits."),
  content_type: z.string().min(1).max(255).default("application/octet-stream"),
}

/** Asks where to upload an artifact's bytes (a signed upload URL into run-artifacts). */
export const runArtifactUploadSchema = z.strictObject({
  ...artifactFields,
  size_bytes: artifactFields.size_bytes.max(
    RUN_ARTIFACT_MAX_BYTES,
    "An artifact is at most 100 MiB (the run-artifacts bucket's limit)."
  ),
})

export const runArtifactUploadResponseSchema = z.object({
  upload_url: z.url(),
  storage_path: z.string(),
})

/**
 * Records an artifact. `uploaded`: its bytes were put at the upload URL, so the row points at
 * them (the route checks the stored size); otherwise the artifact is recorded without bytes.
 */
export const runArtifactSchema = z.strictObject({
  ...artifactFields,
  uploaded: z.boolean().default(false),
})

export const runCompleteSchema = z.strictObject({
  status: z.enum(["succeeded", "failed"]),
  exit_code: z.int().nullable().default(null),
  error: z.string().max(4000).nullable().default(null),
  result: z.record(z.string(), z.json()).nullable().default(null),
})
export type RunComplete = z.input<typeof runCompleteSchema>

export const runStateResponseSchema = z.object({
  id: dbId,
  status: z.string(),
  attempts: z.int(),
  error: z.string().nullable(),
})
