import { parseError } from "./errors"

// PostgREST's query-string grammar: select lists, filters, logic trees and orders.
// Each parser is a small recursive-descent reader over one parameter value.

export type JsonStep = { arrow: "->" | "->>"; key: string }
export type FieldRef = { name: string; json: JsonStep[] }

export type ColumnItem = {
  kind: "column"
  field: FieldRef
  alias?: string
  cast?: string
  aggregate?: Aggregate
  aggregateCast?: string
}
export type Aggregate = "count" | "sum" | "avg" | "max" | "min"
export type CountItem = { kind: "count"; alias?: string; cast?: string }
export type EmbedItem = {
  kind: "embed"
  name: string
  alias?: string
  hint?: string
  inner: boolean
  spread: boolean
  select: SelectItem[]
}
export type SelectItem = { kind: "star" } | ColumnItem | CountItem | EmbedItem

export const OPERATORS = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "like",
  "ilike",
  "match",
  "imatch",
  "is",
  "isdistinct",
  "in",
  "cs",
  "cd",
  "ov",
  "sl",
  "sr",
  "nxl",
  "nxr",
  "adj",
  "fts",
  "plfts",
  "phfts",
  "wfts",
] as const
export type Operator = (typeof OPERATORS)[number]
const QUANTIFIABLE = new Set<string>([
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "like",
  "ilike",
  "match",
  "imatch",
])
const FTS = new Set<string>(["fts", "plfts", "phfts", "wfts"])

export type Filter = {
  field: FieldRef
  negated: boolean
  op: Operator
  quantifier?: "any" | "all"
  language?: string
  /** Raw text for most operators; the element list for `in`. */
  value: string
  list?: string[]
}
export type Condition =
  | { kind: "filter"; filter: Filter }
  | { kind: "logic"; op: "and" | "or"; negated: boolean; children: Condition[] }

export type OrderTerm = {
  relation?: string
  field: FieldRef
  direction?: "asc" | "desc"
  nulls?: "first" | "last"
}

class Reader {
  pos = 0
  constructor(
    readonly text: string,
    readonly what: string
  ) {}

  get done() {
    return this.pos >= this.text.length
  }
  peek(offset = 0) {
    return this.text[this.pos + offset] ?? ""
  }
  startsWith(token: string) {
    return this.text.startsWith(token, this.pos)
  }
  fail(expecting: string): never {
    const found = this.done ? "end of input" : `"${this.peek()}"`
    throw parseError(
      this.what,
      this.text,
      this.pos + 1,
      `unexpected ${found} expecting ${expecting}`
    )
  }
  expect(token: string) {
    if (!this.startsWith(token)) this.fail(`"${token}"`)
    this.pos += token.length
  }
  skipSpaces() {
    while (this.peek() === " ") this.pos++
  }
}

const NAME_STOP = new Set([",", "(", ")", ":", ".", "!", "-", ">", '"', "\\"])

/** An identifier: a double-quoted name, or characters up to a delimiter. */
function readName(r: Reader): string {
  r.skipSpaces()
  if (r.peek() === '"') {
    r.pos++
    let name = ""
    while (!r.done && r.peek() !== '"') {
      if (r.peek() === "\\" && r.peek(1)) r.pos++
      name += r.peek()
      r.pos++
    }
    r.expect('"')
    return name
  }
  const start = r.pos
  while (!r.done) {
    const c = r.peek()
    if (c === "-" && r.peek(1) !== ">") {
      r.pos++
      continue
    }
    if (NAME_STOP.has(c) || c === " ") break
    r.pos++
  }
  const name = r.text.slice(start, r.pos)
  if (!name) r.fail("field name (* or [a..z0..9_$])")
  return name
}

function readJsonPath(r: Reader): JsonStep[] {
  const steps: JsonStep[] = []
  while (r.startsWith("->")) {
    const arrow = r.startsWith("->>") ? "->>" : "->"
    r.pos += arrow.length
    steps.push({ arrow, key: readName(r) })
  }
  return steps
}

