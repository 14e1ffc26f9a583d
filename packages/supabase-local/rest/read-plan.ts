import { ApiError } from "./errors"
import {
  type Aggregate,
  type Condition,
  type EmbedItem,
  type FieldRef,
  type Filter,
  type OrderTerm,
  type SelectItem,
} from "./query-grammar"
import { computedField, resolveRelationship, type Relationship } from "./relationships"
import { type SchemaCache, type Table } from "./schema-cache"
import { arrayLiteral, ident, literal, qualifiedIdent, type SqlParams } from "./sql"

/** What the query string says about one level of the request (the top, or one embed path). */
export type LevelParams = {
  conditions: Condition[]
  order?: OrderTerm[]
  limit?: number
  offset?: number
}

export type ReadNode = {
  table: Table | null
  /** The SQL alias rows of this level are referred to by. */
  alias: string
  /** The FROM source without its alias: a table, or a function call. */
  from: string
  items: SelectItem[]
  embeds: EmbedNode[]
  level: LevelParams
  /**
   * A to-one spread: its aggregates are applied by its parent over the joined rows, grouped by
   * the parent's other columns (PostgREST's hoistSpreadAggFunctions, Plan.hs).
   */
  hoists?: boolean
}

type EmbedNode = { item: EmbedItem; rel: Relationship; node: ReadNode; name: string }

export type PlanContext = {
  cache: SchemaCache
  params: SqlParams
  counter: { next: number }
  /** PostgREST's db-aggregates-enabled; off by default there and on hosted Supabase. */
  aggregates?: boolean
}

const pathKey = (path: string[]) => path.join("\u0000")

/** Plans a level and its embeds, consuming the query-string parameters addressed to them. */
export function planRead(
  ctx: PlanContext,
  source: { table: Table | null; alias: string; from: string },
  items: SelectItem[],
  levels: Map<string, LevelParams>,
  path: string[] = []
): ReadNode {
  const node: ReadNode = {
    ...source,
    items,
    embeds: [],
    level: levels.get(pathKey(path)) ?? { conditions: [] },
  }
  levels.delete(pathKey(path))
  const usesAggregate = items.some(
    (i) => i.kind === "count" || (i.kind === "column" && i.aggregate)
  )
  if (usesAggregate && !ctx.aggregates) {
    throw new ApiError(400, "PGRST123", "Use of aggregate functions is not allowed")
  }
  for (const item of items) {
    if (item.kind !== "embed") continue
    if (!source.table) {
      throw new ApiError(
        400,
        "PGRST200",
        `Could not find a relationship between '${source.alias}' and '${item.name}' in the schema cache`,
        null
      )
    }
    const rel = resolveRelationship(ctx.cache, source.table, item.name, item.hint)
    const name = item.alias ?? item.name
    const child = planRead(
      ctx,
      {
        table: rel.target,
        alias: `${rel.target.name}_${++ctx.counter.next}`,
        // A computed relationship's rows are its function called on the parent's row, as
        // PostgREST calls it: fn(parent_alias::parent_table).
        from: rel.computed
          ? `${qualifiedIdent(rel.computed.schema, rel.computed.name)}(${rowOf(source.alias, source.table)})`
          : `${ident(rel.target.schema)}.${ident(rel.target.name)}`,
      },
      item.select,
      levels,
      [...path, name]
    )
    if (item.spread && rel.toOne) child.hoists = true
    if (item.spread && !rel.toOne && spreadAggregates(child)) {
      // As PostgREST's addToManyOrderSelects refuses them (Plan.hs).
      throw new ApiError(
        400,
        "PGRST127",
        "Feature not implemented",
        "Aggregates are not implemented for one-to-many or many-to-many spreads."
      )
    }
    node.embeds.push({ item, rel, node: child, name })
  }
  if (path.length === 0 && levels.size > 0) {
    const [unknown] = [...levels.keys()]
    const name = unknown!.split("\u0000").at(-1) ?? ""
    throw new ApiError(
      400,
      "PGRST108",
      `'${name}' is not an embedded resource in this request`,
      null,
      `Verify that '${name}' is included in the 'select' query parameter.`
    )
  }

  return node
}

/** Whether a to-many spread's level aggregates, itself or through its to-one spreads. */
function spreadAggregates(node: ReadNode): boolean {
  return (
    node.items.some((i) => i.kind === "count" || (i.kind === "column" && i.aggregate)) ||
    node.embeds.some((e) => e.node.hoists && hoistedAggregates(e.node).length > 0)
  )
}

