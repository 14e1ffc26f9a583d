// /rpc/<function>: choosing the overload PostgREST would choose, then calling it (composite
// results go through the read path, so they filter, order and embed like a table).
import { ApiError } from "./errors"
import {
  baseHeaders,
  contentRange,
  execute,
  invalidJson,
  parseJsonBody,
  singleObject,
  type Outcome,
  type RequestContext,
  type RestState,
} from "./kernel"
import { parseFieldKey, parseFilter } from "./query-grammar"
import { read } from "./read"
import { appliedPreferences, parseQueryParams } from "./request"
import { qualified, type Routine } from "./schema-cache"
import { closest } from "./similar"
import { ident, qualifiedIdent, SqlParams } from "./sql"

function chooseRoutine(
  rs: RestState,
  schema: string,
  name: string,
  keys: string[],
  isPost: boolean,
  contentType: string
): { routine: Routine; singleJson: boolean } {
  const overloads = rs.cache.routines.get(qualified(schema, name)) ?? []
  const sorted = [...keys].sort()
  const matches = overloads.filter((r) => {
    const names = r.params.map((p) => p.name)
    return (
      keys.every((k) => names.includes(k)) &&
      r.params.every((p) => p.hasDefault || keys.includes(p.name))
    )
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
      (r) =>
        r.params.length === 1 &&
        r.params[0]!.name === "" &&
        (r.params[0]!.type === "json" || r.params[0]!.type === "jsonb")
    )
    if (single.length === 1) return { routine: single[0]!, singleJson: true }
  }
  const func = `${schema}.${name}`
  const described =
    keys.length === 0
      ? " without parameters"
      : ` with parameter${keys.length > 1 ? "s" : ""} ${sorted.join(", ")}`
  let hint: string | null = null
  if (overloads.length) {
    const best = overloads[0]!
    hint = `Perhaps you meant to call the function ${func}(${best.params
      .map((p) => p.name)
      .sort()
      .join(", ")})`
  } else {
    const names = [...rs.cache.routines.values()]
      .flat()
      .filter((r) => r.schema === schema)
      .map((r) => r.name)
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
  let args: Record<string, unknown> = {}
  let bodyText = ""
  if (isPost) {
    bodyText = rawBody?.toString("utf8") ?? ""
    const parsed = bodyText.trim() === "" ? {} : parseJsonBody(rawBody!, rc.req)
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      const { routine } = chooseRoutine(rs, rc.schema, name, [], true, contentType)
      if (!(routine.params.length === 1 && routine.params[0]!.name === "")) throw invalidJson()
      args = {}
    } else args = parsed as Record<string, unknown>
  } else {
    for (const [key, value] of qp.rest) args[key] = value
  }
  const { routine, singleJson } = chooseRoutine(
    rs,
    rc.schema,
    name,
    Object.keys(args),
    isPost,
    contentType
  )
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
    const table = routine.returnTable ? (rs.cache.tables.get(routine.returnTable) ?? null) : null
    const outcome = await read(rs, rc, { table, alias: routine.name, from, params }, qp, {
      singleComposite: !routine.returnsSet,
    })
    return rc.method === "HEAD" ? { ...outcome, body: "" } : outcome
  }
  const sql =
    routine.returnKind === "void"
      ? `select null::bigint as total, 1 as page, null::text as body, null::int as inserted, null::text as location from (select ${call}${argsFrom ? ` from ${argsFrom}` : ""}) _v`
      : routine.returnsSet
        ? `select null::bigint as total, count(*)::int as page, coalesce(json_agg(_f.v), '[]')::text as body, null::int as inserted, null::text as location from (select ${call} as v${argsFrom ? ` from ${argsFrom}` : ""}) _f`
        : `select null::bigint as total, 1 as page, to_json(${call})::text as body, null::int as inserted, null::text as location${argsFrom ? ` from ${argsFrom}` : ""}`

  return execute(
    rs,
    rc,
    async (tx) => {
      const { rows } = await tx.query<{ body: string | null; page: number }>(sql, params.values)
      const headers: Record<string, string> = {}
      const applied = appliedPreferences(rc.prefs, ["count", "tx", "handling"])
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
      let body = row.body ?? "null"
      if (rc.media.singular && routine.returnsSet) body = singleObject(body, page)
      Object.assign(headers, baseHeaders(rc), {
        "content-range": contentRange(0, page - 1, undefined),
      })

      return { status: 200, headers, body: rc.method === "HEAD" ? "" : body }
    },
    { oneShot: true }
  )
}
