import { type Database, type PgError, type Queryable } from "@lmx/supabase-local/db/types"
import {
  createTestDatabase,
  TEST_ENGINE,
  type TestDatabase,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * How the SQL tests act as an API caller, written once for every suite: an actor is the role
 * and JWT claims PostgREST would set; statements run as that actor in a transaction; and the
 * RLS matrix runner checks one statement per table and operation for every actor.
 */
export type Actor = {
  role: "anon" | "authenticated" | "lmx_device_api"
  claims: Record<string, unknown>
}

export const ANON: Actor = { role: "anon", claims: { role: "anon" } }

/** The device API itself, before a device has credentials (lib/supabase/device.ts mints it). */
export const DEVICE_API: Actor = { role: "lmx_device_api", claims: { role: "lmx_device_api" } }

/** A signed-in user, with the claims Supabase Auth puts in an access token. */
export function signedInUser(userId: string, email: string): Actor {
  return {
    role: "authenticated",
    claims: {
      sub: userId,
      role: "authenticated",
      aud: "authenticated",
      email,
    },
  }
}

/** The claims the device API mints for a device: the owner as sub, plus device_id. */
export function pairedDevice(ownerId: string, deviceId: string): Actor {
  return {
    role: "authenticated",
    claims: {
      sub: ownerId,
      role: "authenticated",
      aud: "authenticated",
      device_id: deviceId,
    },
  }
}

/** Actors for a fixture's named users: userActor("owner"), deviceActor("owner", deviceId). */
export function actorsOf<Name extends string>(
  users: Readonly<Record<Name, string>>,
  emailOf: (name: Name) => string
) {
  return {
    userActor: (name: Name) => signedInUser(users[name], emailOf(name)),
    deviceActor: (name: Name, deviceId: string) => pairedDevice(users[name], deviceId),
    signedOutUser: (name: Name) => ({
      ...signedInUser(users[name], emailOf(name)),
      claims: {
        ...signedInUser(users[name], emailOf(name)).claims,
        session_id: ENDED_SESSION_ID,
      },
    }),
  }
}

/**
 * A session id that is in no fixture's auth.sessions: a token naming it is one whose session
 * was signed out (everywhere) while the token itself has not expired.
 */
export const ENDED_SESSION_ID = "5e550000-0000-4000-8000-00000000dead"

/** Sets role and claims for the rest of the transaction, exactly as PostgREST does. */
export async function actAs(tx: Queryable, actor: Actor) {
  await tx.query("select set_config('request.jwt.claims', $1, true)", [
    JSON.stringify(actor.claims),
  ])
  await tx.exec(`set local role ${actor.role}`)
}

class Rollback extends Error {}

/** Runs fn as the actor in a transaction that always rolls back; returns its result or error. */
export async function tryAs<T>(
  db: Database,
  actor: Actor,
  fn: (tx: Queryable) => Promise<T>
): Promise<{ ok: true; value: T } | { ok: false; error: PgError }> {
  let value: T | undefined
  try {
    await db.transaction(async (tx) => {
      await actAs(tx, actor)
      value = await fn(tx)
      throw new Rollback()
    })
  } catch (error) {
    if (error instanceof Rollback) return { ok: true, value: value as T }
    return {
      ok: false,
      error: error instanceof Error ? error : new Error(String(error)),
    }
  }

  return {
    ok: false,
    error: new Error("the transaction committed unexpectedly"),
  }
}

/** Runs fn as the actor and commits. */
export async function runAs<T>(db: Database, actor: Actor, fn: (tx: Queryable) => Promise<T>) {
  return db.transaction(async (tx) => {
    await actAs(tx, actor)

    return fn(tx)
  })
}

/** Expects fn to fail as the actor; returns the error so the caller can check it. */
export async function failureAs(
  db: Database,
  actor: Actor,
  fn: (tx: Queryable) => Promise<unknown>,
  what = "the statement"
): Promise<PgError> {
  const result = await tryAs(db, actor, fn)
  if (result.ok) throw new Error(`expected ${what} to fail, but it succeeded`)

  return result.error
}

/** "ok": the statement sees or touches exactly the fixture row; "no": nothing, or it fails. */
export type Outcome = "ok" | "no"

export type MatrixRow<Operation extends string> = [
  table: string,
  operation: Operation,
  ...outcomes: Outcome[],
]

export type RlsMatrix<ActorName extends string, Operation extends string> = {
  /** The describe block's title; the engine is appended. */
  title: string
  /** The matrix's columns, in this order. */
  actors: Record<ActorName, Actor>
  rows: MatrixRow<Operation>[]
  /** The statement each row runs: aimed at one fixture row, with values an allowed actor may write. */
  statements: Record<string, Partial<Record<Operation, string>>>
  /** Loads the fixtures into a freshly migrated database (no seed). */
  setup: (db: Database) => Promise<void>
}

/**
 * Declares the tests of an RLS matrix: one per cell (table, operation, actor), each in a
 * transaction that rolls back, plus a check that every row is complete and that a statement
 * denied to every actor is still valid (run by the platform role, as migrations and seeds
 * run, it touches its row unless an append-only trigger stops it).
 */
export function describeRlsMatrix<ActorName extends string, Operation extends string>({
  title,
  actors,
  rows,
  statements,
  setup,
}: RlsMatrix<ActorName, Operation>) {
  // Object.keys loses the key type; the keys are exactly ActorName's.
  const actorOrder = Object.keys(actors) as ActorName[]
  const statementFor = (table: string, operation: Operation) => {
    const sql = statements[table]?.[operation]
    if (!sql) throw new Error(`no statement for ${table} ${operation}`)

    return sql
  }
  const cells = rows.flatMap(([table, operation, ...outcomes]) =>
    actorOrder.map((actor, index) => ({
      table,
      operation,
      actor,
      expected: outcomes[index] ?? "no",
    }))
  )
  const deniedToAll = rows
    .filter(([, , ...outcomes]) => outcomes.every((outcome) => outcome === "no"))
    .map(([table, operation]) => ({ table, operation }))

  describe(`${title} (${TEST_ENGINE})`, () => {
    let database: TestDatabase

    beforeAll(async () => {
      database = await createTestDatabase({ seedFiles: [] })
      await setup(database.db)
    })
    afterAll(async () => {
      await database?.dispose()
    })

    it("has one row per table and operation, with an outcome for every actor", () => {
      for (const [table, operation, ...outcomes] of rows) {
        expect(outcomes, `${table} ${operation}`).toHaveLength(actorOrder.length)
        expect(statements[table]?.[operation], `${table} ${operation}`).toBeDefined()
      }
    })

    it.each(deniedToAll)(
      "$table $operation is a valid statement that only policies stop",
      async ({ table, operation }) => {
        const sql = statementFor(table, operation)
        let touched: number | undefined
        const outcome = await database.db
          .transaction(async (tx) => {
            const result = await tx.query(sql)
            // As in the cells below: PGlite reports no rowCount for a select, only its rows.
            touched = operation.startsWith("select") ? result.rows.length : result.rowCount
            throw new Rollback()
          })
          .catch((error: unknown) => error)
        if (touched === undefined) expect(String(outcome)).toMatch(/append-only/)
        else expect(touched).toBe(1)
      }
    )

    it.each(cells)(
      "$table $operation as $actor: $expected",
      async ({ table, operation, actor, expected }) => {
        const sql = statementFor(table, operation)
        const result = await tryAs(database.db, actors[actor], (tx) => tx.query(sql))
        // Both engines report rowCount for writes; a select's count is its rows.
        const touched = !result.ok
          ? 0
          : operation.startsWith("select")
            ? result.value.rows.length
            : result.value.rowCount

        if (expected === "ok") {
          if (!result.ok) throw result.error
          expect(touched, "rows seen or touched").toBe(1)
        } else {
          expect(touched, "rows seen or touched").toBe(0)
        }
      }
    )
  })
}