/** A bare `count` column where the table has none: PostgREST's legacy spelling of count(). */
function isCountColumn(node: ReadNode, item: SelectItem): boolean {
  return (
    item.kind === "column" &&
    item.field.name === "count" &&
    item.field.json.length === 0 &&
    !item.aggregate &&
    node.table !== null &&
    !node.table.columns.has("count")
  )
}

type Hoisted = { name: string; fn: Aggregate; cast?: string }

/**
 * The aggregates a to-one spread hands to its parent (its own and those its own to-one spreads
 * hand up), by output name: the spread selects the raw values, the parent aggregates them.
 */
function hoistedAggregates(node: ReadNode): Hoisted[] {
  const out: Hoisted[] = []
  for (const item of node.items) {
    if (item.kind === "count")
      out.push({ name: item.alias ?? "count", fn: "count", cast: item.cast })
    else if (isCountColumn(node, item) && item.kind === "column")
      out.push({ name: item.alias ?? "count", fn: "count" })
    else if (item.kind === "column" && item.aggregate)
      out.push({
        name: item.alias ?? item.aggregate,
        fn: item.aggregate,
        cast: item.aggregateCast,
      })
  }
  for (const embed of node.embeds)
    if (embed.item.spread && embed.node.hoists) out.push(...hoistedAggregates(embed.node))
  return out
}

/** A level's row as its table's row type, the argument of computed fields and relationships. */
function rowOf(alias: string, table: Table) {
  return `${ident(alias)}::${qualifiedIdent(table.schema, table.name)}`
}

/**
 * A field of a level: its column, or a computed field (PostgREST calls a function taking the
 * table's row and returning a scalar like a column: fn(alias::table)), then its JSON path.
 */
function nodeFieldSql(ctx: PlanContext, node: ReadNode, field: FieldRef): string {
  const table = node.table
  if (table && !table.columns.has(field.name)) {
    const fn = computedField(ctx.cache, table, field.name)
    if (fn)
      return jsonPathSql(
        `${qualifiedIdent(fn.schema, fn.name)}(${rowOf(node.alias, table)})`,
        field
      )
  }
  return fieldSql(node.alias, field)
}

export function fieldSql(alias: string, field: FieldRef): string {
  return jsonPathSql(`${ident(alias)}.${ident(field.name)}`, field)
}

function jsonPathSql(base: string, field: FieldRef): string {
  let sql = base
  for (const step of field.json) {
    const key = /^-?\d+$/.test(step.key) ? step.key : literal(step.key)
    sql += `${step.arrow}${key}`
  }
  return sql
}

function outputName(field: FieldRef) {
  return field.json.at(-1)?.key ?? field.name
}

function joinCondition(parentAlias: string, embed: EmbedNode): string {
  const { rel, node } = embed
  // The function call already relates a computed relationship's rows to the parent.
  if (rel.computed) return "true"
  const pairs = (childCols: string[], parentCols: string[], childAlias: string) =>
    childCols.map(
      (column, i) =>
        `${ident(childAlias)}.${ident(column)} = ${ident(parentAlias)}.${ident(parentCols[i]!)}`
    )
  if (rel.junction) {
    const jAlias = `${node.alias}_j`
    const { source, target } = rel.junction

    return [
      ...source.columns.map(
        (c, i) =>
          `${ident(jAlias)}.${ident(c)} = ${ident(parentAlias)}.${ident(source.foreignColumns[i]!)}`
      ),
      ...target.columns.map(
        (c, i) =>
          `${ident(jAlias)}.${ident(c)} = ${ident(node.alias)}.${ident(target.foreignColumns[i]!)}`
      ),
    ].join(" and ")
  }
  if (rel.fkOnSource) return pairs(rel.fk.foreignColumns, rel.fk.columns, node.alias).join(" and ")

  return pairs(rel.fk.columns, rel.fk.foreignColumns, node.alias).join(" and ")
}

function fromSql(embed: EmbedNode | null, node: ReadNode): string {
  let sql = `${node.from} as ${ident(node.alias)}`
  if (embed?.rel.junction) {
    const j = embed.rel.junction.table
    sql += `, ${ident(j.schema)}.${ident(j.name)} as ${ident(`${node.alias}_j`)}`
  }
  return sql
}

