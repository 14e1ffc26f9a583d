"use server"

import { fail, invalid, ok, type ActionResult } from "@/lib/action-result"
import { createClient } from "@/lib/supabase/server"

import {
  sessionArchiveSchema,
  sessionIdsSchema,
  sessionMoveSchema,
  sessionPinSchema,
} from "./form-schema"
import { RESTORE_WINDOW_DAYS } from "./queries"

const FAILED = "Could not save the change. Try again in a moment."
const NOT_YOURS =
  "Those sessions no longer exist, or they are not yours to change."

/** Which sessions a bulk action changed; `skipped` were not the caller's or already gone. */
export type SessionsChanged = { ids: string[]; skipped: number }

type Touched = {
  data: { id: string }[] | null
  error: { code: string; message: string } | null
}

function changed(
  what: string,
  requested: string[],
  { data, error }: Touched
): ActionResult<SessionsChanged> {
  if (error) {
    console.error(`[sessions] ${what} failed: ${error.code} ${error.message}`)
    // 42501: the update policy's check refused the new row (a project the caller may not
    // write to); anything else is ours to log, not theirs to read.
    if (error.code === "42501")
      return fail(
        "You can only move sessions into projects where you are a developer or above."
      )

    return fail(FAILED)
  }
  const ids = (data ?? []).map((row) => row.id)
  if (ids.length === 0) return fail(NOT_YOURS)

  return ok({ ids, skipped: requested.length - ids.length })
}

// Every write goes through the signed-in user's client: the update policy lets only the owner
// change a session, and cloud_sessions_view_state keeps devices from pinning or archiving.

export async function pinSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionPinSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, pinned } = parsed.data

  const supabase = await createClient()
  const result = await supabase
    .from("cloud_sessions")
    .update({ pinned_at: pinned ? new Date().toISOString() : null })
    .in("id", ids)
    .is("deleted_at", null)
    .select("id")

  return changed("pin", ids, result)
}

export async function archiveSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionArchiveSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, archived } = parsed.data

  const supabase = await createClient()
  const result = await supabase
    .from("cloud_sessions")
    .update({ archived_at: archived ? new Date().toISOString() : null })
    .in("id", ids)
    .is("deleted_at", null)
    .select("id")

  return changed(archived ? "archive" : "unarchive", ids, result)
}

export async function moveSessionsToProject(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionMoveSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids, projectId } = parsed.data

  const supabase = await createClient()
  const result = await supabase
    .from("cloud_sessions")
    .update({ project_id: projectId })
    .in("id", ids)
    .is("deleted_at", null)
    .select("id")

  return changed("move", ids, result)
}

/**
 * A tombstone, not a row removed: deleted_at set, which bumps sync_version and
 * last_modified_at (cloud_sessions_track_changes), so devices learn of it on their next pull.
 */
export async function deleteSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionIdsSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids } = parsed.data

  const supabase = await createClient()
  const result = await supabase
    .from("cloud_sessions")
    .update({ deleted_at: new Date().toISOString() })
    .in("id", ids)
    .is("deleted_at", null)
    .select("id")

  return changed("delete", ids, result)
}

/** Back from "Recently deleted", within the restore window (the database refuses older ones). */
export async function restoreSessions(
  _previous: unknown,
  input: unknown
): Promise<ActionResult<SessionsChanged>> {
  const parsed = sessionIdsSchema.safeParse(input)
  if (!parsed.success) return invalid(parsed.error)
  const { ids } = parsed.data
  const since = new Date(
    Date.now() - RESTORE_WINDOW_DAYS * 86_400_000
  ).toISOString()

  const supabase = await createClient()
  const result = await supabase
    .from("cloud_sessions")
    .update({ deleted_at: null })
    .in("id", ids)
    .gte("deleted_at", since)
    .select("id")

  return changed("restore", ids, result)
}