export function readField(r: Reader): FieldRef {
  const name = readName(r)
  return { name, json: readJsonPath(r) }
}

// A cast is one identifier, as in PostgREST (it goes into the SQL unquoted, so nothing else).
const CAST_RE = /^[A-Za-z0-9_]+(\[\])?$/

function readCast(r: Reader): string | undefined {
  if (!r.startsWith("::")) return undefined
  r.pos += 2
  const start = r.pos
  while (!r.done && /[A-Za-z0-9_[\]]/.test(r.peek())) r.pos++
  const cast = r.text.slice(start, r.pos)
  if (!CAST_RE.test(cast)) {
    r.pos = start
    r.fail("letter or digit")
  }
  return cast
}

const AGGREGATES = new Set<string>(["count", "sum", "avg", "max", "min"])

function readSelectItem(r: Reader): SelectItem {
  r.skipSpaces()
  if (r.peek() === "*") {
    r.pos++
    return { kind: "star" }
  }
  if (r.startsWith("...")) {
    r.pos += 3
    const item = readSelectItem(r)
    if (item.kind !== "embed") r.fail('"(" for a spread embed')
    return { ...item, spread: true }
  }
  let alias: string | undefined
  let name = readName(r)
  if (r.peek() === ":" && r.peek(1) !== ":") {
    r.pos++
    alias = name
    if (r.startsWith("...")) r.fail("field name after alias")
    name = readName(r)
  }
  if (name === "count" && r.startsWith("()")) {
    r.pos += 2
    return { kind: "count", alias, cast: readCast(r) }
  }
  if (r.peek() === "!" || r.peek() === "(") {
    let hint: string | undefined
    let inner = false
    while (r.peek() === "!") {
      r.pos++
      const word = readName(r)
      if (word === "inner") inner = true
      else if (word === "left") inner = false
      else hint = word
    }
    r.expect("(")
    const select = r.peek() === ")" ? [] : readSelectList(r)
    r.expect(")")
    return { kind: "embed", name, alias, hint, inner, spread: false, select }
  }
  const field: FieldRef = { name, json: readJsonPath(r) }
  const cast = readCast(r)
  let aggregate: Aggregate | undefined
  let aggregateCast: string | undefined
  if (r.peek() === ".") {
    r.pos++
    const fn = readName(r)
    if (!AGGREGATES.has(fn)) r.fail("aggregate function (count, sum, avg, max, min)")
    r.expect("()")
    aggregate = fn as Aggregate
    aggregateCast = readCast(r)
  }

  return { kind: "column", field, alias, cast, aggregate, aggregateCast }
}

function readSelectList(r: Reader): SelectItem[] {
  const items = [readSelectItem(r)]
  r.skipSpaces()
  while (r.peek() === ",") {
    r.pos++
    items.push(readSelectItem(r))
    r.skipSpaces()
  }
  return items
}

/**
 * Postgres refuses a select list longer than 1664 entries (MaxTupleAttributeNumber, error
 * 54011, which PostgREST would pass on as a 500); the query string is refused before that, as
 * the parse error it is.
 */
export const MAX_SELECT_ITEMS = 1664

function countSelectItems(items: SelectItem[]): number {
  return items.reduce(
    (total, item) => total + 1 + (item.kind === "embed" ? countSelectItems(item.select) : 0),
    0
  )
}

export function parseSelect(text: string): SelectItem[] {
  const r = new Reader(text, "select parameter")
  if (text.trim() === "") return [{ kind: "star" }]
  const items = readSelectList(r)
  r.skipSpaces()
  if (!r.done) r.fail('"," or end of input')
  if (countSelectItems(items) > MAX_SELECT_ITEMS) {
    throw parseError(
      "select parameter",
      text.length > 80 ? `${text.slice(0, 80)}…` : text,
      1,
      `more than ${MAX_SELECT_ITEMS} columns and embeddings selected`
    )
  }
  return items
}

