// /rpc/<function>: choosing the overload PostgREST would choose, then calling it (composite
// results go through the read path, so they filter, order and embed like a table).
import { ApiError } from "./errors"
import {
  baseHeaders,
  contentRange,
  execute,
  invalidJson,
  isPlainObject,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  parseJsonBody,
  singleObject,
  startsWithBrace,
  type Outcome,
  type RequestContext,
  type RestState,
} from "./kernel"
import { parseColumns, parseFieldKey, parseFilter } from "./query-grammar"
import { explainOutcome, maxAffectedError, read } from "./read"
import { appliedPreferences, parseQueryParams, resolveRange, type QueryParams } from "./request"
import { qualified, type Routine } from "./schema-cache"
import { closest } from "./similar"
import { ident, qualifiedIdent, SqlParams } from "./sql"

/** The request body's media type as PostgREST classifies it for choosing a function. */
type BodyMedia = "json" | "text" | "xml" | "bytea" | "form" | "other"

function bodyMedia(contentType: string): BodyMedia {
  switch (contentType) {
    case "application/json":
      return "json"
    case "text/plain":
      return "text"
    case "text/xml":
      return "xml"
    case "application/octet-stream":
      return "bytea"
    case "application/x-www-form-urlencoded":
      return "form"
    default:
      return contentType.endsWith("+json") ? "json" : "other"
  }
}

/** The parameter type a single unnamed parameter must have to receive a body of this media. */
const SINGLE_PARAM_TYPES: Partial<Record<BodyMedia, string[]>> = {
  json: ["json", "jsonb"],
  text: ["text"],
  xml: ["xml"],
  bytea: ["bytea"],
}

/** Media whose body is passed whole, so only a single unnamed parameter can take it. */
const RAW_BODY_MEDIA = new Set<BodyMedia>(["text", "xml", "bytea"])

/**
 * Mirrors PostgREST's findProc (Plan.hs): among the overloads of the name, a function matches
 * when every required parameter is among the argument keys and every other key names an
 * optional one (defaults fill the rest); a function without parameters matches no keys. Only
 * when none matches does a POST fall back to the function with a single unnamed parameter
 * whose type takes the body's media (json/jsonb, text, xml, bytea). More than one candidate
 * at the level that decides is PGRST203.
 */
