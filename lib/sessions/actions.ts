"use server"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { isStepUpRefusal, stepUpRequired } from "@/lib/auth/step-up"
import { createClient } from "@/lib/supabase/server"

import {
  sessionArchiveSchema,
  sessionIdsSchema,
  sessionMoveSchema,
  sessionPinSchema,
} from "./form-schema"
import {
  moveSessions,
  restoreDeletedSessions,
  setSessionsArchived,
  setSessionsPinned,
  tombstoneSessions,
  type SessionWrite,
} from "./mutations"

const FAILED = "Could not save the change. Try again in a moment."
const NOT_YOURS =
  "Those sessions no longer exist, or they are not yours to change."

/** Which sessions a bulk action changed; `skipped` were not the caller's or already gone. */
export type SessionsChanged = { ids: string[]; skipped: number }

function changed(
  what: string,
  requested: string[],
  { ids, error }: SessionWrite,
  notFound = NOT_YOURS
): ActionResult<SessionsChanged> {
  if (isStepUpRefusal(error)) return stepUpRequired()
  if (error) {
    console.error(`[sessions] ${what} failed: ${error.code} ${error.message}`)
    // 42501 on a move: the update policy's check refused the new row (a project the caller
    // may not write to). Anything else is ours to log, not theirs to read.
    if (error.code === "42501" && what === "move")
      return fail(
        "You can only move sessions into projects where you are a developer or above."
      )

    return fail(FAILED)
  }
  if (ids.length === 0) return fail(notFound)

  return ok({ ids, skipped: requested.length - ids.length })
}

// Every write goes through the signed-in user's client, so RLS decides (lib/sessions/mutations.ts).

export async function pinSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionPinSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, pinned } = parsed.data

  const supabase = await createClient()

  return changed("pin", ids, await setSessionsPinned(supabase, ids, pinned))
}

export async function archiveSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionArchiveSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, archived } = parsed.data

  const supabase = await createClient()

  return changed(
    archived ? "archive" : "unarchive",
    ids,
    await setSessionsArchived(supabase, ids, archived)
  )
}

export async function moveSessionsToProject(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionMoveSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, projectId } = parsed.data

  const supabase = await createClient()

  return changed("move", ids, await moveSessions(supabase, ids, projectId))
}

export async function deleteSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionIdsSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids } = parsed.data

  const supabase = await createClient()

  return changed("delete", ids, await tombstoneSessions(supabase, ids))
}

export async function restoreSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionIdsSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids } = parsed.data

  const supabase = await createClient()

  return changed(
    "restore",
    ids,
    await restoreDeletedSessions(supabase, ids),
    "Those sessions were deleted more than 30 days ago, or they are not yours to restore."
  )
}
