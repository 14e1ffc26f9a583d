/** postgres_changes filters ("column=op.value", several joined by commas, all must match). */
export const FILTER_OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "in"] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

/** value is a Postgres literal: a scalar's text, or an array literal "{a,b}" for `in`. */
export type ChangeFilter = { column: string; op: FilterOperator; value: string }

export class FilterParseError extends Error {}

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let current = ""
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (quoted) {
      current += char
      if (char === "\\" && i + 1 < text.length) current += text[++i]
      else if (char === '"') quoted = false
      continue
    }
    if (char === '"') quoted = true
    else if (char === "(") depth++
    else if (char === ")") depth = Math.max(0, depth - 1)
    else if (char === "," && depth === 0) {
      parts.push(current)
      current = ""
      continue
    }
    current += char
  }
  parts.push(current)

  return parts
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, "$1")
  }

  return value
}

function isFilterOperator(op: string): op is FilterOperator {
  return (FILTER_OPERATORS as readonly string[]).includes(op)
}

/** Parses a filter string as Supabase Realtime accepts it; an empty string means no filter. */
export function parseFilters(filter: string | undefined | null): ChangeFilter[] {
  if (filter === undefined || filter === null || filter.trim() === "") return []

  return splitTopLevel(filter).map((part) => {
    const equals = part.indexOf("=")
    const dot = part.indexOf(".", equals + 1)
    if (equals <= 0 || dot < 0) {
      throw new FilterParseError(`Error parsing \`filter\` params: ${JSON.stringify([part])}`)
    }
    const column = part.slice(0, equals).trim()
    const op = part.slice(equals + 1, dot)
    const raw = part.slice(dot + 1)
    if (!isFilterOperator(op)) {
      throw new FilterParseError(`Error parsing \`filter\` params: ${JSON.stringify([op, raw])}`)
    }
    if (op === "in") {
      if (!raw.startsWith("(") || !raw.endsWith(")")) {
        throw new FilterParseError("Error parsing `filter` params: `in` expects a list like (a,b)")
      }
      const items = splitTopLevel(raw.slice(1, -1))
      if (items.length > 100) {
        throw new FilterParseError("too many values for `in` filter. Maximum 100")
      }

      return { column, op, value: `{${items.join(",")}}` }
    }

    return { column, op, value: unquote(raw) }
  })
}
