import { z } from "zod"

import { dbIdWithError } from "@/lib/db-id"

/** The most sessions one bulk action changes (a selection is at most a few pages). */
export const MAX_BULK_SESSIONS = 200

const sessionIds = z
  .array(dbIdWithError("That is not a session of this console."))
  .min(1, "Select at least one session.")
  .max(
    MAX_BULK_SESSIONS,
    `Select at most ${MAX_BULK_SESSIONS} sessions at once.`
  )
  .transform((ids) => [...new Set(ids)])

export const sessionIdsSchema = z.object({ ids: sessionIds })
export type SessionIds = z.input<typeof sessionIdsSchema>

export const sessionPinSchema = z.object({
  ids: sessionIds,
  pinned: z.boolean(),
})
export type SessionPin = z.input<typeof sessionPinSchema>

export const sessionArchiveSchema = z.object({
  ids: sessionIds,
  archived: z.boolean(),
})
export type SessionArchive = z.input<typeof sessionArchiveSchema>

export const sessionMoveSchema = z.object({
  ids: sessionIds,
  // null: out of any project, back to the owner alone.
  projectId: dbIdWithError("Choose a project from the list.").nullable(),
})
export type SessionMove = z.input<typeof sessionMoveSchema>
