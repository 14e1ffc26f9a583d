"use server"

import { z } from "zod"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { isStepUpRefusal, stepUpRequired } from "@/lib/auth/step-up"
import { dbId } from "@/lib/db-id"
import { createClient } from "@/lib/supabase/server"
import { type Client } from "@/lib/supabase/types"

import { takePairingCodeCheck } from "./guess-limit"
import { getPairingCodeStatus, isRateLimited } from "./queries"
import {
  pairingApproveSchema,
  pairingDenySchema,
  type PairingMissStatus,
} from "./schema"

export type PairingDecision =
  { status: "approved"; deviceId: string } | { status: "denied" }

/** Why a decision did not happen: the code's state, shown as its own screen. */
export type PairingActionResult = ActionResult<
  PairingDecision,
  PairingMissStatus
>

const FAILED =
  "Something went wrong on our side. Nothing was decided; try again."

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
  return fail(undefined, { reason: status === "pending" ? "used" : status })
}

export async function approvePairing(
  _previous: unknown,
  input: unknown
): Promise<PairingActionResult> {
  const parsed = pairingApproveSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { code, name } = parsed.data
  if (!(await takePairingCodeCheck()))
    return fail(undefined, { reason: "rate_limited" })

  const supabase = await client()
  const { data, error } = await supabase.rpc("pairing_approve", {
    user_code: code,
    ...(name ? { device_name: name } : {}),
  })
  if (isStepUpRefusal(error)) return stepUpRequired()
  if (error) {
    if (isRateLimited(error)) return fail(undefined, { reason: "rate_limited" })
    console.error(`[pairing] approve failed: ${error.code} ${error.message}`)
    return fail(FAILED)
  }
  const deviceId = dbId.nullable().parse(data)
  if (!deviceId) return explainMiss(supabase, code)

  return ok({ status: "approved", deviceId })
}

export async function denyPairing(
  _previous: unknown,
  input: unknown
): Promise<PairingActionResult> {
  const parsed = pairingDenySchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { code } = parsed.data
  if (!(await takePairingCodeCheck()))
    return fail(undefined, { reason: "rate_limited" })

  const supabase = await client()
  const { data, error } = await supabase.rpc("pairing_deny", {
    user_code: code,
  })
  if (error) {
    if (isRateLimited(error)) return fail(undefined, { reason: "rate_limited" })
    console.error(`[pairing] deny failed: ${error.code} ${error.message}`)
    return fail(FAILED)
  }
  if (!z.boolean().parse(data)) return explainMiss(supabase, code)

  return ok({ status: "denied" })
}
