// Writes: POST (insert and upsert), PATCH, DELETE and PUT, each one statement that also
// builds the representation in Postgres.
import { ApiError } from "./errors"
import {
  baseHeaders,
  contentRange,
  execute,
  invalidJson,
  isPlainObject,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  noBodyColumn,
  parseJsonBody,
  singleObject,
  startsWithBrace,
  type Outcome,
  type RequestContext,
  type RestState,
} from "./kernel"
import { parseColumns, parseSelectCached, type SelectItem } from "./query-grammar"
import { explainOutcome } from "./read"
import {
  bodySql,
  conditionSql,
  planRead,
  selectSql,
  type LevelParams,
  type PlanContext,
  type ReadNode,
} from "./read-plan"
import { appliedPreferences, type QueryParams } from "./request"
import { type Table } from "./schema-cache"
import { ident, literal, qualifiedIdent, SqlParams } from "./sql"

/** A write's body as the statement's one JSON parameter, and the columns it writes. */
type WritePayload = {
  /** The text bound as the parameter: the body as it came, or parsed CSV/form rows as JSON. */
  json: string
  columns: string[]
  /** Whether the body is one JSON object (one row) rather than an array of rows. */
  object: boolean
}

/** An empty array: what PostgREST makes of a JSON body that is neither object nor array. */
const NO_ROWS: WritePayload = { json: "[]", columns: [], object: false }

/**
 * A POST's or PATCH's body, read as PostgREST's getPayload reads it (ApiRequest/Payload.hs).
 * With `columns=` a JSON body is its RawJSON: not parsed, sent as it came, the columns naming
 * what is written, and Postgres's JSON parser judges it (an empty or malformed body is
 * Postgres's 22P02, a scalar its 22023, through json_to_record(set)). Without `columns=`, and for
 * CSV or form bodies whatever `columns=` says, the body is parsed once for its keys
 * (payloadAttributes): an object is one row; an array's objects must all have the first one's
 * keys, else PGRST102 "All object keys must match"; an empty array, or any other JSON value, is
 * no rows with no columns. The text sent for a JSON body is still the raw body (its
 * ProcessedJSON keeps the raw bytes), never parsed values serialised again, so numbers keep
 * every digit (a bigint beyond 2^53 is not rounded by JSON.parse) and a 1,000-row body costs one
 * parse at most.
 */
function writePayload(
  table: Table,
  qp: QueryParams,
  rawBody: Buffer | null,
  rc: RequestContext
): WritePayload {
  const raw = rawBody ?? Buffer.alloc(0)
  const json = isJsonBody(rc)
  if (qp.columns !== undefined && json) {
    const text = raw.toString("utf8")
    // Kept from the parsing path (PostgREST would pass it to Postgres): a body nested deeper
    // than any row needs could overflow Postgres's parser stack (54001) instead of being refused.
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw invalidJson()
    // PostgREST keeps the columns as a set: a column named twice is written once.
    const columns = [...new Set(parseColumns(qp.columns))]
    return { json: text, columns: knownColumns(table, columns), object: startsWithBrace(text) }
  }
  const body = parseJsonBody(raw, rc.req)
  const keys = payloadKeys(body)
  if (keys === null) return NO_ROWS
  return {
    json: json ? raw.toString("utf8") : JSON.stringify(body),
    columns: knownColumns(table, keys),
    object: !Array.isArray(body),
  }
}

/** A parsed body's keys as PostgREST's payloadAttributes finds them; null for no rows. */
function payloadKeys(body: unknown): string[] | null {
  if (isPlainObject(body)) return Object.keys(body)
  if (!Array.isArray(body) || body.length === 0) return null
  const first: unknown = body[0]
  if (!isPlainObject(first)) throw keysMustMatch()
  const keys = Object.keys(first)
  const expected = [...keys].sort().join("\u0000")
  for (const row of body) {
    if (!isPlainObject(row) || Object.keys(row).sort().join("\u0000") !== expected) {
      throw keysMustMatch()
    }
  }
  return keys
}

const keysMustMatch = () => new ApiError(400, "PGRST102", "All object keys must match")

function knownColumns(table: Table, columns: string[]): string[] {
  for (const column of columns) if (!table.columns.has(column)) throw noBodyColumn(table, column)
  return columns
}

function isJsonBody(rc: RequestContext): boolean {
  const type = (rc.req.headers["content-type"] ?? "application/json")
    .split(";")[0]!
    .trim()
    .toLowerCase()
  return type === "application/json" || type.endsWith("+json")
}

/**
 * The body's rows as a FROM item named `_r`, one column per written column, as PostgREST's
 * fromJsonBodyF builds them (Query/SqlFragment.hs): json_to_record for an object
 * (one row) and json_to_recordset otherwise, each column typed as the table has it (format_type,
 * PostgREST's nominal type), so Postgres's errors name the same functions. With
 * `Prefer: missing=default` the body goes through jsonb, each row merged over an object of the
 * columns' defaults (the defaults first, so the row's own keys win) before it is typed. With no
 * columns (`{}`, `[{}, {}]`) the rows carry nothing: one for an object, one per element otherwise.
 */
