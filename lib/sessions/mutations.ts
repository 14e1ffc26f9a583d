import { type Client } from "@/lib/supabase/types"

import { RESTORE_WINDOW_DAYS } from "./queries"

/** What one write answered: the ids it changed (RLS hides the rest), or the database's error. */
export type SessionWrite = {
  ids: string[]
  error: { code: string; message: string; details?: string | null } | null
}

async function update(
  supabase: Client,
  ids: string[],
  values: {
    pinned_at?: string | null
    archived_at?: string | null
    project_id?: string | null
    deleted_at?: string | null
  },
  { deleted, since }: { deleted: boolean; since?: string }
): Promise<SessionWrite> {
  let query = supabase.from("cloud_sessions").update(values).in("id", ids)
  query = deleted
    ? query.gte("deleted_at", since ?? "-infinity")
    : query.is("deleted_at", null)
  const { data, error } = await query.select("id")

  return { ids: (data ?? []).map((row) => row.id), error }
}

// The writes behind lib/sessions/actions.ts, on any client so the integration tests run them
// as the console does. The update policy lets only the owner change a session (a project
// member or another account changes nothing), its check allows only projects the owner may
// write to, and cloud_sessions_view_state keeps devices from pinning or archiving.

export function setSessionsPinned(
  supabase: Client,
  ids: string[],
  pinned: boolean
) {
  return update(
    supabase,
    ids,
    { pinned_at: pinned ? new Date().toISOString() : null },
    { deleted: false }
  )
}

export function setSessionsArchived(
  supabase: Client,
  ids: string[],
  archived: boolean
) {
  return update(
    supabase,
    ids,
    { archived_at: archived ? new Date().toISOString() : null },
    { deleted: false }
  )
}

export function moveSessions(
  supabase: Client,
  ids: string[],
  projectId: string | null
) {
  return update(supabase, ids, { project_id: projectId }, { deleted: false })
}

/**
 * A tombstone, not a row removed: deleted_at set, which bumps sync_version and
 * last_modified_at (cloud_sessions_track_changes), so devices learn of it on their next pull.
 */
export function tombstoneSessions(supabase: Client, ids: string[]) {
  return update(
    supabase,
    ids,
    { deleted_at: new Date().toISOString() },
    { deleted: false }
  )
}

/** Back from "Recently deleted", within the restore window (the database refuses older ones). */
export function restoreDeletedSessions(
  supabase: Client,
  ids: string[],
  now = Date.now()
) {
  const since = new Date(now - RESTORE_WINDOW_DAYS * 86_400_000).toISOString()

  return update(supabase, ids, { deleted_at: null }, { deleted: true, since })
}
