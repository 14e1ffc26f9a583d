import { type NextResponse } from "next/server"
import { type z } from "zod"

import { dbId } from "@/lib/db-id"

import {
  authenticateDevice,
  type AuthenticatedDevice,
} from "../../_lib/authenticate"
import {
  errorResponse,
  handleDeviceRequest,
  readJsonBodyAs,
  UpstreamError,
} from "../../_lib/http"
import { createRateLimiter } from "../../_lib/rate-limit"

// What every runs route shares: its own per-secret budget (a busy worker sends a log batch
// every 200 ms per run, far above the heartbeat routes' pace), body limits, and the queue
// functions' refusals as clear 4xx answers.

/** 16 runs at once, each logging 5 times a second, with room for heartbeats and claims. */
const perSecret = createRateLimiter({ limit: 6000, windowMs: 60_000 })

/** A log batch is at most 64 KB of text before JSON; escapes can double it. */
export const RUN_LOG_BODY_LIMIT_BYTES = 1024 * 1024
export const RUN_SMALL_BODY_LIMIT_BYTES = 64 * 1024

export function runsRequest(
  name: string,
  request: Request,
  handler: (device: AuthenticatedDevice) => Promise<NextResponse>
): Promise<NextResponse> {
  return handleDeviceRequest(`runs ${name}`, async () => {
    const auth = await authenticateDevice(request, { limiter: perSecret })
    if (!auth.ok) return auth.response

    return handler(auth.device)
  })
}

/** The run id from the path: a malformed one is a run that does not exist. */
export async function runIdOf(params: Promise<{ id: string }>) {
  const { id } = await params
  const parsed = dbId.safeParse(id)

  return parsed.success ? parsed.data : null
}

export function runNotFound() {
  return errorResponse(
    404,
    "run_not_found",
    "No such run, or not one this device may work on."
  )
}

/** Reads and validates a run route's JSON body (small unless the route says otherwise). */
export function readBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  limitBytes = RUN_SMALL_BODY_LIMIT_BYTES
) {
  return readJsonBodyAs(request, schema, limitBytes)
}

type DbError = { code?: string; message: string; hint?: string | null }

/**
 * The queue functions' refusals (supabase/migrations/20261122000640_run_queue.sql): PT409 is
 * a run this device no longer holds (lease lost, canceled, finished), PT404 a run it cannot
 * see, 42501 a device that may not work runs, 22023/23514/23505 a request the database
 * found wrong. Anything else is the database failing: 503 through UpstreamError.
 */
export function queueRefusal(what: string, error: DbError): NextResponse {
  const message = error.hint ? `${error.message} ${error.hint}` : error.message
  switch (error.code) {
    case "PT409":
      return errorResponse(409, "lease_lost", message)
    case "PT404":
      return runNotFound()
    case "42501":
      return errorResponse(403, "run_refused", message)
    case "22023":
    case "23514":
    case "23505":
    case "22P02":
      return errorResponse(422, "invalid_request", message)
    default:
      throw new UpstreamError(what, error)
  }
}
