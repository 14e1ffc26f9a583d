// Reads: a table, view or set-returning function as one statement that selects, counts and
// builds the response body in Postgres.
import { type Queryable } from "../db/types"
import { ApiError } from "./errors"
import {
  baseHeaders,
  contentRange,
  dbConfigEnabled,
  execute,
  singleObject,
  type Outcome,
  type RequestContext,
  type RestState,
} from "./kernel"
import { parseSelectCached } from "./query-grammar"
import {
  bodySql,
  countSql,
  planRead,
  selectSql,
  type BodyFormat,
  type PlanContext,
  type ReadNode,
} from "./read-plan"
import { appliedPreferences, resolveRange, type Preferences, type QueryParams } from "./request"
import { type SchemaCache, type Table } from "./schema-cache"
import { SqlParams } from "./sql"

/**
 * What a read selects from. `with` is a CTE the statement starts with, which `from` may name:
 * a volatile function's call, materialized so it runs once however often the rows and the
 * count read it (PostgREST's pgrst_source likewise calls a function once).
 */
export type ReadSource = {
  table: Table | null
  alias: string
  from: string
  params?: SqlParams
  with?: string
}

/**
 * The one statement a read runs: rows selected, counted and aggregated into the response body
 * in Postgres. Exported so the benchmark can time the identical SQL without HTTP.
 */
export function buildReadSql(
  cache: SchemaCache,
  source: ReadSource,
  qp: QueryParams,
  options: {
    rangeHeader?: string
    maxRows: number
    count?: Preferences["count"]
    format: BodyFormat
    /** PostgREST's db-aggregates-enabled. */
    aggregates?: boolean
  }
) {
  const items = parseSelectCached(qp.select ?? "*")
  const pctx: PlanContext = {
    cache,
    params: source.params ?? new SqlParams(),
    counter: { next: 0 },
    aggregates: options.aggregates,
  }
  const range = resolveRange(options.rangeHeader, qp.levels.get(""), options.maxRows)
  const sourceParams = pctx.params.values.length
  const root = planRead(pctx, source, items, qp.levels)
  const rows = selectSql(pctx, root, null, {
    limit: range.limit === Number.MAX_SAFE_INTEGER ? undefined : range.limit,
    offset: range.offset,
  })
  const exact = options.count === "exact" || options.count === "estimated"
  const total = exact ? `(${countSql(pctx, root)})` : "null::bigint"
  const sql = `with ${source.with ? `${source.with}, ` : ""}pgrst_source as (${rows}) select ${total} as total, count(_t)::int as page, ${bodySql(options.format)} as body, null::int as inserted, null::text as location from pgrst_source _t`

  return { sql, pctx, root, range, sourceParams }
}

async function plannedCount(
  tx: Queryable,
  pctx: PlanContext,
  root: ReadNode,
  source: ReadSource,
  sourceParams: number
): Promise<number> {
  const explainCtx = { ...pctx, params: new SqlParams() }
  // The source's own parameters (a function's arguments) come first and keep their numbers.
  explainCtx.params.values.push(...pctx.params.values.slice(0, sourceParams))
  const prelude = source.with
  const sql =
    (prelude ? `with ${prelude} ` : "") +
    countSql(explainCtx, root).replace(/^select count\(\*\)/, "select 1")
  const { rows } = await tx.query<{ "QUERY PLAN": unknown }>(
    `explain (format json) ${sql}`,
    explainCtx.params.values
  )
  const raw = rows[0]?.["QUERY PLAN"]
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as [
    { Plan: { "Plan Rows": number } },
  ]
  return Math.round(plan[0].Plan["Plan Rows"])
}

/**
 * The answer to application/vnd.pgrst.plan: the EXPLAIN of the statement that would have
 * answered, with the options asked for, as PostgREST's explainF builds it. JSON plans come as
 * one row, text plans as one row per line.
 */