const COMPARE: Record<string, string> = {
  eq: "=",
  neq: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  like: "like",
  ilike: "ilike",
  match: "~",
  imatch: "~*",
  cs: "@>",
  cd: "<@",
  ov: "&&",
  sl: "<<",
  sr: ">>",
  nxr: "&<",
  nxl: "&>",
  adj: "-|-",
}
const FTS_FUNCTION: Record<string, string> = {
  fts: "to_tsquery",
  plfts: "plainto_tsquery",
  phfts: "phraseto_tsquery",
  wfts: "websearch_to_tsquery",
}

function filterSql(ctx: PlanContext, node: ReadNode, filter: Filter): string {
  const embed =
    filter.field.json.length === 0 && !node.table?.columns.has(filter.field.name)
      ? node.embeds.find((e) => e.name === filter.field.name)
      : undefined
  if (embed) {
    if (filter.op !== "is" || filter.value.toLowerCase() !== "null") {
      throw new ApiError(
        400,
        "PGRST120",
        `Bad operator on the '${embed.name}' embedded resource`,
        "Only is null or not is null filters are allowed on embedded resources"
      )
    }
    const exists = existsSql(ctx, node.alias, embed)
    return filter.negated ? exists : `not ${exists}`
  }
  const expr = nodeFieldSql(ctx, node, filter.field)
  let sql: string
  const { op, value } = filter
  if (op === "is") {
    sql = `${expr} is ${value.toLowerCase()}`
  } else if (op === "isdistinct") {
    sql = `${expr} is distinct from ${ctx.params.add(value)}`
  } else if (op === "in") {
    sql = `${expr} = any(${ctx.params.add(arrayLiteral(filter.list ?? []))})`
  } else if (op in FTS_FUNCTION) {
    const column = node.table?.columns.get(filter.field.name)
    const language = filter.language ? `${ctx.params.add(filter.language)}::regconfig, ` : ""
    const vector =
      column?.udt === "tsvector" && filter.field.json.length === 0
        ? expr
        : `to_tsvector(${language}${expr})`
    sql = `${vector} @@ ${FTS_FUNCTION[op]}(${language}${ctx.params.add(value)})`
  } else {
    const operator = COMPARE[op]!
    const text = op === "like" || op === "ilike" ? value.replaceAll("*", "%") : value
    sql = filter.quantifier
      ? `${expr} ${operator} ${filter.quantifier}(${ctx.params.add(text)})`
      : `${expr} ${operator} ${ctx.params.add(text)}`
  }

  return filter.negated ? `not (${sql})` : sql
}

export function conditionSql(ctx: PlanContext, node: ReadNode, condition: Condition): string {
  if (condition.kind === "filter") return filterSql(ctx, node, condition.filter)
  const parts = condition.children.map((child) => conditionSql(ctx, node, child))
  const joined = `(${parts.join(condition.op === "and" ? " and " : " or ")})`

  return condition.negated ? `not ${joined}` : joined
}

/** The WHERE conditions of a level: its join to the parent, its filters, and its inner embeds. */
function whereParts(
  ctx: PlanContext,
  node: ReadNode,
  parent: { alias: string; embed: EmbedNode } | null
) {
  const parts: string[] = []
  if (parent) parts.push(joinCondition(parent.alias, parent.embed))
  for (const condition of node.level.conditions) parts.push(conditionSql(ctx, node, condition))
  for (const embed of node.embeds)
    if (embed.item.inner) parts.push(existsSql(ctx, node.alias, embed))

  return parts
}

function existsSql(ctx: PlanContext, parentAlias: string, embed: EmbedNode): string {
  const where = whereParts(ctx, embed.node, { alias: parentAlias, embed })

  return `exists (select 1 from ${fromSql(embed, embed.node)} where ${where.join(" and ")})`
}