/** `[not.]op[(any|all)|(language)].value`, the right-hand side of a filter. */
function readOperation(r: Reader, field: FieldRef, rest: (r: Reader) => string): Filter {
  let negated = false
  if (r.startsWith("not.")) {
    negated = true
    r.pos += 4
  }
  const start = r.pos
  while (!r.done && /[a-z]/.test(r.peek())) r.pos++
  const op = r.text.slice(start, r.pos)
  if (!(OPERATORS as readonly string[]).includes(op)) {
    r.pos = start
    r.fail('"not" or operator (eq, gt, ...)')
  }
  let quantifier: "any" | "all" | undefined
  let language: string | undefined
  if (r.peek() === "(") {
    r.pos++
    const word = readName(r)
    r.expect(")")
    if (FTS.has(op)) language = word
    else if (QUANTIFIABLE.has(op) && (word === "any" || word === "all")) quantifier = word
    else r.fail(FTS.has(op) ? "text search config" : '"any" or "all"')
  }
  r.expect(".")
  const value = rest(r)
  const filter: Filter = { field, negated, op: op as Operator, quantifier, language, value }
  if (op === "in") filter.list = parseList(value, r)
  if (op === "is" && !/^(null|true|false|unknown)$/i.test(value)) {
    throw parseError(
      "filter",
      r.text,
      start + 1,
      'unexpected value expecting "null", "true", "false" or "unknown"'
    )
  }
  if (quantifier && !/^\{.*\}$/s.test(value)) {
    throw parseError(
      "filter",
      r.text,
      r.pos + 1,
      'unexpected value expecting "{" for a list of values'
    )
  }
  return filter
}

/**
 * The elements of `(a,"b,c",d)`: an element that starts with a double quote runs to the closing
 * quote (backslash escapes); any other runs to the next comma, spaces kept, as PostgREST reads it.
 */
function parseList(value: string, r: Reader): string[] {
  if (!value.startsWith("(") || !value.endsWith(")")) {
    throw parseError(
      "filter",
      r.text,
      r.text.length - value.length + 1,
      'unexpected value expecting "("'
    )
  }
  const inner = value.slice(1, -1)
  if (inner === "") return []
  const items: string[] = []
  let i = 0
  for (;;) {
    let item = ""
    let quotedEnd = -1
    if (inner[i] === '"') {
      let j = i + 1
      let text = ""
      while (j < inner.length && inner[j] !== '"') {
        if (inner[j] === "\\" && j + 1 < inner.length) j++
        text += inner[j]
        j++
      }
      if (j < inner.length && (j + 1 === inner.length || inner[j + 1] === ",")) {
        item = text
        quotedEnd = j + 1
      }
    }
    if (quotedEnd >= 0) i = quotedEnd
    else {
      const comma = inner.indexOf(",", i)
      const stop = comma === -1 ? inner.length : comma
      item = inner.slice(i, stop)
      i = stop
    }
    items.push(item)
    if (i >= inner.length) break
    i++ // the comma
  }
  return items
}

export function parseFilter(key: FieldRef, value: string): Filter {
  const r = new Reader(value, "filter")
  return readOperation(r, key, (reader) => {
    const rest = reader.text.slice(reader.pos)
    reader.pos = reader.text.length
    return rest
  })
}

/** A value inside a logic tree: quoted, or balanced up to the next top-level "," or ")". */
function readTreeValue(r: Reader): string {
  if (r.peek() === '"') {
    r.pos++
    let value = ""
    while (!r.done && r.peek() !== '"') {
      if (r.peek() === "\\" && r.peek(1)) r.pos++
      value += r.peek()
      r.pos++
    }
    r.expect('"')
    return value
  }
  let depth = 0
  const start = r.pos
  let inQuote = false
  while (!r.done) {
    const c = r.peek()
    if (inQuote) {
      if (c === "\\") r.pos++
      else if (c === '"') inQuote = false
    } else if (c === '"') inQuote = true
    else if (c === "(" || c === "{" || c === "[") depth++
    else if (c === ")" || c === "}" || c === "]") {
      if (depth === 0) break
      depth--
    } else if (c === "," && depth === 0) break
    r.pos++
  }
  return r.text.slice(start, r.pos)
}

