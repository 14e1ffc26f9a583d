// What the read, write and RPC paths share: the request context, the schema cache, running a
// statement under the request's role and claims, and parsing request bodies.
import { type IncomingMessage } from "node:http"

import { type StackConfig } from "../config"
import { type Database, type Queryable } from "../db/types"
import { type Auth } from "./auth"
import { ApiError, toApiError } from "./errors"
import { type FairQueue } from "./fair-queue"
import { type Media } from "./negotiate"
import { type Preferences } from "./request"
import { qualified, type SchemaCache, type Table } from "./schema-cache"
import { closest } from "./similar"
import { ident } from "./sql"

export type Outcome = { status: number; headers: Record<string, string>; body: string }

class Rollback {
  constructor(readonly outcome: Outcome) {}
}

export type RequestContext = {
  req: IncomingMessage
  method: string
  path: string
  url: URL
  schema: string
  /** The schema was chosen by an Accept-Profile/Content-Profile header. */
  byProfile: boolean
  media: Media
  prefs: Preferences
  auth: Auth
}

// Applies the request's settings in order (the role's own settings, then the role, claims and
// request.* values PostgREST sets), local to the transaction.
const SETTINGS_SQL = `select count(set_config(s->>0, s->>1, true)) from json_array_elements($1::json) s`

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {}
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=")
    if (index <= 0) continue
    const name = part.slice(0, index).trim()
    const value = part.slice(index + 1).trim()
    try {
      cookies[name] = decodeURIComponent(value)
    } catch {
      cookies[name] = value
    }
  }
  return cookies
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

export function contentRange(lower: number, upper: number, total: number | undefined) {
  const totalText = total === undefined ? "*" : String(total)
  const range = total !== 0 && lower <= upper ? `${lower}-${upper}` : "*"
  return `${range}/${totalText}`
}

/** Strips the brackets of a one-element JSON array produced by json_agg. */
export function singleObject(body: string, page: number): string {
  if (page !== 1) {
    throw new ApiError(
      406,
      "PGRST116",
      "Cannot coerce the result to a single JSON object",
      `The result contains ${page} rows`
    )
  }
  return body.slice(1, -1)
}

export function noBodyColumn(table: Table, column: string) {
  return new ApiError(
    400,
    "PGRST204",
    `Could not find the '${column}' column of '${table.name}' in the schema cache`
  )
}

export const invalidJson = () => new ApiError(400, "PGRST102", "Empty or invalid json")

/**
 * How deep a request body may nest. JSON.parse takes any depth, but turning the value back
 * into text (and Postgres's json parser, error 54001) overflows the stack thousands of levels
 * down; no row or RPC argument needs more than this, so deeper bodies are invalid JSON here.
 */
export const MAX_JSON_DEPTH = 512

/** Whether `text` nests arrays and objects deeper than `limit`, scanned without recursion. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c) i++
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x5b || char === 0x7b) {
      depth++
      if (depth > limit) return true
    } else if (char === 0x5d || char === 0x7d) depth--
  }

  return false
}

/** A parsed JSON value that is an object (not null, not an array). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/**
 * Whether a JSON text is an object, judged as PostgREST's fromJsonBodyF does (SqlFragment.hs):
 * its first byte after JSON's insignificant whitespace is `{`. The body then goes to
 * json_to_record (one row), anything else to json_to_recordset; Postgres validates the rest.
 */
export function startsWithBrace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c === 0x7b
  }
  return false
}

/** A CSV request body (RFC 4180, first line names the columns) as the rows it describes. */
function parseCsv(text: string): Record<string, unknown>[] {
  const records: string[][] = []
  let field = ""
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ",") {
      record.push(field)
      field = ""
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++
      record.push(field)
      records.push(record)
      record = []
      field = ""
    } else field += c
  }
  if (field !== "" || record.length) {
    record.push(field)
    records.push(record)
  }
  const [header, ...rows] = records
  if (!header) throw invalidJson()

  return rows.map((row) =>
    Object.fromEntries(header.map((name, i) => [name, row[i] === "NULL" ? null : (row[i] ?? null)]))
  )
}

/** The REST service's state: the schema cache is replaced on reload, so handlers read it here. */
export type RestState = {
  db: Database
  config: StackConfig
  maxRows: number
  cache: SchemaCache
  /**
   * On PGlite, which runs one statement at a time: the callers' turns (see fair-queue.ts).
   * Postgres runs requests side by side on its pool and needs none.
   */
  queue?: FairQueue
  /** Reloads the cache when a request names something it does not know (at most once a second). */
  reloadIfUnknown(known: boolean): Promise<void>
}

/**
 * A boolean of PostgREST's in-database configuration: `alter role authenticator set
 * pgrst.<name> = 'true'` (PostgREST reads the authenticator's settings when db-config is on,
 * as it is by default and under the Supabase CLI; hosted Supabase documents enabling
 * aggregates this way). E.g. db_aggregates_enabled, db_plan_enabled.
 */
