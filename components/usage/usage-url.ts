/** A /usage URL with some query keys changed (undefined or "" removes a key). */
export function usageHref(
  current: URLSearchParams | string,
  changes: Record<string, string | undefined | null>,
  path = "/usage"
): string {
  const params = new URLSearchParams(current)
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === "")
      params.delete(key)
    else params.set(key, value)
  }
  const query = params.toString()

  return query ? `${path}?${query}` : path
}