function bodyRowsSql(
  table: Table,
  body: WritePayload,
  params: SqlParams,
  defaults: boolean
): string {
  const { columns, object } = body
  // An object without columns is one empty row: the body is not needed, and not bound.
  if (columns.length === 0 && object) return "(values (1)) _r"
  const param = params.add(body.json)
  if (columns.length === 0) {
    return defaults
      ? `jsonb_array_elements(${param}::jsonb) _r`
      : `json_array_elements(${param}::json) _r`
  }
  const typed = columns.map((c) => `${ident(c)} ${table.columns.get(c)!.type}`).join(", ")
  if (!defaults) {
    return `json_to_record${object ? "" : "set"}(${param}::json) as _r(${typed})`
  }
  const pairs = columns.flatMap((c) => {
    const fallback = table.columns.get(c)!.default
    return fallback === null || fallback === undefined ? [] : [`${literal(c)}, ${fallback}`]
  })
  const defs = `jsonb_build_object(${pairs.join(", ")})`
  return object
    ? `jsonb_to_record(${defs} || ${param}::jsonb) as _r(${typed})`
    : `jsonb_to_recordset((select jsonb_agg(${defs} || _e) from jsonb_array_elements(${param}::jsonb) _e)) as _r(${typed})`
}

/** INSERT/UPDATE/DELETE as one statement that also builds the representation in Postgres. */
export async function mutate(
  rs: RestState,
  rc: RequestContext,
  table: Table,
  qp: QueryParams,
  kind: "insert" | "update" | "delete",
  rawBody: Buffer | null
): Promise<Outcome> {
  const pctx: PlanContext = { cache: rs.cache, params: new SqlParams(), counter: { next: 0 } }
  const qt = qualifiedIdent(table.schema, table.name)
  const t = ident(table.name)
  const top: LevelParams = qp.levels.get("") ?? { conditions: [] }
  qp.levels.delete("")
  const representation = rc.prefs.return === "representation"
  const merge = kind === "insert" && rc.prefs.resolution === "merge-duplicates"

  let mutation: string
  let empty = false
  if (kind === "insert") {
    const body = writePayload(table, qp, rawBody, rc)
    const columns = body.columns
    const from = bodyRowsSql(table, body, pctx.params, rc.prefs.missing === "default")
    // As PostgREST's Insert (Query/QueryBuilder.hs): the body's rows, or rows of defaults only.
    mutation = columns.length
      ? `insert into ${qt} as ${t} (${columns.map(ident).join(", ")}) select ${columns.map((c) => `_r.${ident(c)}`).join(", ")} from ${from}`
      : `insert into ${qt} as ${t} select from ${from}`
    const conflictColumns =
      qp.onConflict !== undefined ? parseColumns(qp.onConflict) : table.primaryKey
    if (rc.prefs.resolution && conflictColumns.length) {
      for (const column of conflictColumns)
        if (!table.columns.has(column)) throw noBodyColumn(table, column)
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
      // As PostgREST's Update (Query/QueryBuilder.hs): each matched row is set from the body's
      // rows joined in. An array of several rows updates each matched row from one of them
      // (Postgres's UPDATE … FROM picks one); `[]` updates none; no columns, no statement.
      const body = writePayload(table, qp, rawBody, rc)
      const columns = body.columns
      // No columns (`{}`, `[]`, a JSON scalar): PostgREST updates nothing and runs no UPDATE.
      if (columns.length === 0) empty = true
      const from = bodyRowsSql(table, body, pctx.params, rc.prefs.missing === "default")
      mutation = `update ${qt} as ${t} set ${columns.map((c) => `${ident(c)} = _r.${ident(c)}`).join(", ")} from ${from}${where}`
    } else {
      mutation = `delete from ${qt} as ${t}${where}`
    }
  }

  const returning = representation || rc.media.singular || rc.prefs.return === "headers-only"
  const inserted = merge && !table.isView ? `, (${t}.xmax::text = '0') as pgrst_inserted` : ""
  mutation += returning
    ? ` returning ${t}.*${inserted}`
    : ` returning 1${merge && !table.isView ? `, (${t}.xmax::text = '0') as pgrst_inserted` : ""}`
  const insertedSql =
    merge && !table.isView
      ? "(select count(*) filter (where pgrst_inserted) from pgrst_mutation)::int"
      : "null::int"
  let sql: string
  if (representation || rc.media.singular) {
    const repLevels = qp.levels
    repLevels.set("", { conditions: [], order: top.order })
    const items: SelectItem[] = parseSelectCached(qp.select ?? "*")
    const root = planRead(
      pctx,
      { table, alias: table.name, from: "pgrst_mutation" },
      items,
      repLevels
    )
    const rows = selectSql(pctx, root, null)
    sql = `with pgrst_mutation as (${mutation}), pgrst_source as (${rows}) select null::bigint as total, (select count(*) from pgrst_mutation)::int as page, ${bodySql(rc.media.format)} as body, ${insertedSql} as inserted, null::text as location from pgrst_source _t`
  } else {
    const location =
      rc.prefs.return === "headers-only" && table.primaryKey.length
        ? `(select row_to_json(_l)::text from (select ${table.primaryKey.map(ident).join(", ")} from pgrst_mutation limit 1) _l)`
        : "null::text"
    sql = `with pgrst_mutation as (${mutation}) select null::bigint as total, count(*)::int as page, null::text as body, ${insertedSql} as inserted, ${location} as location from pgrst_mutation`
  }

  // application/vnd.pgrst.plan: the EXPLAIN of the write's statement, as PostgREST explains
  // its mainWrite (MainTx.hs, DbCrud True). Without `analyze` nothing is written; with it the
  // write runs and commits, as under PostgREST (unless Prefer: tx=rollback).
  if (rc.media.plan && !empty) {
    return execute(rs, rc, (tx) => explainOutcome(tx, rc, sql, pctx.params.values), {
      oneShot: !rc.media.plan.options.includes("analyze"),
    })
  }

  return execute(
    rs,
    rc,
    async (tx) => {
      let row = {
        page: 0,
        body: "[]" as string | null,
        inserted: null as number | null,
        location: null as string | null,
      }
      if (!empty) {
        const result = await tx.query<typeof row>(sql, pctx.params.values)
        row = result.rows[0]!
      }
      if (
        rc.prefs.handling === "strict" &&
        rc.prefs.maxAffected !== undefined &&
        row.page > rc.prefs.maxAffected
      ) {
        throw new ApiError(
          400,
          "PGRST124",
          "Query result exceeds max-affected preference constraint",
          `The query affects ${row.page} rows`
        )
      }
      const counted = rc.prefs.count !== undefined
      const headers = baseHeaders(rc, representation)
      let status: number
      if (kind === "insert") {
        headers["content-range"] = contentRange(1, 0, counted ? row.page : undefined)
        status = merge && row.inserted === 0 && row.page > 0 ? 200 : 201
        if (row.location) {
          const pk = JSON.parse(row.location) as Record<string, unknown>
          const query = Object.entries(pk).map(
            ([k, v]) => `${encodeURIComponent(k)}=eq.${encodeURIComponent(String(v))}`
          )
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
        // missing= is echoed for inserts and updates (Response.hs responsePreferences).
        ...(kind === "insert" ? (["resolution"] as const) : []),
        ...(kind === "delete" ? [] : (["missing"] as const)),
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
    },
    {
      oneShot:
        !rc.media.singular &&
        !(rc.prefs.handling === "strict" && rc.prefs.maxAffected !== undefined),
    }
  )
}

/** PUT: upsert of the one row its primary-key filters name, as PostgREST answers it. */
export async function putSingle(
  rs: RestState,
  rc: RequestContext,
  table: Table,
  qp: QueryParams,
  raw: Buffer
): Promise<Outcome> {
  const top = qp.levels.get("") ?? { conditions: [] }
  if (top.limit !== undefined || top.offset !== undefined) {
    throw new ApiError(
      400,
      "PGRST114",
      "limit/offset querystring parameters are not allowed for PUT"
    )
  }
  const keys = new Map<string, string>()
  let exact = table.primaryKey.length > 0
  for (const condition of top.conditions) {
    const f = condition.kind === "filter" ? condition.filter : undefined
    if (!f || f.op !== "eq" || f.negated || f.quantifier || f.field.json.length) exact = false
    else keys.set(f.field.name, f.value)
  }
  if (
    !exact ||
    keys.size !== table.primaryKey.length ||
    !table.primaryKey.every((k) => keys.has(k))
  ) {
    throw new ApiError(
      405,
      "PGRST105",
      "Filters must include all and only primary key columns with 'eq' operators"
    )
  }
  const body = parseJsonBody(raw, rc.req)
  const row: unknown = Array.isArray(body) && body.length === 1 ? body[0] : body
  if (!isPlainObject(row)) throw invalidJson()
  for (const [column, value] of keys) {
    const sent = row[column]
    if (sent === undefined || sent === null || String(sent) !== value) {
      throw new ApiError(
        400,
        "PGRST115",
        "Payload values do not match URL in primary key column(s)"
      )
    }
  }
  qp.levels.delete("")
  qp.onConflict = undefined
  // PostgREST reads columns= for inserts and updates only (Payload.hs getPayload's columns): a
  // PUT writes its body's keys. Nor does it apply missing=default to a PUT (Plan.hs mutatePlan,
  // MutationSingleUpsert): every column's default would be evaluated, a sequence's too.
  qp.columns = undefined
  const outcome = await mutate(
    rs,
    { ...rc, prefs: { ...rc.prefs, resolution: "merge-duplicates", missing: undefined } },
    table,
    qp,
    "insert",
    raw
  )
  if (rc.media.plan) return outcome
  const headers: Record<string, string> = {}
  const applied = appliedPreferences(rc.prefs, ["return", "count", "tx", "handling"])
  if (applied) headers["preference-applied"] = applied
  if (rc.prefs.return !== "representation") return { status: 204, headers, body: "" }

  return { status: outcome.status, headers: { ...baseHeaders(rc), ...headers }, body: outcome.body }
}