export function dbConfigEnabled(rs: RestState, name: string): boolean {
  const value = rs.cache.roleSettings.get("authenticator")?.[`pgrst.${name}`]
  return value !== undefined && /^(true|on|yes|1)$/i.test(value.trim())
}

function searchPath(rs: RestState, schema: string) {
  return [schema, ...rs.config.api.extra_search_path.filter((s) => s !== schema)]
    .map(ident)
    .join(", ")
}

export function requestSettings(rs: RestState, rc: RequestContext): [string, string][] {
  const readOnly = rc.method === "GET" || rc.method === "HEAD"
  const settings: [string, string][] = Object.entries(rs.cache.roleSettings.get(rc.auth.role) ?? {})
  settings.push(
    ["role", rc.auth.role],
    ["request.jwt.claims", JSON.stringify(rc.auth.claims)],
    ["request.method", rc.method],
    ["request.path", rc.path],
    ["request.headers", JSON.stringify(requestHeaders(rc.req))],
    ["request.cookies", JSON.stringify(parseCookies(rc.req.headers.cookie))],
    ["search_path", searchPath(rs, rc.schema)],
    ["transaction_read_only", readOnly ? "on" : "off"]
  )
  if (rc.prefs.timezone) settings.push(["timezone", rc.prefs.timezone])
  for (const [claim, value] of Object.entries(rc.auth.claims)) {
    settings.push([
      `request.jwt.claim.${claim}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ])
  }
  return settings
}

const DURATION_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** settingMs by setting text: a request reads its role's statement_timeout every time. */
const msBySetting = new Map<string, number>()

/** A time setting as Postgres reads it ("3s", "8000", "1min"; a bare number is milliseconds). */
export function settingMs(value: string | undefined): number {
  if (value === undefined) return 0
  let ms = msBySetting.get(value)
  if (ms === undefined) {
    ms = parseSettingMs(value)
    // The values come from role settings in the schema cache, a handful; bounded all the same.
    if (msBySetting.size >= 256) msBySetting.clear()
    msBySetting.set(value, ms)
  }

  return ms
}

function parseSettingMs(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value)
  if (!match) return 0
  return Number(match[1]) * DURATION_UNITS[match[2] ?? "ms"]!
}

/** Who a request's turn on PGlite belongs to: the signed-in user, else the role and address. */
function callerOf(rc: RequestContext): string {
  const sub = rc.auth.claims.sub
  if (typeof sub === "string" && sub !== "") return `user:${sub}`
  return `${rc.auth.role}@${rc.req.socket.remoteAddress ?? ""}`
}

/** The role's part of the settings list as JSON array elements, built once per cache and role. */
const roleSettingsJson = new WeakMap<SchemaCache, Map<string, { head: string; tail: string }>>()

function roleJsonParts(rs: RestState, rc: RequestContext) {
  let byRole = roleSettingsJson.get(rs.cache)
  if (!byRole) roleSettingsJson.set(rs.cache, (byRole = new Map()))
  const key = `${rc.auth.role}\u0000${rc.schema}`
  let parts = byRole.get(key)
  if (!parts) {
    const roleSettings = Object.entries(rs.cache.roleSettings.get(rc.auth.role) ?? {})
    parts = {
      head: [...roleSettings, ["role", rc.auth.role]].map((pair) => JSON.stringify(pair)).join(","),
      tail: JSON.stringify(["search_path", searchPath(rs, rc.schema)]),
    }
    byRole.set(key, parts)
  }
  return parts
}

/** The claims' part of the settings list as JSON array elements, once per verified token. */
const claimsJson = new WeakMap<Auth, { claims: string; each: string }>()

function claimsJsonParts(auth: Auth) {
  let parts = claimsJson.get(auth)
  if (!parts) {
    parts = {
      claims: JSON.stringify(["request.jwt.claims", JSON.stringify(auth.claims)]),
      each: Object.entries(auth.claims)
        .map(
          ([claim, value]) =>
            `,${JSON.stringify([`request.jwt.claim.${claim}`, typeof value === "string" ? value : JSON.stringify(value)])}`
        )
        .join(""),
    }
    claimsJson.set(auth, parts)
  }
  return parts
}

/**
 * JSON.stringify(requestSettings(rs, rc)), the parameter of SETTINGS_SQL, with what depends only
 * on the role or the token taken from caches.
 */
export function settingsJson(rs: RestState, rc: RequestContext): string {
  const role = roleJsonParts(rs, rc)
  const claims = claimsJsonParts(rc.auth)
  const readOnly = rc.method === "GET" || rc.method === "HEAD"
  return (
    `[${role.head},${claims.claims},${JSON.stringify(["request.method", rc.method])},` +
    `${JSON.stringify(["request.path", rc.path])},` +
    `${JSON.stringify(["request.headers", JSON.stringify(requestHeaders(rc.req))])},` +
    `${JSON.stringify(["request.cookies", JSON.stringify(parseCookies(rc.req.headers.cookie))])},` +
    `${role.tail},${JSON.stringify(["transaction_read_only", readOnly ? "on" : "off"])}` +
    (rc.prefs.timezone ? `,${JSON.stringify(["timezone", rc.prefs.timezone])}` : "") +
    `${claims.each}]`
  )
}

/**
 * Runs a request's statement. The common case is one round trip holding two statements, the
 * request's settings (role, claims, the role's own settings) and then the statement, which
 * Postgres runs as one implicit transaction: both as named prepared statements (Parse once per
 * connection, then Bind and Execute, one Sync; see db/postgres-prepared.ts, and PGlite's thread
 * does the same), as PostgREST prepares its settings query and main query by default
 * (db-prepared-statements), so a repeated request shape is neither parsed nor planned again and
 * every value, a whole request body included, is a bound parameter. The settings go as one JSON
 * parameter of SETTINGS_SQL. Postgres arms statement_timeout afresh for each Execute of a batch
 * (since Postgres 13), so the role's statement_timeout set by the first binds the second, as
 * under PostgREST, whose settings query precedes the statement in its transaction; on PGlite
 * the engine enforces it on the whole batch.
 * Flows that need a second statement or a rollback after looking at the result (tx=rollback,
 * planned counts, max-affected, singular writes) take an explicit transaction.
 */
export async function execute(
  rs: RestState,
  rc: RequestContext,
  run: (tx: Queryable) => Promise<Outcome>,
  { oneShot = false }: { oneShot?: boolean } = {}
): Promise<Outcome> {
  // Postgres enforces the role's statement_timeout itself; PGlite's engine needs it spelled out.
  const options = {
    timeoutMs: settingMs(rs.cache.roleSettings.get(rc.auth.role)?.statement_timeout),
  }
  const runOnDatabase = async () => {
    if (oneShot && rc.prefs.tx !== "rollback") {
      let used = false
      return await run({
        async query<Row>(sql: string, params: unknown[] = []) {
          if (used) throw new Error("one-shot requests run a single statement")
          used = true
          return rs.db.prepared<Row>(
            [
              { text: SETTINGS_SQL, values: [settingsJson(rs, rc)] },
              { text: sql, values: params },
            ],
            options
          )
        },
        async exec() {
          throw new Error("one-shot requests run a single statement")
        },
      })
    }
    return await rs.db.transaction(async (tx) => {
      await tx.query(SETTINGS_SQL, [JSON.stringify(requestSettings(rs, rc))])
      const outcome = await run(tx)
      if (rc.prefs.tx === "rollback") throw new Rollback(outcome)
      return outcome
    }, options)
  }
  try {
    return rs.queue ? await rs.queue.run(callerOf(rc), runOnDatabase) : await runOnDatabase()
  } catch (error) {
    if (error instanceof Rollback) return error.outcome
    const apiError = toApiError(error, rc.auth.role !== "anon")
    // A column, table or function the cache still lists may have been dropped by DDL.
    if (["42703", "42P01", "42883"].includes(apiError.code)) void rs.reloadIfUnknown(false)
    throw apiError
  }
}

export function findTable(rs: RestState, schema: string, name: string): Table {
  const table = rs.cache.tables.get(qualified(schema, name))
  if (table) return table
  const names = [...rs.cache.tables.values()].filter((t) => t.schema === schema).map((t) => t.name)
  const suggestion = closest(name, names)
  throw new ApiError(
    404,
    "PGRST205",
    `Could not find the table '${schema}.${name}' in the schema cache`,
    null,
    suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null
  )
}

export function baseHeaders(rc: RequestContext, withType = true): Record<string, string> {
  const headers: Record<string, string> = {}
  if (withType) headers["content-type"] = rc.media.contentType
  if (rc.byProfile) headers["content-profile"] = rc.schema
  return headers
}

export function parseJsonBody(raw: Buffer, req: IncomingMessage): unknown {
  const type = (req.headers["content-type"] ?? "application/json")
    .split(";")[0]!
    .trim()
    .toLowerCase()
  const text = raw.toString("utf8")
  if (type === "application/x-www-form-urlencoded")
    return Object.fromEntries(new URLSearchParams(text))
  if (type === "text/csv") return parseCsv(text)
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new ApiError(415, "PGRST107", `None of these media types are available: ${type}`)
  }
  if (text.trim() === "") throw invalidJson()
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw invalidJson()
  try {
    return JSON.parse(text)
  } catch {
    throw invalidJson()
  }
}
