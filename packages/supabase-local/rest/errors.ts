import { isPgError } from "../db/types"

/** An error answered in PostgREST's JSON shape: {code, message, details, hint}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A string, or for ambiguous embeds the list of candidate relationships. */
    readonly details: unknown = null,
    readonly hint: string | null = null,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }

  body() {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message }
  }
}

/** PGRST100: the query string does not follow PostgREST's grammar. */
export function parseError(what: string, input: string, column: number, details: string) {
  return new ApiError(
    400,
    "PGRST100",
    `"failed to parse ${what} (${input})" (line 1, column ${column})`,
    details
  )
}

// SQLSTATE → HTTP status, as PostgREST maps them (its "Errors" reference page).
function statusForSqlState(code: string, message: string, authenticated: boolean): number {
  const prefix = code.slice(0, 2)
  switch (code) {
    case "23503":
    case "23505":
      return 409
    case "25006":
      return 405
    case "21000":
      return message.endsWith("requires a WHERE clause") ? 400 : 500
    case "22023":
      return message.startsWith("role") && message.endsWith("does not exist") ? 401 : 400
    case "53400":
      return 500
    case "57P01":
      return 503
    case "P0001":
      return 400
    case "42883":
      return 404
    case "42P01":
      return 404
    case "42P17":
      return 500
    case "42501":
      return authenticated ? 403 : 401
  }
  switch (prefix) {
    case "08":
      return 503
    case "09":
      return 500
    case "0L":
    case "0P":
      return 403
    case "25":
      return 500
    case "28":
      return 403
    case "2D":
    case "38":
    case "39":
    case "3B":
    case "40":
      return 500
    case "53":
      return 503
    case "54":
    case "55":
    case "57":
    case "58":
    case "F0":
    case "HV":
    case "P0":
    case "XX":
      return 500
    case "PT": {
      const status = Number(code.slice(2))
      return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500
    }
  }

  return 400
}

/** Turns a database error into PostgREST's answer for it; anything else is an internal error. */
export function toApiError(error: unknown, authenticated: boolean): ApiError {
  if (error instanceof ApiError) return error
  if (isPgError(error) && error.code) {
    const status = statusForSqlState(error.code, error.message, authenticated)
    const headers: Record<string, string> = status === 401 ? { "www-authenticate": "Bearer" } : {}

    return new ApiError(
      status,
      error.code,
      error.message,
      error.detail ?? null,
      error.hint ?? null,
      headers
    )
  }

  return new ApiError(500, "PGRSTX00", "Internal error in the local REST API")
}
