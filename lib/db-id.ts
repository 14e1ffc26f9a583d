import { z } from "zod"

/**
 * An id read from the database, or sent by a device: any uuid in the text form Postgres
 * outputs (8-4-4-4-12 hex digits). Not `z.uuid()`, which accepts only RFC 9562 versions and
 * variants: Postgres stores any 128 bits, and the seed's md5-derived ids, UUID v1/v7 from
 * other writers and nil-like test ids are all valid rows that `z.uuid()` would reject.
 */
export const dbId = z.guid()
export type DbId = z.infer<typeof dbId>

/** `dbId` with the message a form shows when the id it sent is not one. */
export function dbIdWithError(error: string) {
  return z.guid({ error })
}
