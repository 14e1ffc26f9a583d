import { randomUUID } from "node:crypto"

import { isPgError, type Database, type Queryable } from "../db/types"

/**
 * Private channels, authorized as hosted Supabase Realtime does it: by RLS policies on
 * realtime.messages, evaluated with the user's role and claims and with realtime.topic() set
 * to the channel's topic. Nothing is kept: every probe is rolled back.
 */
export type Extension = "broadcast" | "presence"

export type AuthContext = {
  topic: string
  role: string
  claims: Record<string, unknown>
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super("rollback")
  }
}

async function rolledBack<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      throw new Rollback(await fn(tx))
    })
  } catch (error) {
    if (error instanceof Rollback) return error.value as T
    throw error
  }
  throw new Error("unreachable: the probe transaction always rolls back")
}

async function actAs(tx: Queryable, context: AuthContext) {
  await tx.query(
    `select set_config('role', $1, true), set_config('realtime.topic', $2, true),
            set_config('request.jwt.claims', $3, true), set_config('request.jwt.claim.sub', $4, true),
            set_config('request.jwt.claim.role', $1, true)`,
    [
      context.role,
      context.topic,
      JSON.stringify(context.claims),
      typeof context.claims.sub === "string" ? context.claims.sub : "",
    ]
  )
}

/** Which extensions the user may read on the topic (a SELECT policy lets them see the row). */
export async function canRead(
  db: Database,
  context: AuthContext,
  extensions: Extension[]
): Promise<Record<Extension, boolean>> {
  const result: Record<Extension, boolean> = {
    broadcast: false,
    presence: false,
  }
  try {
    return await rolledBack(db, async (tx) => {
      const ids = extensions.map(() => randomUUID())
      for (const [index, extension] of extensions.entries()) {
        await tx.query("insert into realtime.messages (id, topic, extension) values ($1, $2, $3)", [
          ids[index],
          context.topic,
          extension,
        ])
      }
      await actAs(tx, context)
      const { rows } = await tx.query<{ id: string }>(
        "select id::text as id from realtime.messages where id = any ($1::uuid[])",
        [ids]
      )
      const seen = new Set(rows.map((row) => row.id))
      extensions.forEach((extension, index) => {
        result[extension] = seen.has(ids[index]!)
      })

      return result
    })
  } catch (error) {
    // A policy that errors (or a role that does not exist) authorizes nothing.
    if (isPgError(error)) return result
    throw error
  }
}

/** Whether the user may write (an INSERT policy accepts the row) to the topic's extension. */
export async function canWrite(
  db: Database,
  context: AuthContext,
  extension: Extension
): Promise<boolean> {
  try {
    return await rolledBack(db, async (tx) => {
      await actAs(tx, context)
      await tx.query("insert into realtime.messages (topic, extension) values ($1, $2)", [
        context.topic,
        extension,
      ])

      return true
    })
  } catch (error) {
    if (isPgError(error)) return false
    throw error
  }
}
