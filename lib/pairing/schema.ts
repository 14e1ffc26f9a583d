import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { isCompleteUserCode, normalizeUserCode } from "./user-code"

export const userCodeSchema = z
  .string({ error: "Enter the code your device shows." })
  .refine(
    isCompleteUserCode,
    "Enter all 8 letters of the code, like BCDF-GHJK."
  )
  .transform((code) => {
    const normalized = normalizeUserCode(code)

    return `${normalized.slice(0, 4)}-${normalized.slice(4)}`
  })

export const pairingApproveSchema = z.object({
  code: userCodeSchema,
  name: z
    .string()
    .trim()
    .max(80, "Use at most 80 characters.")
    .optional()
    .transform((name) => name || undefined),
})
export type PairingApprove = z.input<typeof pairingApproveSchema>

export const pairingDenySchema = z.object({ code: userCodeSchema })

export const pairingRequestSchema = z.object({
  id: dbId,
  device_name: z.string(),
  device_role: z.enum(["llm_host", "workstation"]),
  hostname: z.string().nullable(),
  platform: z.string().nullable(),
  app_version: z.string().nullable(),
  requested_ip: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
})
export type PairingRequest = z.infer<typeof pairingRequestSchema>

export const PAIRING_MISS_STATUSES = [
  "expired",
  "used",
  "denied",
  "unknown",
  "rate_limited",
] as const
export type PairingMissStatus = (typeof PAIRING_MISS_STATUSES)[number]

export type PairingLookup =
  { status: "pending"; request: PairingRequest } | { status: PairingMissStatus }