function orderSql(ctx: PlanContext, node: ReadNode, terms: OrderTerm[] | undefined): string {
  if (!terms?.length) return ""
  const sql = terms.map((term) => {
    let expr: string
    if (term.relation) {
      const embed = node.embeds.find((e) => e.name === term.relation)
      if (!embed) {
        throw new ApiError(
          400,
          "PGRST108",
          `'${term.relation}' is not an embedded resource in this request`,
          null,
          `Verify that '${term.relation}' is included in the 'select' query parameter.`
        )
      }
      if (!embed.rel.toOne) {
        throw new ApiError(
          400,
          "PGRST118",
          `A related order on '${embed.name}' is not possible`,
          `'${node.table?.name ?? node.alias}' and '${embed.name}' do not form a many-to-one or one-to-one relationship`
        )
      }
      expr = `(select ${nodeFieldSql(ctx, embed.node, term.field)} from ${fromSql(embed, embed.node)} where ${joinCondition(node.alias, embed)})`
    } else {
      expr = nodeFieldSql(ctx, node, term.field)
    }
    const direction = term.direction ? ` ${term.direction}` : ""
    const nulls = term.nulls ? ` nulls ${term.nulls}` : ""

    return `${expr}${direction}${nulls}`
  })

  return ` order by ${sql.join(", ")}`
}

type Projection = { sql: string; name: string; aggregate: boolean }

/** The output names an embed contributes to its parent when spread. */
function spreadNames(embed: EmbedNode): string[] {
  return projectionNames(embed.node)
}

function projectionNames(node: ReadNode): string[] {
  const names: string[] = []
  for (const item of node.items) {
    if (item.kind === "star") names.push(...(node.table ? [...node.table.columns.keys()] : []))
    else if (item.kind === "column")
      names.push(item.alias ?? item.aggregate ?? outputName(item.field))
    else if (item.kind === "count") names.push(item.alias ?? "count")
    else {
      const embed = node.embeds.find((e) => e.item === item)
      if (!embed || item.select.length === 0) continue
      if (item.spread) names.push(...spreadNames(embed))
      else names.push(embed.name)
    }
  }
  return names
}

function projection(ctx: PlanContext, node: ReadNode, laterals: string[]): Projection[] {
  const out: Projection[] = []
  const a = ident(node.alias)
  for (const item of node.items) {
    if (item.kind === "star") {
      if (node.table) {
        for (const column of node.table.columns.keys()) {
          out.push({ sql: `${a}.${ident(column)}`, name: column, aggregate: false })
        }
      } else out.push({ sql: `${a}.*`, name: "*", aggregate: false })
    } else if (item.kind === "count") {
      // A hoisting level counts its rows through a value that is null where it has none.
      if (node.hoists) out.push({ sql: "1", name: item.alias ?? "count", aggregate: false })
      else {
        const sql = `count(*)${item.cast ? `::${item.cast}` : ""}`
        out.push({ sql, name: item.alias ?? "count", aggregate: true })
      }
    } else if (item.kind === "column") {
      if (isCountColumn(node, item)) {
        out.push(
          node.hoists
            ? { sql: "1", name: item.alias ?? "count", aggregate: false }
            : { sql: "count(*)", name: item.alias ?? "count", aggregate: true }
        )
        continue
      }
      let sql = nodeFieldSql(ctx, node, item.field)
      if (item.cast) sql = `(${sql})::${item.cast}`
      if (item.aggregate && !node.hoists) {
        sql = `${item.aggregate}(${sql})`
        if (item.aggregateCast) sql = `(${sql})::${item.aggregateCast}`
      }
      out.push({
        sql,
        name: item.alias ?? item.aggregate ?? outputName(item.field),
        aggregate: Boolean(item.aggregate) && !node.hoists,
      })
    } else {
      const embed = node.embeds.find((e) => e.item === item)
      if (!embed || item.select.length === 0) continue
      const inner = selectSql(ctx, embed.node, { alias: node.alias, embed })
      if (!item.spread) {
        const sql = embed.rel.toOne
          ? `(select row_to_json(_e) from (${inner}) _e)`
          : `coalesce((select json_agg(_e) from (${inner}) _e), '[]')`
        out.push({ sql, name: embed.name, aggregate: false })
      } else if (embed.rel.toOne) {
        const lateral = `${embed.node.alias}_s`
        const hoisted = hoistedAggregates(embed.node)
        // jsonb, so a spread column can be grouped by when the parent aggregates (json has no
        // equality operator), as PostgREST groups by spread columns. Hoisted aggregates' raw
        // values come typed beside it, to be aggregated here (or handed further up).
        const typed = hoisted.map((h, i) => `, _e.${ident(h.name)} as ${ident(`h${i}`)}`)
        laterals.push(
          `left join lateral (select to_jsonb(_e) as body${typed.join("")} from (${inner}) _e) as ${ident(lateral)} on true`
        )
        for (const name of spreadNames(embed)) {
          const h = hoisted.findIndex((x) => x.name === name)
          if (h < 0) {
            out.push({ sql: `${ident(lateral)}.body->${literal(name)}`, name, aggregate: false })
            continue
          }
          const raw = `${ident(lateral)}.${ident(`h${h}`)}`
          const { fn, cast } = hoisted[h]!
          out.push(
            node.hoists
              ? { sql: raw, name, aggregate: false }
              : { sql: `(${fn}(${raw}))${cast ? `::${cast}` : ""}`, name, aggregate: true }
          )
        }
      } else {
        for (const name of spreadNames(embed)) {
          out.push({
            sql: `coalesce((select json_agg(_e.${ident(name)}) from (${inner}) _e), '[]')`,
            name,
            aggregate: false,
          })
        }
      }
    }
  }

  return out
}

