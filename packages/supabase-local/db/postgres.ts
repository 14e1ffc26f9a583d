import type pg from "pg"

import { runPrepared } from "./postgres-prepared"
import { type Database, type Queryable, type QueryResult } from "./types"

// Same values as PGlite returns (see pglite.ts): text for timestamps, dates and bigints.
const textTypes = [1184, 1114, 1082, 20, 1700]
function typeParserOf(types: typeof pg.types) {
  return {
    getTypeParser(oid: number, format?: "text" | "binary") {
      if (textTypes.includes(oid)) return (value: string) => value
      return types.getTypeParser(oid, format)
    },
  }
}
type TypeParser = ReturnType<typeof typeParserOf>

function wrap(client: pg.Pool | pg.PoolClient, typeParser: TypeParser): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query({ text: sql, values: params, types: typeParser })
      return {
        rows: result.rows as Row[],
        rowCount: result.rowCount ?? result.rows.length,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      }
    },
    async exec(sql: string) {
      await client.query(sql)
    },
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = "*****"
    return parsed.toString()
  } catch {
    return "(unparseable DATABASE_URL)"
  }
}

/** Opens a pool on a real Postgres and checks it answers before returning. */
export async function openPostgres(
  connectionString: string,
  { max = 10 }: { max?: number } = {}
): Promise<Database> {
  // node-postgres is loaded when a Postgres is opened, not with the stack's code: a PGlite
  // start does not need it, and it takes ~0.1 s to load.
  const { default: pg } = await import("pg")
  const typeParser = typeParserOf(pg.types)
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000 })
  // An idle client losing its connection must not crash the stack.
  pool.on("error", (error) => console.error("[db] idle connection error:", error.message))
  try {
    await pool.query("select 1")
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  const base = wrap(pool, typeParser)
  const listeners: pg.PoolClient[] = []

  return {
    engine: "postgres",
    location: redactUrl(connectionString),
    ...base,
    async script<Row>(sql: string): Promise<QueryResult<Row>> {
      // Without values node-postgres sends a simple Query message; several statements in it
      // come back as one result each.
      const results = (await pool.query({ text: sql, types: typeParser })) as
        pg.QueryResult | pg.QueryResult[]
      const last = Array.isArray(results) ? results[results.length - 1]! : results
      return {
        rows: last.rows as Row[],
        rowCount: last.rowCount ?? last.rows.length,
        fields: last.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      }
    },
    prepared<Row>(statements: { text: string; values: unknown[] }[]) {
      return runPrepared<Row>(pool, statements, typeParser)
    },
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query("begin")
        const result = await fn(wrap(client, typeParser))
        await client.query("commit")
        return result
      } catch (error) {
        await client.query("rollback").catch(() => undefined)
        throw error
      } finally {
        client.release()
      }
    },
    async listen(channel, onNotify) {
      const client = await pool.connect()
      listeners.push(client)
      const handler = (message: pg.Notification) => {
        if (message.channel === channel) onNotify(message.payload ?? "")
      }
      client.on("notification", handler)
      await client.query(`listen ${pg.escapeIdentifier(channel)}`)
      return async () => {
        client.off("notification", handler)
        await client.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => undefined)
        listeners.splice(listeners.indexOf(client), 1)
        client.release()
      }
    },
    async close() {
      for (const client of listeners.splice(0)) client.release()
      await pool.end()
    },
  }
}
