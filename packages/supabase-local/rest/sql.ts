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
  return sql.replace(SQL_TOKENS, (match, index: string | undefined) => {
    if (index === undefined) return match
    const value = values[Number(index) - 1]
    return value === null || value === undefined ? "NULL" : literal(String(value))
  })
}

// String literals and quoted identifiers (kept as they are), or a $n parameter.
const SQL_TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g
