function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/**
 * The keys of config.toml that validation dropped: present in the file, absent from the parsed
 * config (which keeps every key the stack reads, and whole tables it passes through). A table
 * the stack does not read at all is named once ("studio"), not key by key.
 */
export function ignoredKeys(raw: unknown, parsed: unknown, prefix = ""): string[] {
  if (!isTable(raw) || !isTable(parsed)) return []
  const ignored: string[] = []
  for (const [key, value] of Object.entries(raw)) {
    const name = `${prefix}${key}`
    if (!(key in parsed)) ignored.push(name)
    else if (isTable(value)) ignored.push(...ignoredKeys(value, parsed[key], `${name}.`))
  }

  return ignored
}
