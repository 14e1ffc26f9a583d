import { z } from "zod"

import { type Client } from "@/lib/supabase/types"

import { takePairingCodeCheck } from "./guess-limit"
import {
  pairingRequestSchema,
  type PairingLookup,
  type PairingMissStatus,
} from "./schema"

const statusSchema = z.enum(["pending", "expired", "used", "denied", "unknown"])

type RpcError = { code?: string; message: string }

/** The pairing functions raise PT429 once a user has guessed wrong too often. */
export function isRateLimited(error: RpcError): boolean {
  return (
    error.code === "PT429" ||
    /too many pairing code attempts/i.test(error.message)
  )
}

/**
 * Why a code has nothing to approve, or "pending". Counts as one guess when it is not
 * pending (pairing_code_status shares pairing_lookup's bound).
 */
export async function getPairingCodeStatus(
  supabase: Client,
  code: string
): Promise<"pending" | PairingMissStatus> {
  if (!(await takePairingCodeCheck())) return "rate_limited"
  const { data, error } = await supabase.rpc("pairing_code_status", {
    user_code: code,
  })
  if (error) {
    if (isRateLimited(error)) return "rate_limited"
    throw new Error(`pairing_code_status: ${error.code} ${error.message}`)
  }

  return statusSchema.parse(data)
}

/**
 * What is asking to be paired under this code. The status is asked first so that a miss
 * costs one guess, not two; a pending code's lookup records nothing.
 */
export async function lookupPairing(
  supabase: Client,
  code: string
): Promise<PairingLookup> {
  const status = await getPairingCodeStatus(supabase, code)
  if (status !== "pending") return { status }

  const { data, error } = await supabase.rpc("pairing_lookup", {
    user_code: code,
  })
  if (error) {
    if (isRateLimited(error)) return { status: "rate_limited" }
    throw new Error(`pairing_lookup: ${error.code} ${error.message}`)
  }
  const request = z.array(pairingRequestSchema).parse(data)[0]
  // It expired or was decided between the two calls.
  if (!request) {
    const now = await getPairingCodeStatus(supabase, code)

    return { status: now === "pending" ? "unknown" : now }
  }

  return { status: "pending", request }
}
