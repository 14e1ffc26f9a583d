import { createSerializer, parseAsString } from "nuqs/server"

// The /usage page's URL keys. nuqs keeps the raw strings, as for /sessions; usageSearchSchema
// (zod, lib/usage/range.ts) decides what they mean, on the server page and the export alike.
export const usageParams = {
  range: parseAsString,
  from: parseAsString,
  to: parseAsString,
  tz: parseAsString,
  project: parseAsString,
  device: parseAsString,
  model: parseAsString,
  stack: parseAsString,
}

export type UsageParamChanges = Partial<
  Record<keyof typeof usageParams, string | null | undefined>
>

/** Undefined or "" removes a key (nuqs removes null), so "All devices" clears the filter. */
export function toParamValues(changes: UsageParamChanges) {
  return Object.fromEntries(
    Object.entries(changes).map(([key, value]) => [key, value || null])
  ) as Record<keyof typeof usageParams, string | null>
}

const serialize = createSerializer(usageParams)

/** A /usage link (or the export's) from the current query with some keys changed. */
export function usageLink(
  current: URLSearchParams | string,
  changes: UsageParamChanges,
  path = "/usage"
): string {
  const query = new URLSearchParams(current).toString()

  return serialize(query ? `${path}?${query}` : path, toParamValues(changes))
}