function chooseRoutine(
  rs: RestState,
  schema: string,
  name: string,
  keys: string[],
  isPost: boolean,
  media: BodyMedia
): { routine: Routine; singleParam: boolean } {
  const overloads = rs.cache.routines.get(qualified(schema, name)) ?? []
  const keySet = new Set(keys)
  const matchesParams = (r: Routine) => {
    if (r.params.length === 0) return keySet.size === 0 && !(isPost && RAW_BODY_MEDIA.has(media))
    const required = r.params.filter((p) => !p.hasDefault).map((p) => p.name)
    const optional = new Set(r.params.filter((p) => p.hasDefault).map((p) => p.name))
    const rest = keys.filter((k) => !optional.has(k))
    return rest.length === required.length && required.every((p) => keySet.has(p))
  }
  const hasSingleUnnamedParam = (r: Routine) =>
    isPost &&
    r.params.length === 1 &&
    r.params[0]!.name === "" &&
    (SINGLE_PARAM_TYPES[media] ?? []).includes(r.params[0]!.type)
  const named = overloads.filter(matchesParams)
  const fallback = overloads.filter((r) => !matchesParams(r) && hasSingleUnnamedParam(r))
  const candidates = named.length ? named : fallback
  if (candidates.length === 1) return { routine: candidates[0]!, singleParam: !named.length }
  if (candidates.length > 1) {
    throw new ApiError(
      300,
      "PGRST203",
      `Could not choose the best candidate function between: ${candidates.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(", ")})`).join(", ")}`,
      null,
      "Try renaming the parameters or the function itself in the database so function overloading can be resolved"
    )
  }
  throw noRoutine(rs, schema, name, keys, isPost, media, overloads)
}

/** PGRST202 with PostgREST's message, details and hint (Error.hs, NoRpc). */
function noRoutine(
  rs: RestState,
  schema: string,
  name: string,
  keys: string[],
  isPost: boolean,
  media: BodyMedia,
  overloads: Routine[]
) {
  const func = `${schema}.${name}`
  // PostgREST holds the keys in a set, so they print sorted.
  const sorted = [...keys].sort()
  const onlySingle = isPost && RAW_BODY_MEDIA.has(media)
  const list = (names: string[]) => `(${[...names].sort().join(", ")})`
  const withParams =
    keys.length === 0
      ? " without parameters"
      : ` with parameter${keys.length > 1 ? "s" : ""} ${sorted.join(", ")}`
  const searched = !isPost
    ? withParams
    : media === "json"
      ? `${withParams} or with a single unnamed json/jsonb parameter`
      : RAW_BODY_MEDIA.has(media)
        ? ` with a single unnamed ${media} parameter`
        : withParams
  let hint: string | null = null
  if (!onlySingle) {
    if (overloads.length) {
      const suggestion = closest(
        list(keys),
        overloads.map((r) => list(r.params.map((p) => p.name)))
      )
      if (suggestion) hint = `Perhaps you meant to call the function ${func}${suggestion}`
    } else {
      const names = [...rs.cache.routines.values()]
        .flat()
        .filter((r) => r.schema === schema)
        .map((r) => r.name)
      const suggestion = closest(name, names)
      if (suggestion) hint = `Perhaps you meant to call the function ${schema}.${suggestion}`
    }
  }
  return new ApiError(
    404,
    "PGRST202",
    `Could not find the function ${func}${onlySingle ? "" : keys.length === 0 ? " without parameters" : list(keys)} in the schema cache`,
    `Searched for the function ${func}${searched}, but no matches were found in the schema cache.`,
    hint
  )
}

/**
 * The arguments' names and the JSON that carries them, as PostgREST's getPayload reads an RPC's
 * payload (ApiRequest/Payload.hs): a JSON body with `columns=` is not parsed at all (its RawJSON;
 * the columns name the arguments and Postgres's JSON parser judges the body), and without it the
 * body is parsed only to learn its keys, the overloads being chosen by them, while the text
 * sent is the body as it came (its ProcessedJSON keeps the raw bytes), so numbers keep every
 * digit. A form body, or a GET's query parameters, become a JSON object of strings.
 */
function routineArguments(
  rc: RequestContext,
  qp: QueryParams,
  media: BodyMedia,
  rawBody: Buffer | null
): { keys: string[]; argsJson: string; unparsed: boolean } {
  const isPost = rc.method === "POST"
  // A text, xml or binary body has no argument names: only a single unnamed parameter takes it.
  if (isPost && RAW_BODY_MEDIA.has(media)) return { keys: [], argsJson: "{}", unparsed: false }
  if (!isPost) {
    const args: Record<string, string> = {}
    for (const [key, value] of qp.rest) args[key] = value
    return { keys: Object.keys(args), argsJson: JSON.stringify(args), unparsed: false }
  }
  const text = rawBody?.toString("utf8") ?? ""
  if (media === "json" && qp.columns !== undefined) {
    // Kept from the parsing path, as for inserts (write.ts): a body nested deeper than any
    // argument needs could overflow Postgres's parser stack (54001) instead of being refused.
    // An empty body is not read as no arguments here: it is Postgres's 22P02 (RawJSON).
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw invalidJson()
    return { keys: parseColumns(qp.columns), argsJson: text, unparsed: true }
  }
  // An empty body is no arguments, as PostgREST reads it without columns=.
  if (text.trim() === "") return { keys: [], argsJson: "{}", unparsed: false }
  const parsed = parseJsonBody(rawBody!, rc.req)
  if (!isPlainObject(parsed)) {
    if (media !== "json") throw invalidJson()
    return { keys: [], argsJson: "{}", unparsed: false }
  }
  const keys = Object.keys(parsed)
  return { keys, argsJson: media === "json" ? text : JSON.stringify(parsed), unparsed: false }
}

export async function callRoutine(
  rs: RestState,
  rc: RequestContext,
  name: string,
  rawBody: Buffer | null
): Promise<Outcome> {
  if (!["GET", "HEAD", "POST"].includes(rc.method)) {
    throw new ApiError(405, "PGRST101", `Cannot use the ${rc.method} method on RPC`)
  }
  const isPost = rc.method === "POST"
  const overloads = rs.cache.routines.get(qualified(rc.schema, name)) ?? []
  const paramNames = new Set(overloads.flatMap((r) => r.params.map((p) => p.name)))
  // On GET a parameter is an argument when the function has it, or when it is no filter at all
  // (PostgREST's operator-less parameters), so unknown names end in PGRST202.
  const isArgument = (key: string, value: string) => {
    if (paramNames.has(key)) return true
    if (
      key.includes(".") ||
      key === "order" ||
      key === "limit" ||
      key === "offset" ||
      key === "or" ||
      key === "and"
    )
      return false
    try {
      parseFilter(parseFieldKey(key), value)
      return false
    } catch {
      return true
    }
  }
  const qp = parseQueryParams(rc.url.searchParams, isPost ? () => false : isArgument)
  const contentType = (rc.req.headers["content-type"] ?? "application/json")
    .split(";")[0]!
    .trim()
    .toLowerCase()
  const media = bodyMedia(contentType)
  const { keys, argsJson, unparsed } = routineArguments(rc, qp, media, rawBody)
  const { routine, singleParam } = chooseRoutine(rs, rc.schema, name, keys, isPost, media)
  // A JSON body that is not an object reaches only a single unnamed json/jsonb parameter.
  if (isPost && media === "json" && !singleParam && keys.length === 0 && !unparsed) {
    const text = rawBody?.toString("utf8").trim() ?? ""
    if (text !== "" && !text.startsWith("{")) throw invalidJson()
  }
  if (
    routine.returnsSet === false &&
    rc.prefs.handling === "strict" &&
    rc.prefs.maxAffected !== undefined
  ) {
    throw new ApiError(
      400,
      "PGRST128",
      "Function must return SETOF or TABLE when max-affected preference is used with handling=strict"
    )
  }
  const params = new SqlParams()
  const fn = qualifiedIdent(routine.schema, routine.name)
  let call: string
  let argsFrom = ""
  if (singleParam) {
    const type = routine.params[0]!.type
    const body = rawBody ?? Buffer.alloc(0)
    // Bytes travel as hex, so any byte (NUL included) survives the text protocol.
    const value =
      type === "bytea"
        ? `decode(${params.add(body.toString("hex"))}, 'hex')`
        : `${params.add(media === "json" && body.toString("utf8").trim() === "" ? "{}" : body.toString("utf8"))}::${type}`
    call = `${fn}(${value})`
  } else {
    if (keys.length) {
      const types = keys.map((k) => `${ident(k)} ${routine.params.find((p) => p.name === k)!.type}`)
      // As PostgREST's fromJsonBodyF for a call: json_to_record for an object, else
      // json_to_recordset's first row (only an unparsed body, with columns=, can be other than
      // an object), so a scalar or a non-object element is Postgres's own 22023 naming it.
      const toRows = startsWithBrace(argsJson) ? "json_to_record" : "json_to_recordset"
      argsFrom = `(select * from ${toRows}(${params.add(argsJson)}::json) as _a(${types.join(", ")}) limit 1) _a`
    }
    call = `${fn}(${keys.map((k) => `${ident(k)} := _a.${ident(k)}`).join(", ")})`
  }

  const maxAffected =
    rc.prefs.handling === "strict" && rc.prefs.maxAffected !== undefined
      ? rc.prefs.maxAffected
      : undefined
  if (routine.returnKind === "composite") {
    const from = `(select _f.* from ${argsFrom ? `${argsFrom} cross join lateral ` : ""}${call} as _f)`
    const table = routine.returnTable ? (rs.cache.tables.get(routine.returnTable) ?? null) : null
    // A volatile function runs once, materialized, however often the rows and the count read
    // it; others stay inlinable so filters reach their SQL.
    const source =
      routine.volatility === "v"
        ? {
            table,
            alias: routine.name,
            from: "pgrst_call",
            params,
            with: `pgrst_call as materialized ${from}`,
          }
        : { table, alias: routine.name, from, params }
    const outcome = await read(rs, rc, source, qp, {
      singleComposite: !routine.returnsSet,
      maxAffected,
    })
    return rc.method === "HEAD" ? { ...outcome, body: "" } : outcome
  }
  const argsSql = argsFrom ? ` from ${argsFrom}` : ""
  // A set of scalars pages and counts like a table's rows: the call runs once (materialized),
  // the page is cut from it, and count=exact|estimated counts all of it (PostgREST counts the
  // function's rows before limit and offset too).
  const range = resolveRange(
    rc.req.headers.range as string | undefined,
    qp.levels.get(""),
    Number.MAX_SAFE_INTEGER
  )
  const counted = rc.prefs.count !== undefined
  const limit = range.limit === Number.MAX_SAFE_INTEGER ? "" : ` limit ${params.add(range.limit)}`
  const offset = range.offset ? ` offset ${params.add(range.offset)}` : ""
  const sql =
    routine.returnKind === "void"
      ? `select null::bigint as total, 1 as page, null::text as body from (select ${call}${argsSql}) _v`
      : routine.returnsSet
        ? `with _all as materialized (select ${call} as v${argsSql}), _page as (select v from _all${limit}${offset}) select ${counted ? "(select count(*) from _all)" : "null::bigint"} as total, (select count(*) from _page)::int as page, (select coalesce(json_agg(_page.v), '[]') from _page)::text as body`
        : `select null::bigint as total, 1 as page, to_json(${call})::text as body${argsSql}`

  if (rc.media.plan) {
    return execute(rs, rc, (tx) => explainOutcome(tx, rc, sql, params.values), {
      oneShot: !rc.media.plan.options.includes("analyze"),
    })
  }

  return execute(
    rs,
    rc,
    async (tx) => {
      const { rows } = await tx.query<{ body: string | null; page: number; total: string | null }>(
        sql,
        params.values
      )
      const headers: Record<string, string> = {}
      const applied = appliedPreferences(rc.prefs, ["count", "tx", "handling", "maxAffected"])
      if (applied) headers["preference-applied"] = applied
      if (routine.returnKind === "void") {
        return {
          status: 204,
          headers: { ...headers, ...baseHeaders(rc, false), "content-range": "0-0/*" },
          body: "",
        }
      }
      const row = rows[0]!
      const page = routine.returnsSet ? row.page : 1
      if (maxAffected !== undefined && page > maxAffected) throw maxAffectedError(page)
      const total = row.total === null ? undefined : Number(row.total)
      let body = row.body ?? "null"
      if (rc.media.singular && routine.returnsSet) body = singleObject(body, page)
      const lower = routine.returnsSet ? range.offset : 0
      Object.assign(headers, baseHeaders(rc), {
        "content-range": contentRange(lower, lower + page - 1, total),
      })
      const status = total !== undefined && page < total ? 206 : 200

      return { status, headers, body: rc.method === "HEAD" ? "" : body }
    },
    { oneShot: maxAffected === undefined }
  )
}