function readCondition(r: Reader): Condition {
  r.skipSpaces()
  let negated = false
  if (r.startsWith("not.and(") || r.startsWith("not.or(")) {
    negated = true
    r.pos += 4
  }
  if (r.startsWith("and(") || r.startsWith("or(")) {
    const op = r.startsWith("and(") ? "and" : "or"
    r.pos += op.length
    return { kind: "logic", op, negated, children: readConditionList(r) }
  }
  const field = readField(r)
  r.expect(".")
  return { kind: "filter", filter: readOperation(r, field, readTreeValue) }
}

function readConditionList(r: Reader): Condition[] {
  r.expect("(")
  const children = [readCondition(r)]
  while (r.peek() === ",") {
    r.pos++
    children.push(readCondition(r))
  }
  r.expect(")")
  return children
}

export function parseLogic(op: "and" | "or", negated: boolean, value: string): Condition {
  const r = new Reader(value, "logic tree")
  const children = readConditionList(r)
  if (!r.done) r.fail("end of input")
  return { kind: "logic", op, negated, children }
}

export function parseOrder(value: string): OrderTerm[] {
  const r = new Reader(value, "order")
  const terms: OrderTerm[] = []
  for (;;) {
    let relation: string | undefined
    let field = readField(r)
    if (r.peek() === "(") {
      r.pos++
      relation = field.name
      field = readField(r)
      r.expect(")")
    }
    const term: OrderTerm = { relation, field }
    while (r.peek() === ".") {
      r.pos++
      const word = readName(r)
      if ((word === "asc" || word === "desc") && !term.direction && !term.nulls)
        term.direction = word
      else if ((word === "nullsfirst" || word === "nullslast") && !term.nulls)
        term.nulls = word === "nullsfirst" ? "first" : "last"
      else {
        r.pos -= word.length
        r.fail('"asc", "desc", "nullsfirst" or "nullslast"')
      }
    }
    terms.push(term)
    if (r.done) break
    r.expect(",")
  }
  return terms
}

/** Splits a parameter key like `actors.films.order` on dots outside double quotes. */
export function splitKey(key: string): string[] {
  const parts: string[] = []
  let current = ""
  let quoted = false
  for (const c of key) {
    if (c === '"') quoted = !quoted
    if (c === "." && !quoted) {
      parts.push(current)
      current = ""
    } else current += c
  }
  parts.push(current)
  return parts
}

/** A filter key: a column with an optional JSON path. */
export function parseFieldKey(key: string): FieldRef {
  const r = new Reader(key, "filter")
  const field = readField(r)
  if (!r.done) r.fail("end of field name")
  return field
}

/** The `columns=` parameter of inserts and updates. */
export function parseColumns(value: string): string[] {
  const r = new Reader(value, "columns")
  const columns = [readName(r)]
  while (r.peek() === ",") {
    r.pos++
    columns.push(readName(r))
  }
  if (!r.done) r.fail('"," or end of input')
  return columns
}

const parsedSelects = new Map<string, SelectItem[]>()
const PARSED_SELECTS_LIMIT = 1000

/**
 * parseSelect, remembered per select text: an app sends the same few select lists again and
 * again. The planner only reads the items, so one parse serves every request that sends it.
 */
export function parseSelectCached(text: string): SelectItem[] {
  let items = parsedSelects.get(text)
  if (!items) {
    items = parseSelect(text)
    if (parsedSelects.size >= PARSED_SELECTS_LIMIT) parsedSelects.clear()
    parsedSelects.set(text, items)
  }
  return items
}
