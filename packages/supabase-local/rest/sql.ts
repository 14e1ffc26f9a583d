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
