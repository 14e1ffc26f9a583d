import { type IncomingMessage, type ServerResponse } from "node:http"

import { sendJson } from "../http"

/** The API version supabase-js sends and Supabase Auth echoes when it answers in that shape. */
export const API_VERSION_HEADER = "x-supabase-api-version"
const API_VERSION_2024 = "2024-01-01"

/** An error Supabase Auth reports as an HTTPError: status, machine code, human message. */
export class AuthApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {}
  ) {
    super(message)
  }
}

/** The OAuth2-shaped errors of the token endpoint: `{ error, error_description }`. */
export class OAuthFailure extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400
  ) {
    super(`${error}: ${description}`)
  }
}

export const badRequest = (code: string, message: string) => new AuthApiFailure(400, code, message)
export const forbidden = (code: string, message: string) => new AuthApiFailure(403, code, message)
export const notFound = (code: string, message: string) => new AuthApiFailure(404, code, message)
export const unprocessable = (code: string, message: string) =>
  new AuthApiFailure(422, code, message)
export const tooManyRequests = (code: string, message: string) =>
  new AuthApiFailure(429, code, message)

/**
 * Clients that send `X-Supabase-Api-Version: 2024-01-01` or later get `{ code, message }` with
 * the header echoed (that is how auth-js knows `code` is the error code); older clients get
 * `{ code: status, error_code, msg }`, as Supabase Auth answers both.
 */
export function wantsVersion2024(req: IncomingMessage): boolean {
  const value = req.headers[API_VERSION_HEADER]
  const raw = Array.isArray(value) ? value[0] : value
  if (!raw || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return false

  return raw >= API_VERSION_2024
}

export function sendAuthError(req: IncomingMessage, res: ServerResponse, error: unknown) {
  if (error instanceof OAuthFailure) {
    sendJson(res, error.status, {
      error: error.error,
      error_description: error.description,
    })
    return
  }
  const failure =
    error instanceof AuthApiFailure
      ? error
      : new AuthApiFailure(
          500,
          "unexpected_failure",
          "Unexpected failure, please check server logs for more information"
        )
  const headers: Record<string, string> = { "x-sb-error-code": failure.code }
  if (wantsVersion2024(req)) {
    headers[API_VERSION_HEADER] = API_VERSION_2024
    sendJson(
      res,
      failure.status,
      { code: failure.code, message: failure.message, ...failure.extra },
      headers
    )
    return
  }
  sendJson(
    res,
    failure.status,
    {
      code: failure.status,
      error_code: failure.code,
      msg: failure.message,
      ...failure.extra,
    },
    headers
  )
}