function limitSql(ctx: PlanContext, level: LevelParams): string {
  let sql = ""
  if (level.limit !== undefined) sql += ` limit ${ctx.params.add(level.limit)}`
  if (level.offset) sql += ` offset ${ctx.params.add(level.offset)}`
  return sql
}

/** One level's SELECT (the rows, not yet aggregated into JSON). */
export function selectSql(
  ctx: PlanContext,
  node: ReadNode,
  parent: { alias: string; embed: EmbedNode } | null,
  override?: { limit?: number; offset?: number }
): string {
  const laterals: string[] = []
  const items = projection(ctx, node, laterals)
  const columns = items.length
    ? items.map((p) => (p.name === "*" ? p.sql : `${p.sql} as ${ident(p.name)}`)).join(", ")
    : ""
  const where = whereParts(ctx, node, parent)
  const hasAggregate = items.some((p) => p.aggregate)
  const groupBy = hasAggregate
    ? items.map((p, i) => (p.aggregate ? null : String(i + 1))).filter((p) => p !== null)
    : []
  const level = override ? { ...node.level, ...override } : node.level
  const from = fromSql(parent?.embed ?? null, node)
  const filters = where.length ? ` where ${where.join(" and ")}` : ""

  // Embeds are subqueries per row: filter, order and limit first, then embed only the rows
  // that are returned (Postgres would otherwise evaluate them for every row it scans).
  if (!hasAggregate && node.embeds.some((e) => e.item.select.length > 0)) {
    const rows = `select ${ident(node.alias)}.* from ${from}${filters}${orderSql(ctx, node, level.order)}${limitSql(ctx, level)}`
    return (
      `select ${columns} from (${rows}) as ${ident(node.alias)}` +
      (laterals.length ? ` ${laterals.join(" ")}` : "") +
      orderSql(ctx, node, level.order)
    )
  }

  return (
    `select ${columns} from ${from}` +
    (laterals.length ? ` ${laterals.join(" ")}` : "") +
    (where.length ? ` where ${where.join(" and ")}` : "") +
    (groupBy.length ? ` group by ${groupBy.join(", ")}` : "") +
    orderSql(ctx, node, level.order) +
    limitSql(ctx, level)
  )
}

/** count(*) of the rows a level's filters select, ignoring limit and offset. */
export function countSql(ctx: PlanContext, node: ReadNode): string {
  const where = whereParts(ctx, node, null)

  return `select count(*) from ${fromSql(null, node)}${where.length ? ` where ${where.join(" and ")}` : ""}`
}

export type BodyFormat = "json" | "json-stripped" | "csv" | "geojson"

/** Aggregates a row source (named pgrst_source) into the response body, in Postgres. */
export function bodySql(format: BodyFormat): string {
  if (format === "csv") {
    return `(select coalesce(string_agg(k, ','), '') from (select json_object_keys(row_to_json(_h)) as k from (select * from pgrst_source limit 1) _h) _k) || chr(10) || coalesce(string_agg(substring(_t::text, 2, length(_t::text) - 2), chr(10)), '')`
  }
  // A FeatureCollection of the rows, each a Feature of its geometry column with the other
  // columns as properties, as PostgREST's geojson aggregate builds it with PostGIS.
  if (format === "geojson") {
    return `json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(st_asgeojson(_t)::json), '[]'))::text`
  }
  if (format === "json-stripped") {
    return `coalesce(json_agg(json_strip_nulls(row_to_json(_t))), '[]')::text`
  }
  return `coalesce(json_agg(_t), '[]')::text`
}
