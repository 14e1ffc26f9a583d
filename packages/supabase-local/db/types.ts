/** A row set as both storage engines return it. */
export type QueryResult<Row = Record<string, unknown>> = {
  rows: Row[]
  rowCount: number
  fields: { name: string; dataTypeID: number }[]
}

export type Queryable = {
  /** One statement with $1… parameters (extended protocol). */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>
  /** Several statements, no parameters (simple protocol). */
  exec(sql: string): Promise<void>
}

/** Bounds on one operation. */
export type RunOptions = {
  /**
   * Milliseconds the operation may run once it starts, as the role's statement_timeout bounds
   * it on Postgres (where the server enforces it and this is not needed); past it the
   * operation fails with SQLSTATE 57014. Enforced by the PGlite engine.
   */
  timeoutMs?: number
}

export type Notification = { channel: string; payload: string }

export type Database = Queryable & {
  readonly engine: "pglite" | "postgres"
  /** Where the data lives, for status lines: a directory, "memory" or a redacted URL. */
  readonly location: string
  /**
   * Runs fn inside BEGIN … COMMIT on one connection, ROLLBACK if it throws. On PGlite every
   * transaction is serialised; on Postgres each takes a connection from the pool.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: RunOptions): Promise<T>
  /**
   * Several statements, no parameters, in one simple-protocol message: one round trip and one
   * implicit transaction (an error in any statement rolls back all). Resolves with the last
   * statement's rows.
   */
  script<Row = Record<string, unknown>>(
    sql: string,
    options?: RunOptions
  ): Promise<QueryResult<Row>>
  /**
   * The statements in one round trip and one implicit transaction (an error in any rolls back
   * all), each a named prepared statement the connection keeps for the next time the same text
   * comes, the values bound as text (postgres-prepared.ts; PGlite's thread does the same).
   * Resolves with the last statement's rows. `options` bound PGlite; Postgres enforces the
   * role's statement_timeout itself.
   */
  prepared<Row = Record<string, unknown>>(
    statements: { text: string; values: unknown[] }[],
    options?: RunOptions
  ): Promise<QueryResult<Row>>
  /** LISTEN on a channel; returns the function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  /** PGlite only: every statement's rows of a script (simple protocol), in order. */
  scriptResults?<Row = Record<string, unknown>>(sql: string): Promise<QueryResult<Row>[]>
  /**
   * PGlite only: extension control and script files (name → text) for `create extension`,
   * for pure-SQL extensions PGlite does not bundle. Kept until the database thread ends.
   */
  addExtensionFiles?(files: Record<string, string>): Promise<void>
  /** PGlite on disk only: copies the data directory to `target` (a checkpoint first). */
  copyDataDir?(target: string): Promise<void>
  close(): Promise<void>
}

/** A Postgres error with the fields both engines report. */
export type PgError = Error & {
  code?: string
  detail?: string
  hint?: string
  position?: string | number
  schema?: string
  table?: string
  column?: string
  constraint?: string
}

export function isPgError(error: unknown): error is PgError {
  return error instanceof Error && typeof (error as PgError).code === "string"
}
