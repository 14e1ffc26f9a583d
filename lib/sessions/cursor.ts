import { z } from "zod"

import { dbId } from "@/lib/db-id"

/**
 * Where a page of the session list ends: the last row's sort key (pinned first, then last
 * activity, then id), so the next page starts strictly after it whatever was added or
 * changed meanwhile (keyset pagination; an offset would skip or repeat rows as sessions sync).
 */
export const sessionCursorSchema = z.object({
  pinned: z.boolean(),
  at: z.iso.datetime({ offset: true }),
  id: dbId,
})
export type SessionCursor = z.infer<typeof sessionCursorSchema>

/** An opaque, URL-safe token for a cursor. */
export function encodeSessionCursor(cursor: SessionCursor): string {
  // Plain ASCII (digits, an ISO time, a uuid), so btoa needs no text encoding; it runs in
  // the browser and on the server alike.
  return btoa(JSON.stringify([cursor.pinned ? 1 : 0, cursor.at, cursor.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "")
}

const tupleSchema = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  z.string(),
  z.string(),
])

/** The cursor in a token, or null for anything that is not one we wrote. */
export function decodeSessionCursor(
  token: string | null | undefined
): SessionCursor | null {
  if (!token || token.length > 200) return null
  try {
    const tuple = tupleSchema.safeParse(
      JSON.parse(atob(token.replaceAll("-", "+").replaceAll("_", "/")))
    )
    if (!tuple.success) return null
    const [pinned, at, id] = tuple.data
    const cursor = sessionCursorSchema.safeParse({
      pinned: pinned === 1,
      at,
      id,
    })

    return cursor.success ? cursor.data : null
  } catch {
    return null
  }
}
