import { ApiError } from "./errors"
import {
  parseFieldKey,
  parseFilter,
  parseLogic,
  parseOrder,
  splitKey,
  type Condition,
} from "./query-grammar"
import { type LevelParams } from "./read-plan"

export type Preferences = {
  return?: "minimal" | "headers-only" | "representation"
  count?: "exact" | "planned" | "estimated"
  resolution?: "merge-duplicates" | "ignore-duplicates"
  missing?: "default" | "null"
  tx?: "commit" | "rollback"
  handling?: "strict" | "lenient"
  maxAffected?: number
  timezone?: string
  invalid: string[]
}

const PREFERENCE_VALUES: Record<string, readonly string[]> = {
  return: ["minimal", "headers-only", "representation"],
  count: ["exact", "planned", "estimated"],
  resolution: ["merge-duplicates", "ignore-duplicates"],
  missing: ["default", "null"],
  tx: ["commit", "rollback"],
  handling: ["strict", "lenient"],
}

/** Reads every Prefer header; unknown or repeated-and-conflicting ones are kept as invalid. */
export function parsePrefer(headers: string | string[] | undefined): Preferences {
  const prefs: Preferences = { invalid: [] }
  const values = (Array.isArray(headers) ? headers : headers ? [headers] : [])
    .flatMap((header) => header.split(","))
    .map((value) => value.trim())
    .filter(Boolean)
  for (const value of values) {
    const [key = "", setting = ""] = value.split("=", 2).map((part) => part.trim())
    if (key === "max-affected" && /^\d+$/.test(setting)) {
      prefs.maxAffected = Number(setting)
    } else if (key === "timezone" && setting) {
      prefs.timezone = setting
    } else if (key === "params") {
      // Removed in PostgREST 12 and ignored since.
    } else if (PREFERENCE_VALUES[key]?.includes(setting)) {
      ;(prefs as Record<string, unknown>)[key] = setting
    } else {
      prefs.invalid.push(value)
    }
  }
  if (prefs.handling === "strict" && prefs.invalid.length > 0) {
    throw new ApiError(
      400,
      "PGRST122",
      "Invalid preferences given with handling=strict",
      `Invalid preferences: ${prefs.invalid.join(", ")}`
    )
  }

  return prefs
}

export function appliedPreferences(
  prefs: Preferences,
  include: (keyof Omit<Preferences, "invalid">)[]
): string | undefined {
  const applied: string[] = []
  for (const key of ["resolution", "missing", "return", "count", "tx", "handling"] as const) {
    if (include.includes(key) && prefs[key]) applied.push(`${key}=${prefs[key]}`)
  }
  if (prefs.timezone) applied.push(`timezone=${prefs.timezone}`)
  if (
    include.includes("maxAffected") &&
    prefs.handling === "strict" &&
    prefs.maxAffected !== undefined
  ) {
    applied.push(`max-affected=${prefs.maxAffected}`)
  }
  return applied.length ? applied.join(", ") : undefined
}

export type QueryParams = {
  select?: string
  columns?: string
  onConflict?: string
  levels: Map<string, LevelParams>
  /** Parameters that are not PostgREST's own: function arguments for RPC GET. */
  rest: [string, string][]
}

/** limit/offset as PostgREST reads them: a negative limit is refused, a non-number ignored. */
function parseInteger(name: "limit" | "offset", value: string): number | undefined {
  if (name === "limit" && /^-\d+$/.test(value)) {
    throw new ApiError(
      416,
      "PGRST103",
      "Requested range not satisfiable",
      "Limit should be greater than or equal to zero."
    )
  }
  return /^\d+$/.test(value) ? Number(value) : undefined
}

/**
 * Sorts the query string into PostgREST's reserved parameters and per-embed filters, orders
 * and ranges. `isArgument` claims top-level keys that are function arguments (RPC GET).
 */
export function parseQueryParams(
  search: URLSearchParams,
  isArgument: (key: string, value: string) => boolean = () => false
): QueryParams {
  const result: QueryParams = { levels: new Map(), rest: [] }
  const level = (path: string[]) => {
    const key = path.join("\u0000")
    let found = result.levels.get(key)
    if (!found) {
      found = { conditions: [] }
      result.levels.set(key, found)
    }
    return found
  }
  for (const [key, value] of search) {
    if (key === "select") result.select = value
    else if (key === "columns") result.columns = value
    else if (key === "on_conflict") result.onConflict = value
    else if (isArgument(key, value)) result.rest.push([key, value])
    else {
      const parts = splitKey(key)
      const last = parts.at(-1) ?? ""
      const negatedLogic =
        parts.length >= 2 && parts.at(-2) === "not" && (last === "or" || last === "and")
      const path = parts.slice(0, negatedLogic ? -2 : -1)
      if (last === "order") level(path).order = parseOrder(value)
      else if (last === "limit") level(path).limit = parseInteger("limit", value)
      else if (last === "offset") level(path).offset = parseInteger("offset", value)
      else if (last === "or" || last === "and") {
        const condition: Condition = parseLogic(last, negatedLogic, value)
        level(path).conditions.push(condition)
      } else {
        const field = parseFieldKey(last)
        level(path).conditions.push({ kind: "filter", filter: parseFilter(field, value) })
      }
    }
  }

  return result
}

export type Range = { offset: number; limit?: number }

/** Combines `Range: a-b` with limit/offset, as PostgREST intersects them. */
export function resolveRange(
  header: string | undefined,
  level: LevelParams | undefined,
  maxRows: number
): Range {
  let offset = level?.offset ?? 0
  let limit = level?.limit
  if (header) {
    const match = /^\s*(?:items=)?(\d+)-(\d*)\s*$/.exec(header)
    if (match) {
      const lower = Number(match[1])
      const upper = match[2] ? Number(match[2]) : undefined
      if (upper !== undefined && lower > upper) {
        throw new ApiError(
          416,
          "PGRST103",
          "Requested range not satisfiable",
          "The lower boundary must be lower than or equal to the upper boundary in the Range header."
        )
      }
      const start = Math.max(lower, offset)
      const ends = [upper, limit !== undefined ? offset + limit - 1 : undefined].filter(
        (n): n is number => n !== undefined
      )
      offset = start
      limit = ends.length ? Math.max(0, Math.min(...ends) - start + 1) : undefined
    }
  }
  if (limit === undefined || limit > maxRows) limit = maxRows
  return { offset, limit }
}
