/** Builds parameterised SQL: identifiers are quoted, every value becomes a $n parameter. */
export class SqlParams {
  readonly values: unknown[] = []

  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`
export const qualifiedIdent = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`
export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`

/** A Postgres array literal, every element quoted so commas and braces survive. */
export function arrayLiteral(items: string[]): string {
  return `{${items.map((item) => `"${item.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`
}

/**
 * Replaces $n parameters with quoted literals, outside string literals and quoted identifiers.
 * Untyped literals are inferred from context exactly as untyped parameters are, and
 * standard_conforming_strings (on in every supported Postgres) means only quotes need doubling.
 */
export function inlineParams(sql: string, values: unknown[]): string {
  let out = ""
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c)
      out += sql.slice(i, end)
      i = end
    } else if (c === "$" && /[0-9]/.test(sql[i + 1] ?? "")) {
      let j = i + 1
      while (/[0-9]/.test(sql[j] ?? "")) j++
      const value = values[Number(sql.slice(i + 1, j)) - 1]
      out += value === null || value === undefined ? "NULL" : literal(String(value))
      i = j
    } else {
      out += c
      i++
    }
  }
  return out
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}
