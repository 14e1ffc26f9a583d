import { type IncomingMessage, type ServerResponse } from "node:http"

import { type Queryable } from "../db/types"
import { BodyTooLargeError, readBody } from "../http"
import { type Service, type ServiceContext } from "../service"
import { type Auth, createAuthenticator } from "./auth"
import { ApiError, toApiError } from "./errors"
import { type Media, negotiate } from "./negotiate"
import { parseColumns, parseFieldKey, parseFilter, parseSelect, type SelectItem } from "./query-grammar"
import {
  type BodyFormat,
  bodySql,
  conditionSql,
  countSql,
  type LevelParams,
  planRead,
  type PlanContext,
  type ReadNode,
  selectSql,
} from "./read-plan"
import {
  appliedPreferences,
  parsePrefer,
  parseQueryParams,
  type Preferences,
  type QueryParams,
  resolveRange,
} from "./request"
import { loadSchemaCache, qualified, type Routine, type SchemaCache, type Table } from "./schema-cache"
import { closest } from "./similar"
import { ident, inlineParams, literal, qualifiedIdent, SqlParams } from "./sql"

const PREFIX = "/rest/v1"

type Outcome = { status: number; headers: Record<string, string>; body: string }

class Rollback {
  constructor(readonly outcome: Outcome) {}
}

type RequestContext = {
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

const ONE_SHOT_FUNCTION = `
  create or replace function _local.rest_request(settings json, statement text)
  returns table (total bigint, page int, body text, inserted int, location text)
  language plpgsql volatile
  set search_path = ''
  -- Parameters arrive inlined as '…' literals; only quotes are escaped, so this must hold.
  set standard_conforming_strings = on
  as $$
  declare
    setting json;
  begin
    for setting in select value from pg_catalog.json_array_elements(settings) loop
      perform pg_catalog.set_config(setting->>0, setting->>1, true);
    end loop;
    return query execute statement;
  end
  $$;
  revoke all on function _local.rest_request(json, text) from public;
`
const ONE_SHOT_SQL = "select * from _local.rest_request($1::json, $2)"

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
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

function contentRange(lower: number, upper: number, total: number | undefined) {
  const totalText = total === undefined ? "*" : String(total)
  const range = total !== 0 && lower <= upper ? `${lower}-${upper}` : "*"
  return `${range}/${totalText}`
}

/** Strips the brackets of a one-element JSON array produced by json_agg. */
function singleObject(body: string, page: number): string {
  if (page !== 1) {
    throw new ApiError(406, "PGRST116", "Cannot coerce the result to a single JSON object", `The result contains ${page} rows`)
  }
  return body.slice(1, -1)
}

function noBodyColumn(table: Table, column: string) {
  return new ApiError(400, "PGRST204", `Could not find the '${column}' column of '${table.name}' in the schema cache`)
}

const invalidJson = () => new ApiError(400, "PGRST102", "Empty or invalid json")

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

  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] === "NULL" ? null : (row[i] ?? null)])))
}

/**
 * The one statement a read runs: rows selected, counted and aggregated into the response body
 * in Postgres. Exported so the benchmark can time the identical SQL without HTTP.
 */
export function buildReadSql(
  cache: SchemaCache,
  source: { table: Table | null; alias: string; from: string; params?: SqlParams },
  qp: QueryParams,
  options: { rangeHeader?: string; maxRows: number; count?: Preferences["count"]; format: BodyFormat }
) {
  const items = parseSelect(qp.select ?? "*")
  const pctx: PlanContext = { cache, params: source.params ?? new SqlParams(), counter: { next: 0 } }
  const range = resolveRange(options.rangeHeader, qp.levels.get(""), options.maxRows)
  const root = planRead(pctx, source, items, qp.levels)
  const rows = selectSql(pctx, root, null, {
    limit: range.limit === Number.MAX_SAFE_INTEGER ? undefined : range.limit,
    offset: range.offset,
  })
  const exact = options.count === "exact" || options.count === "estimated"
  const total = exact ? `(${countSql(pctx, root)})` : "null::bigint"
  const sql = `with pgrst_source as (${rows}) select ${total} as total, count(_t)::int as page, ${bodySql(options.format)} as body, null::int as inserted, null::text as location from pgrst_source _t`

  return { sql, pctx, root, range }
}

