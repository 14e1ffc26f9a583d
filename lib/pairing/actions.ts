"use server"

import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { createClient } from "@/lib/supabase/server"
import { type Client } from "@/lib/supabase/types"

import { getPairingCodeStatus, isRateLimited } from "./queries"
import {
  pairingApproveSchema,
  pairingDenySchema,
  type PairingMissStatus,
} from "./schema"

export type PairingActionResult =
  | { ok: true; status: "approved"; deviceId: string }
  | { ok: true; status: "denied" }
  | {
      ok: false
      status: PairingMissStatus | "invalid" | "error"
      message?: string
    }

function client(): Promise<Client> {
  return createClient()
}

async function explainMiss(
  supabase: Client,
  code: string
): Promise<PairingActionResult> {
  const status = await getPairingCodeStatus(supabase, code)
  // pending after a miss means another tab decided and a new request took the code; rare
  // enough to call it what the user saw: it is no longer the request they were shown.
  return { ok: false, status: status === "pending" ? "used" : status }
}

export async function approvePairing(
  input: unknown
): Promise<PairingActionResult> {
  const parsed = pairingApproveSchema.safeParse(input)
  if (!parsed.success) {
    return {
      ok: false,
      status: "invalid",
      message:
        z.flattenError(parsed.error).fieldErrors.name?.[0] ??
        "Check the code and the name.",
    }
  }
  const { code, name } = parsed.data

  const supabase = await client()
  const { data, error } = await supabase.rpc("pairing_approve", {
    user_code: code,
    ...(name ? { device_name: name } : {}),
  })
  if (error) {
    if (isRateLimited(error)) return { ok: false, status: "rate_limited" }
    console.error(`[pairing] approve failed: ${error.code} ${error.message}`)
    return { ok: false, status: "error" }
  }
  const deviceId = dbId.nullable().parse(data)
  if (!deviceId) return explainMiss(supabase, code)

  return { ok: true, status: "approved", deviceId }
}

export async function denyPairing(
  input: unknown
): Promise<PairingActionResult> {
  const parsed = pairingDenySchema.safeParse(input)
  if (!parsed.success) return { ok: false, status: "invalid" }
  const { code } = parsed.data

  const supabase = await client()
  const { data, error } = await supabase.rpc("pairing_deny", {
    user_code: code,
  })
  if (error) {
    if (isRateLimited(error)) return { ok: false, status: "rate_limited" }
    console.error(`[pairing] deny failed: ${error.code} ${error.message}`)
    return { ok: false, status: "error" }
  }
  if (!z.boolean().parse(data)) return explainMiss(supabase, code)

  return { ok: true, status: "denied" }
}
