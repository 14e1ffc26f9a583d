import { z } from "zod"

import { dbId } from "@/lib/db-id"

/**
 * Where a page of the run list ends: the last row's (queued_at, id), so the next page starts
 * strictly after it whatever was queued meanwhile (keyset pagination, never an offset).
 */
export const runCursorSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  id: dbId,
})
export type RunCursor = z.infer<typeof runCursorSchema>

/** An opaque, URL-safe token for a cursor. */
export function encodeRunCursor(cursor: RunCursor): string {
  // Plain ASCII (an ISO time, a uuid), so btoa needs no text encoding.
  return btoa(JSON.stringify([cursor.at, cursor.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "")
}

const tupleSchema = z.tuple([z.string(), z.string()])

/** The cursor in a token, or null for anything that is not one we wrote. */
export function decodeRunCursor(
  token: string | null | undefined
): RunCursor | null {
  if (!token || token.length > 200) return null
  try {
    const tuple = tupleSchema.safeParse(
      JSON.parse(atob(token.replaceAll("-", "+").replaceAll("_", "/")))
    )
    if (!tuple.success) return null
    const [at, id] = tuple.data
    const cursor = runCursorSchema.safeParse({ at, id })

    return cursor.success ? cursor.data : null
  } catch {
    return null
  }
}
