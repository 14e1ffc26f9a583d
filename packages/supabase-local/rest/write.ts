// Writes: POST (insert and upsert), PATCH, DELETE and PUT, each one statement that also
// builds the representation in Postgres.
import { ApiError } from "./errors"
import {
  baseHeaders,
  contentRange,
  execute,
  invalidJson,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  noBodyColumn,
  parseJsonBody,
  singleObject,
  uniformJson,
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

function writeColumns(
  table: Table,
  rows: Record<string, unknown>[],
  qp: QueryParams,
  bulkKeysMustMatch: boolean
) {
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

/**
 * An insert's body as the statement's one JSON parameter, and the columns it writes. Mirrors
 * PostgREST's getPayload (ApiRequest/Payload.hs): with `columns=` a JSON body goes to Postgres
 * as it came (its RawJSON), unparsed, and Postgres's JSON parser judges it; without, the body is
 * parsed once to learn its keys and check that every object has the same ones (PGRST102), and
 * the text sent is still the raw body (its ProcessedJSON keeps the raw bytes), never parsed
 * values serialised again. So numbers keep every digit (a bigint beyond 2^53 is not rounded by
 * JSON.parse) and a 1,000-row body costs one parse at most. CSV and form bodies are parsed into
 * rows and sent as JSON, as PostgREST does.
 */
function insertPayload(
  table: Table,
  qp: QueryParams,
  rawBody: Buffer | null,
  rc: RequestContext
): { json: string; columns: string[] } {
  const raw = rawBody ?? Buffer.alloc(0)
  if (qp.columns !== undefined && isJsonBody(rc)) {
    const text = raw.toString("utf8")
    // Kept from the parsing path (PostgREST would pass these to Postgres): an empty body is
    // PGRST102 here, and a body nested deeper than any row needs could overflow Postgres's
    // parser stack (54001) instead of being refused.
    if (text.trim() === "" || jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw invalidJson()
    return { json: text, columns: writeColumns(table, [], qp, true) }
  }
  const body = parseJsonBody(raw, rc.req)
  const rows = bodyRows(body)
  const columns = writeColumns(table, rows, qp, true)
  return { json: isJsonBody(rc) ? raw.toString("utf8") : JSON.stringify(rows), columns }
}

function isJsonBody(rc: RequestContext): boolean {
  const type = (rc.req.headers["content-type"] ?? "application/json")
    .split(";")[0]!
    .trim()
    .toLowerCase()
  return type === "application/json" || type.endsWith("+json")
}

function bodyRows(body: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(body) ? body : [body]
  for (const row of rows) {
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw invalidJson()
  }
  return rows as Record<string, unknown>[]
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
    const body = insertPayload(table, qp, rawBody, rc)
    const columns = body.columns
    const payload = uniformJson(pctx.params.add(body.json))
    const missingDefault = rc.prefs.missing === "default"
    const values = columns.map((c) => {
      const fallback = table.columns.get(c)?.default ?? "null"
      return missingDefault
        ? `case when _j.value::jsonb ? ${literal(c)} then _r.${ident(c)} else ${fallback} end`
        : `_r.${ident(c)}`
    })
    const from = missingDefault
      ? `json_array_elements(${payload}) _j cross join lateral json_populate_record(null::${qt}, _j.value) _r`
      : `json_populate_recordset(null::${qt}, ${payload}) _r`
    mutation = columns.length
      ? `insert into ${qt} as ${t} (${columns.map(ident).join(", ")}) select ${values.join(", ")} from ${from}`
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
      const body = parseJsonBody(rawBody ?? Buffer.alloc(0), rc.req)
      const rows = bodyRows(body)
      if (rows.length !== 1) throw invalidJson()
      const columns = writeColumns(table, rows, qp, false)
      if (columns.length === 0) empty = true
      // The raw body when it is the one object (as PostgREST sends it, see insertPayload), so
      // numbers keep every digit; a one-row array or a form body is sent as that row's JSON.
      const payload = pctx.params.add(
        isJsonBody(rc) && !Array.isArray(body) ? rawBody!.toString("utf8") : JSON.stringify(rows[0])
      )
      mutation = `update ${qt} as ${t} set ${columns.map((c) => `${ident(c)} = _r.${ident(c)}`).join(", ")} from json_populate_record(null::${qt}, ${payload}::json) _r${where}`
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
  const rows = bodyRows(parseJsonBody(raw, rc.req))
  if (rows.length !== 1) throw invalidJson()
  for (const [column, value] of keys) {
    const sent = rows[0]![column]
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
  const outcome = await mutate(
    rs,
    { ...rc, prefs: { ...rc.prefs, resolution: "merge-duplicates" } },
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