export async function explainOutcome(
  tx: Queryable,
  rc: RequestContext,
  sql: string,
  params: unknown[]
): Promise<Outcome> {
  const plan = rc.media.plan!
  const options = [`format ${plan.format}`, ...plan.options].join(", ")
  const { rows } = await tx.query<{ "QUERY PLAN": unknown }>(`explain (${options}) ${sql}`, params)
  const lines = rows.map((row) => row["QUERY PLAN"])
  const body =
    plan.format === "json"
      ? typeof lines[0] === "string"
        ? lines[0]
        : JSON.stringify(lines[0])
      : lines.map(String).join("\n")
  return { status: 200, headers: baseHeaders(rc), body }
}

/** PGRST124: a write or function call touched more rows than Prefer: max-affected allows. */
export function maxAffectedError(rows: number) {
  return new ApiError(
    400,
    "PGRST124",
    "Query result exceeds max-affected preference constraint",
    `The query affects ${rows} rows`
  )
}

/** Runs a read (table, view or set-returning function) and shapes PostgREST's response. */
export async function read(
  rs: RestState,
  rc: RequestContext,
  source: ReadSource,
  qp: QueryParams,
  options: {
    singleComposite?: boolean
    /** Prefer: max-affected with handling=strict on a function call (PostgREST's MainTx). */
    maxAffected?: number
  } = {}
): Promise<Outcome> {
  const { sql, pctx, root, range, sourceParams } = buildReadSql(rs.cache, source, qp, {
    rangeHeader: rc.req.headers.range as string | undefined,
    maxRows: options.singleComposite ? Number.MAX_SAFE_INTEGER : rs.maxRows,
    count: rc.prefs.count,
    format: rc.media.format,
    aggregates: dbConfigEnabled(rs, "db_aggregates_enabled"),
  })
  const count = rc.prefs.count

  if (rc.media.plan) {
    return execute(rs, rc, (tx) => explainOutcome(tx, rc, sql, pctx.params.values), {
      oneShot: !rc.media.plan.options.includes("analyze"),
    })
  }

  return execute(
    rs,
    rc,
    async (tx) => {
      const { rows: result } = await tx.query<{ total: string | null; page: number; body: string }>(
        sql,
        pctx.params.values
      )
      const row = result[0]!
      // Thrown inside the transaction, so the function's writes roll back.
      if (options.maxAffected !== undefined && row.page > options.maxAffected)
        throw maxAffectedError(row.page)
      let total = row.total === null ? undefined : Number(row.total)
      if (
        count === "planned" ||
        (count === "estimated" && total !== undefined && total > rs.maxRows)
      ) {
        total = await plannedCount(tx, pctx, root, source, sourceParams)
      }
      const lower = range.offset
      const upper = lower + row.page - 1
      const headers = baseHeaders(rc)
      headers["content-range"] = contentRange(lower, upper, total)
      const applied = appliedPreferences(rc.prefs, [
        "count",
        "tx",
        "handling",
        ...(options.maxAffected !== undefined ? (["maxAffected"] as const) : []),
      ])
      if (applied) headers["preference-applied"] = applied
      if (total !== undefined && lower > total) {
        const error = new ApiError(
          416,
          "PGRST103",
          "Requested range not satisfiable",
          `An offset of ${lower} was requested, but there are only ${total} rows.`
        )
        return {
          status: 416,
          headers: { ...headers, "content-type": "application/json; charset=utf-8" },
          body: JSON.stringify(error.body()),
        }
      }
      const status = total !== undefined && row.page < total ? 206 : 200
      let body = row.body
      // A function returning one row answers that row as an object in JSON; CSV and GeoJSON
      // keep their whole-body shape (a FeatureCollection of the one row, as PostgREST answers).
      const jsonBody = rc.media.format === "json" || rc.media.format === "json-stripped"
      if (options.singleComposite && jsonBody) body = row.page === 0 ? "null" : body.slice(1, -1)
      else if (rc.media.singular) body = singleObject(body, row.page)

      return { status, headers, body }
    },
    {
      oneShot: count !== "planned" && count !== "estimated" && options.maxAffected === undefined,
    }
  )
}