/** The REST API: PostgREST's HTTP contract over the stack's database, RLS deciding every row. */
export async function restService(ctx: ServiceContext): Promise<Service> {
  const { db, config } = ctx
  const schemas = config.api.schemas
  const maxRows = config.api.max_rows
  const authenticate = createAuthenticator(ctx.keys)
  let cache: SchemaCache = await loadSchemaCache(db, schemas)
  let stopListening: (() => Promise<void>) | undefined
  let oneShotReady = false

  let reloading: Promise<void> | undefined
  let reloadedAt = Date.now()
  function reload(): Promise<void> {
    reloading ??= (async () => {
      try {
        cache = await loadSchemaCache(db, schemas)
        ctx.log("[rest] schema cache reloaded")
      } catch (error) {
        ctx.log(`[rest] schema cache reload failed: ${String(error)}`)
      } finally {
        reloadedAt = Date.now()
        reloading = undefined
      }
    })()
    return reloading
  }

  // Hosted Supabase reloads PostgREST's cache on DDL (an event trigger NOTIFYs it). Locally, a
  // table or function the cache does not know triggers a reload, at most once a second.
  async function reloadIfUnknown(known: boolean) {
    if (!known && Date.now() - reloadedAt > 1000) await reload()
  }

  function searchPath(schema: string) {
    return [schema, ...config.api.extra_search_path.filter((s) => s !== schema)].map(ident).join(", ")
  }

  function requestSettings(rc: RequestContext): [string, string][] {
    const readOnly = rc.method === "GET" || rc.method === "HEAD"
    const settings: [string, string][] = Object.entries(cache.roleSettings.get(rc.auth.role) ?? {})
    settings.push(
      ["role", rc.auth.role],
      ["request.jwt.claims", JSON.stringify(rc.auth.claims)],
      ["request.method", rc.method],
      ["request.path", rc.path],
      ["request.headers", JSON.stringify(requestHeaders(rc.req))],
      ["request.cookies", JSON.stringify(parseCookies(rc.req.headers.cookie))],
      ["search_path", searchPath(rc.schema)],
      ["transaction_read_only", readOnly ? "on" : "off"]
    )
    if (rc.prefs.timezone) settings.push(["timezone", rc.prefs.timezone])
    for (const [claim, value] of Object.entries(rc.auth.claims)) {
      settings.push([`request.jwt.claim.${claim}`, typeof value === "string" ? value : JSON.stringify(value)])
    }
    return settings
  }

  /**
   * Runs a request's statement. The common case is one round trip: a function that applies the
   * request's settings (role first among them) and then plans and runs the statement, inside the
   * statement's own transaction. Flows that need a second statement or a rollback after looking
   * at the result (tx=rollback, planned counts, max-affected, singular writes) take a transaction.
   * Known difference: Postgres arms statement_timeout when a statement starts, so a role's
   * statement_timeout is visible to the statement but only enforced on the transaction path.
   */
  async function execute(
    rc: RequestContext,
    run: (tx: Queryable) => Promise<Outcome>,
    { oneShot = false }: { oneShot?: boolean } = {}
  ): Promise<Outcome> {
    try {
      if (oneShot && rc.prefs.tx !== "rollback" && oneShotReady) {
        let used = false
        const tx: Queryable = {
          async query<Row>(sql: string, params: unknown[] = []) {
            if (used) throw new Error("one-shot requests run a single statement")
            used = true
            return db.query<Row>(ONE_SHOT_SQL, [JSON.stringify(requestSettings(rc)), inlineParams(sql, params)])
          },
          async exec() {
            throw new Error("one-shot requests run a single statement")
          },
        }
        return await run(tx)
      }
      return await db.transaction(async (tx) => {
        await tx.query(SETTINGS_SQL, [JSON.stringify(requestSettings(rc))])
        const outcome = await run(tx)
        if (rc.prefs.tx === "rollback") throw new Rollback(outcome)
        return outcome
      })
    } catch (error) {
      if (error instanceof Rollback) return error.outcome
      const apiError = toApiError(error, rc.auth.role !== "anon")
      // A column, table or function the cache still lists may have been dropped by DDL.
      if (["42703", "42P01", "42883"].includes(apiError.code)) void reloadIfUnknown(false)
      throw apiError
    }
  }

  function findTable(schema: string, name: string): Table {
    const table = cache.tables.get(qualified(schema, name))
    if (table) return table
    const names = [...cache.tables.values()].filter((t) => t.schema === schema).map((t) => t.name)
    const suggestion = closest(name, names)
    throw new ApiError(
      404,
      "PGRST205",
      `Could not find the table '${schema}.${name}' in the schema cache`,
      null,
      suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null
    )
  }

  function baseHeaders(rc: RequestContext, withType = true): Record<string, string> {
    const headers: Record<string, string> = {}
    if (withType) headers["content-type"] = rc.media.contentType
    if (rc.byProfile) headers["content-profile"] = rc.schema
    return headers
  }

  async function plannedCount(tx: Queryable, pctx: PlanContext, root: ReadNode): Promise<number> {
    const explainCtx = { ...pctx, params: new SqlParams() }
    const sql = countSql(explainCtx, root).replace(/^select count\(\*\)/, "select 1")
    const { rows } = await tx.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${sql}`, explainCtx.params.values)
    const raw = rows[0]?.["QUERY PLAN"]
    const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as [{ Plan: { "Plan Rows": number } }]
    return Math.round(plan[0].Plan["Plan Rows"])
  }

  /** Runs a read (table, view or set-returning function) and shapes PostgREST's response. */
  async function read(
    rc: RequestContext,
    source: { table: Table | null; alias: string; from: string; params?: SqlParams },
    qp: QueryParams,
    options: { singleComposite?: boolean } = {}
  ): Promise<Outcome> {
    const { sql, pctx, root, range } = buildReadSql(cache, source, qp, {
      rangeHeader: rc.req.headers.range as string | undefined,
      maxRows: options.singleComposite ? Number.MAX_SAFE_INTEGER : maxRows,
      count: rc.prefs.count,
      format: rc.media.format,
    })
    const count = rc.prefs.count

    return execute(rc, async (tx) => {
      const { rows: result } = await tx.query<{ total: string | null; page: number; body: string }>(sql, pctx.params.values)
      const row = result[0]!
      let total = row.total === null ? undefined : Number(row.total)
      if (count === "planned" || (count === "estimated" && total !== undefined && total > maxRows)) {
        total = await plannedCount(tx, pctx, root)
      }
      const lower = range.offset
      const upper = lower + row.page - 1
      const headers = baseHeaders(rc)
      headers["content-range"] = contentRange(lower, upper, total)
      const applied = appliedPreferences(rc.prefs, ["count", "tx", "handling"])
      if (applied) headers["preference-applied"] = applied
      if (total !== undefined && lower > total) {
        const error = new ApiError(
          416,
          "PGRST103",
          "Requested range not satisfiable",
          `An offset of ${lower} was requested, but there are only ${total} rows.`
        )
        return { status: 416, headers: { ...headers, "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(error.body()) }
      }
      const status = total !== undefined && row.page < total ? 206 : 200
      let body = row.body
      if (options.singleComposite) body = row.page === 0 ? "null" : body.slice(1, -1)
      else if (rc.media.singular) body = singleObject(body, row.page)

      return { status, headers, body }
    }, { oneShot: count !== "planned" && count !== "estimated" })
  }

  function parseJsonBody(raw: Buffer, req: IncomingMessage): unknown {
    const type = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase()
    const text = raw.toString("utf8")
    if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text))
    if (type === "text/csv") return parseCsv(text)
    if (type !== "application/json" && !type.endsWith("+json")) {
      throw new ApiError(415, "PGRST107", `None of these media types are available: ${type}`)
    }
    if (text.trim() === "") throw invalidJson()
    try {
      return JSON.parse(text)
    } catch {
      throw invalidJson()
    }
  }

  function writeColumns(table: Table, rows: Record<string, unknown>[], qp: QueryParams, bulkKeysMustMatch: boolean) {
    let columns: string[]
    if (qp.columns !== undefined) {
      columns = parseColumns(qp.columns)
    } else {
      columns = Object.keys(rows[0] ?? {})
      if (bulkKeysMustMatch) {
        const expected = [...columns].sort().join("\u0000")
        for (const row of rows) {
          if (Object.keys(row).sort().join("\u0000") !== expected) {
            throw new ApiError(400, "PGRST102", "All object keys must match")
          }
        }
      }
    }
    for (const column of columns) if (!table.columns.has(column)) throw noBodyColumn(table, column)
    return columns
  }

  function bodyRows(body: unknown): Record<string, unknown>[] {
    const rows = Array.isArray(body) ? body : [body]
    for (const row of rows) {
      if (row === null || typeof row !== "object" || Array.isArray(row)) throw invalidJson()
    }
    return rows as Record<string, unknown>[]
  }

  /** INSERT/UPDATE/DELETE as one statement that also builds the representation in Postgres. */
  async function mutate(
    rc: RequestContext,
    table: Table,
    qp: QueryParams,
    kind: "insert" | "update" | "delete",
    rawBody: Buffer | null
  ): Promise<Outcome> {
    const pctx: PlanContext = { cache, params: new SqlParams(), counter: { next: 0 } }
    const qt = qualifiedIdent(table.schema, table.name)
    const t = ident(table.name)
    const top: LevelParams = qp.levels.get("") ?? { conditions: [] }
    qp.levels.delete("")
    const representation = rc.prefs.return === "representation"
    const merge = kind === "insert" && rc.prefs.resolution === "merge-duplicates"

    let mutation: string
    let empty = false
    if (kind === "insert") {
      const rows = bodyRows(parseJsonBody(rawBody ?? Buffer.alloc(0), rc.req))
      const columns = writeColumns(table, rows, qp, true)
      const payload = pctx.params.add(JSON.stringify(rows))
      const missingDefault = rc.prefs.missing === "default"
      const values = columns.map((c) => {
        const fallback = table.columns.get(c)?.default ?? "null"
        return missingDefault ? `case when _j.value::jsonb ? ${literal(c)} then _r.${ident(c)} else ${fallback} end` : `_r.${ident(c)}`
      })
      const from = missingDefault
        ? `json_array_elements(${payload}::json) _j cross join lateral json_populate_record(null::${qt}, _j.value) _r`
        : `json_populate_recordset(null::${qt}, ${payload}::json) _r`
      mutation = columns.length
        ? `insert into ${qt} as ${t} (${columns.map(ident).join(", ")}) select ${values.join(", ")} from ${from}`
        : `insert into ${qt} as ${t} select from ${from}`
      const conflictColumns = qp.onConflict !== undefined ? parseColumns(qp.onConflict) : table.primaryKey
      if (rc.prefs.resolution && conflictColumns.length) {
        for (const column of conflictColumns) if (!table.columns.has(column)) throw noBodyColumn(table, column)
        const target = `on conflict (${conflictColumns.map(ident).join(", ")})`
        const updates = columns.map((c) => `${ident(c)} = excluded.${ident(c)}`)
        mutation +=
          rc.prefs.resolution === "merge-duplicates" && updates.length
            ? ` ${target} do update set ${updates.join(", ")}`
            : ` ${target} do nothing`
      }
    } else {
      const node: ReadNode = { table, alias: table.name, from: qt, items: [], embeds: [], level: top }
      const conditions = top.conditions.map((c) => conditionSql(pctx, node, c))
      if (top.limit !== undefined && !table.isView) {
        // PostgREST's limited update/delete: the ctids of the first rows in the requested order.
        const ctid: SelectItem = { kind: "column", field: { name: "ctid", json: [] } }
        const inner = selectSql(pctx, { ...node, items: [ctid] }, null)
        conditions.push(`${t}.ctid = any(array(${inner}))`)
      }
      const where = conditions.length ? ` where ${conditions.join(" and ")}` : ""
      if (kind === "update") {
        const body = parseJsonBody(rawBody ?? Buffer.alloc(0), rc.req)
        const rows = bodyRows(body)
        if (rows.length !== 1) throw invalidJson()
        const columns = writeColumns(table, rows, qp, false)
        if (columns.length === 0) empty = true
        const payload = pctx.params.add(JSON.stringify(rows[0]))
        mutation = `update ${qt} as ${t} set ${columns.map((c) => `${ident(c)} = _r.${ident(c)}`).join(", ")} from json_populate_record(null::${qt}, ${payload}::json) _r${where}`
      } else {
        mutation = `delete from ${qt} as ${t}${where}`
      }
    }

    const returning = representation || rc.media.singular || rc.prefs.return === "headers-only"
    const inserted = merge && !table.isView ? `, (${t}.xmax::text = '0') as pgrst_inserted` : ""
    mutation += returning ? ` returning ${t}.*${inserted}` : ` returning 1${merge && !table.isView ? `, (${t}.xmax::text = '0') as pgrst_inserted` : ""}`
    const insertedSql = merge && !table.isView
      ? "(select count(*) filter (where pgrst_inserted) from pgrst_mutation)::int"
      : "null::int"
    let sql: string
    if (representation || rc.media.singular) {
      const repLevels = qp.levels
      repLevels.set("", { conditions: [], order: top.order })
      const items: SelectItem[] = parseSelect(qp.select ?? "*")
      const root = planRead(pctx, { table, alias: table.name, from: "pgrst_mutation" }, items, repLevels)
      const rows = selectSql(pctx, root, null)
      sql = `with pgrst_mutation as (${mutation}), pgrst_source as (${rows}) select null::bigint as total, (select count(*) from pgrst_mutation)::int as page, ${bodySql(rc.media.format)} as body, ${insertedSql} as inserted, null::text as location from pgrst_source _t`
    } else {
      const location =
        rc.prefs.return === "headers-only" && table.primaryKey.length
          ? `(select row_to_json(_l)::text from (select ${table.primaryKey.map(ident).join(", ")} from pgrst_mutation limit 1) _l)`
          : "null::text"
      sql = `with pgrst_mutation as (${mutation}) select null::bigint as total, count(*)::int as page, null::text as body, ${insertedSql} as inserted, ${location} as location from pgrst_mutation`
    }

    return execute(rc, async (tx) => {
      let row = { page: 0, body: "[]" as string | null, inserted: null as number | null, location: null as string | null }
      if (!empty) {
        const result = await tx.query<typeof row>(sql, pctx.params.values)
        row = result.rows[0]!
      }
      if (rc.prefs.handling === "strict" && rc.prefs.maxAffected !== undefined && row.page > rc.prefs.maxAffected) {
        throw new ApiError(400, "PGRST124", "Query result exceeds max-affected preference constraint", `The query affects ${row.page} rows`)
      }
      const counted = rc.prefs.count !== undefined
      const headers = baseHeaders(rc, representation)
      let status: number
      if (kind === "insert") {
        headers["content-range"] = contentRange(1, 0, counted ? row.page : undefined)
        status = merge && row.inserted === 0 && row.page > 0 ? 200 : 201
        if (row.location) {
          const pk = JSON.parse(row.location) as Record<string, unknown>
          const query = Object.entries(pk).map(([k, v]) => `${encodeURIComponent(k)}=eq.${encodeURIComponent(String(v))}`)
          headers.location = `/${table.name}?${query.join("&")}`
        }
      } else if (kind === "update") {
        headers["content-range"] = contentRange(0, row.page - 1, counted ? row.page : undefined)
        status = representation ? 200 : 204
      } else {
        headers["content-range"] = contentRange(1, 0, counted ? row.page : undefined)
        status = representation ? 200 : 204
      }
      const applied = appliedPreferences(rc.prefs, [
        ...(kind === "insert" ? (["resolution", "missing"] as const) : []),
        "return",
        "count",
        "tx",
        "handling",
        ...(kind === "insert" ? [] : (["maxAffected"] as const)),
      ])
      if (applied) headers["preference-applied"] = applied
      let body = ""
      if (rc.media.singular) {
        const single = singleObject(row.body ?? "[]", row.page)
        if (representation) body = single
      } else if (representation) body = row.body ?? "[]"

      return { status, headers, body }
    }, { oneShot: !rc.media.singular && !(rc.prefs.handling === "strict" && rc.prefs.maxAffected !== undefined) })
  }

  /** PUT: upsert of the one row its primary-key filters name, as PostgREST answers it. */
  async function putSingle(rc: RequestContext, table: Table, qp: QueryParams, raw: Buffer): Promise<Outcome> {
    const top = qp.levels.get("") ?? { conditions: [] }
    if (top.limit !== undefined || top.offset !== undefined) {
      throw new ApiError(400, "PGRST114", "limit/offset querystring parameters are not allowed for PUT")
    }
    const keys = new Map<string, string>()
    let exact = table.primaryKey.length > 0
    for (const condition of top.conditions) {
      const f = condition.kind === "filter" ? condition.filter : undefined
      if (!f || f.op !== "eq" || f.negated || f.quantifier || f.field.json.length) exact = false
      else keys.set(f.field.name, f.value)
    }
    if (!exact || keys.size !== table.primaryKey.length || !table.primaryKey.every((k) => keys.has(k))) {
      throw new ApiError(405, "PGRST105", "Filters must include all and only primary key columns with 'eq' operators")
    }
    const rows = bodyRows(parseJsonBody(raw, rc.req))
    if (rows.length !== 1) throw invalidJson()
    for (const [column, value] of keys) {
      const sent = rows[0]![column]
      if (sent === undefined || sent === null || String(sent) !== value) {
        throw new ApiError(400, "PGRST115", "Payload values do not match URL in primary key column(s)")
      }
    }
    qp.levels.delete("")
    qp.onConflict = undefined
    const outcome = await mutate({ ...rc, prefs: { ...rc.prefs, resolution: "merge-duplicates" } }, table, qp, "insert", raw)
    const headers: Record<string, string> = {}
    const applied = appliedPreferences(rc.prefs, ["return", "count", "tx", "handling"])
    if (applied) headers["preference-applied"] = applied
    if (rc.prefs.return !== "representation") return { status: 204, headers, body: "" }

    return { status: outcome.status, headers: { ...baseHeaders(rc), ...headers }, body: outcome.body }
  }

  function chooseRoutine(schema: string, name: string, keys: string[], isPost: boolean, contentType: string): { routine: Routine; singleJson: boolean } {
    const overloads = cache.routines.get(qualified(schema, name)) ?? []
    const sorted = [...keys].sort()
    const matches = overloads.filter((r) => {
      const names = r.params.map((p) => p.name)
      return keys.every((k) => names.includes(k)) && r.params.every((p) => p.hasDefault || keys.includes(p.name))
    })
    if (matches.length === 1) return { routine: matches[0]!, singleJson: false }
    if (matches.length > 1) {
      throw new ApiError(
        300,
        "PGRST203",
        `Could not choose the best candidate function between: ${matches.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(", ")})`).join(", ")}`,
        null,
        "Try renaming the parameters or the function itself in the database so function overloading can be resolved"
      )
    }
    if (isPost && contentType === "application/json") {
      const single = overloads.filter(
        (r) => r.params.length === 1 && r.params[0]!.name === "" && (r.params[0]!.type === "json" || r.params[0]!.type === "jsonb")
      )
      if (single.length === 1) return { routine: single[0]!, singleJson: true }
    }
    const func = `${schema}.${name}`
    const described = keys.length === 0 ? " without parameters" : ` with parameter${keys.length > 1 ? "s" : ""} ${sorted.join(", ")}`
    let hint: string | null = null
    if (overloads.length) {
      const best = overloads[0]!
      hint = `Perhaps you meant to call the function ${func}(${best.params.map((p) => p.name).sort().join(", ")})`
    } else {
      const names = [...cache.routines.values()].flat().filter((r) => r.schema === schema).map((r) => r.name)
      const suggestion = closest(name, names)
      if (suggestion) hint = `Perhaps you meant to call the function ${schema}.${suggestion}`
    }
    throw new ApiError(
      404,
      "PGRST202",
      `Could not find the function ${func}${keys.length === 0 ? " without parameters" : `(${sorted.join(", ")})`} in the schema cache`,
      `Searched for the function ${func}${described}${isPost && contentType === "application/json" ? " or with a single unnamed json/jsonb parameter" : ""}, but no matches were found in the schema cache.`,
      hint
    )
  }

  async function callRoutine(rc: RequestContext, name: string, rawBody: Buffer | null): Promise<Outcome> {
    if (!["GET", "HEAD", "POST"].includes(rc.method)) {
      throw new ApiError(405, "PGRST101", `Cannot use the ${rc.method} method on RPC`)
    }
    const isPost = rc.method === "POST"
    const overloads = cache.routines.get(qualified(rc.schema, name)) ?? []
    const paramNames = new Set(overloads.flatMap((r) => r.params.map((p) => p.name)))
    // On GET a parameter is an argument when the function has it, or when it is no filter at all
    // (PostgREST's operator-less parameters), so unknown names end in PGRST202.
    const isArgument = (key: string, value: string) => {
      if (paramNames.has(key)) return true
      if (key.includes(".") || key === "order" || key === "limit" || key === "offset" || key === "or" || key === "and") return false
      try {
        parseFilter(parseFieldKey(key), value)
        return false
      } catch {
        return true
      }
    }
    const qp = parseQueryParams(rc.url.searchParams, isPost ? () => false : isArgument)
    const contentType = (rc.req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase()
    let args: Record<string, unknown> = {}
    let bodyText = ""
    if (isPost) {
      bodyText = rawBody?.toString("utf8") ?? ""
      const parsed = bodyText.trim() === "" ? {} : parseJsonBody(rawBody!, rc.req)
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        const { routine } = chooseRoutine(rc.schema, name, [], true, contentType)
        if (!(routine.params.length === 1 && routine.params[0]!.name === "")) throw invalidJson()
        args = {}
      } else args = parsed as Record<string, unknown>
    } else {
      for (const [key, value] of qp.rest) args[key] = value
    }
    const { routine, singleJson } = chooseRoutine(rc.schema, name, Object.keys(args), isPost, contentType)
    const params = new SqlParams()
    const fn = qualifiedIdent(routine.schema, routine.name)
    let call: string
    let argsFrom = ""
    if (singleJson) {
      call = `${fn}(${params.add(bodyText.trim() === "" ? "{}" : bodyText)}::${routine.params[0]!.type})`
    } else {
      const keys = Object.keys(args)
      if (keys.length) {
        const types = keys.map((k) => `${ident(k)} ${routine.params.find((p) => p.name === k)!.type}`)
        argsFrom = `json_to_record(${params.add(JSON.stringify(args))}::json) as _a(${types.join(", ")})`
      }
      call = `${fn}(${keys.map((k) => `${ident(k)} := _a.${ident(k)}`).join(", ")})`
    }

    if (routine.returnKind === "composite") {
      const from = `(select _f.* from ${argsFrom ? `${argsFrom} cross join lateral ` : ""}${call} as _f)`
      const table = routine.returnTable ? (cache.tables.get(routine.returnTable) ?? null) : null
      const outcome = await read(rc, { table, alias: routine.name, from, params }, qp, { singleComposite: !routine.returnsSet })
      return rc.method === "HEAD" ? { ...outcome, body: "" } : outcome
    }
    const sql =
      routine.returnKind === "void"
        ? `select null::bigint as total, 1 as page, null::text as body, null::int as inserted, null::text as location from (select ${call}${argsFrom ? ` from ${argsFrom}` : ""}) _v`
        : routine.returnsSet
          ? `select null::bigint as total, count(*)::int as page, coalesce(json_agg(_f.v), '[]')::text as body, null::int as inserted, null::text as location from (select ${call} as v${argsFrom ? ` from ${argsFrom}` : ""}) _f`
          : `select null::bigint as total, 1 as page, to_json(${call})::text as body, null::int as inserted, null::text as location${argsFrom ? ` from ${argsFrom}` : ""}`

    return execute(rc, async (tx) => {
      const { rows } = await tx.query<{ body: string | null; page: number }>(sql, params.values)
      const headers: Record<string, string> = {}
      const applied = appliedPreferences(rc.prefs, ["count", "tx", "handling"])
      if (applied) headers["preference-applied"] = applied
      if (routine.returnKind === "void") {
        return { status: 204, headers: { ...headers, ...baseHeaders(rc, false), "content-range": "0-0/*" }, body: "" }
      }
      const row = rows[0]!
      const page = routine.returnsSet ? row.page : 1
      let body = row.body ?? "null"
      if (rc.media.singular && routine.returnsSet) body = singleObject(body, page)
      Object.assign(headers, baseHeaders(rc), { "content-range": contentRange(0, page - 1, undefined) })

      return { status: 200, headers, body: rc.method === "HEAD" ? "" : body }
    }, { oneShot: true })
  }

  function openApi(rc: RequestContext): Outcome {
    const paths: Record<string, unknown> = { "/": {} }
    for (const table of cache.tables.values()) {
      if (table.schema === rc.schema) paths[`/${table.name}`] = {}
    }
    for (const routines of cache.routines.values()) {
      for (const routine of routines) if (routine.schema === rc.schema) paths[`/rpc/${routine.name}`] = {}
    }
    const body = JSON.stringify({ swagger: "2.0", info: { title: "LMX Console local REST API", version: "13" }, basePath: "/", paths })
    return { status: 200, headers: { "content-type": "application/openapi+json; charset=utf-8" }, body }
  }

  async function handleRequest(req: IncomingMessage): Promise<Outcome> {
    const method = (req.method ?? "GET").toUpperCase()
    const url = new URL(req.url ?? "/", "http://local")
    const path = url.pathname.slice(PREFIX.length) || "/"
    const readMethod = method === "GET" || method === "HEAD"
    const profile = (readMethod ? req.headers["accept-profile"] : req.headers["content-profile"]) as string | undefined
    const schema = profile ?? schemas[0]!
    if (!schemas.includes(schema)) {
      throw new ApiError(406, "PGRST106", `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${schemas.join(", ")}`)
    }
    const media = negotiate(req.headers.accept)
    const prefs = parsePrefer(req.headers.prefer)
    // An unknown time zone is ignored (or refused with handling=strict), as PostgREST does.
    if (prefs.timezone && !cache.timezones.has(prefs.timezone)) {
      if (prefs.handling === "strict") {
        throw new ApiError(400, "PGRST122", "Invalid preferences given with handling=strict", `Invalid preferences: timezone=${prefs.timezone}`)
      }
      prefs.timezone = undefined
    }
    const auth = await authenticate(req.headers.authorization)
    if (!cache.roles.has(auth.role)) await reloadIfUnknown(false)
    if (cache.roles.get(auth.role) === false) {
      throw new ApiError(403, "42501", `permission denied to set role "${auth.role}"`)
    }
    const rc: RequestContext = { req, method, path, url, schema, byProfile: profile !== undefined, media, prefs, auth }
    let segments: string[]
    try {
      segments = path.split("/").filter(Boolean).map(decodeURIComponent)
    } catch {
      throw new ApiError(404, "PGRST125", "Invalid path specified in request URL")
    }
    const readBodyOnce = async () => {
      try {
        return await readBody(req)
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw new ApiError(413, "PGRST102", "Request body is too large")
        throw error
      }
    }

    if (segments.length === 0) {
      if (!readMethod) throw new ApiError(405, "PGRST117", `Unsupported HTTP method: ${method}`)
      return openApi(rc)
    }
    if (segments[0] === "rpc" && segments.length === 2) {
      await reloadIfUnknown(cache.routines.has(qualified(schema, segments[1]!)))
      const raw = method === "POST" ? await readBodyOnce() : null
      return callRoutine(rc, segments[1]!, raw)
    }
    if (segments.length !== 1) throw new ApiError(404, "PGRST125", "Invalid path specified in request URL")
    await reloadIfUnknown(cache.tables.has(qualified(schema, segments[0]!)))
    const table = findTable(schema, segments[0]!)
    switch (method) {
      case "GET":
      case "HEAD": {
        const outcome = await read(rc, { table, alias: table.name, from: qualifiedIdent(table.schema, table.name) }, parseQueryParams(url.searchParams))
        return method === "HEAD" ? { ...outcome, body: "" } : outcome
      }
      case "POST":
        return mutate(rc, table, parseQueryParams(url.searchParams), "insert", await readBodyOnce())
      case "PATCH":
        return mutate(rc, table, parseQueryParams(url.searchParams), "update", await readBodyOnce())
      case "DELETE":
        return mutate(rc, table, parseQueryParams(url.searchParams), "delete", null)
      case "PUT":
        return putSingle(rc, table, parseQueryParams(url.searchParams), await readBodyOnce())
      default:
        throw new ApiError(405, "PGRST117", `Unsupported HTTP method: ${method}`)
    }
  }

  function send(res: ServerResponse, outcome: Outcome, head: boolean) {
    const body = head ? "" : outcome.body
    res.writeHead(outcome.status, { ...outcome.headers, "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  return {
    name: "rest",
    prefix: PREFIX,
    async start() {
      try {
        await db.exec(ONE_SHOT_FUNCTION)
        oneShotReady = true
      } catch (error) {
        // Another stack on this database may be creating it at the same moment; the
        // transaction path works without it.
        ctx.log(`[rest] single-round-trip requests unavailable: ${String(error)}`)
        oneShotReady = (await db.query("select to_regprocedure('_local.rest_request(json, text)') is not null as ok")).rows[0]?.ok === true
      }
      stopListening = await db.listen("pgrst", (payload) => {
        if (payload === "" || payload === "reload schema") void reload()
      })
    },
    async stop() {
      await stopListening?.()
    },
    async handle(req, res) {
      const head = req.method === "HEAD"
      try {
        send(res, await handleRequest(req), head)
      } catch (error) {
        const apiError = toApiError(error, false)
        if (apiError.status >= 500 && !(error instanceof ApiError) && !(error instanceof Error && "code" in error)) {
          ctx.log(`[rest] ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        }
        send(
          res,
          {
            status: apiError.status,
            headers: { "content-type": "application/json; charset=utf-8", ...apiError.headers },
            body: JSON.stringify(apiError.body()),
          },
          head
        )
      }
    },
  }
}
