import { type JWTPayload } from "jose"

import { JwtError, type StackKeys } from "../keys"
import { ApiError } from "./errors"

export type Auth = { role: string; claims: Record<string, unknown>; token: boolean }

const ANON_ROLE = "anon"
const CACHE_LIMIT = 1000
/** A request without a token; one object, so what is derived from it is derived once. */
const ANONYMOUS: Auth = Object.freeze({
  role: ANON_ROLE,
  claims: Object.freeze({ role: ANON_ROLE }),
  token: false,
})

function invalidToken(code: string, message: string, details: string | null = null) {
  return new ApiError(401, code, message, details, null, {
    "www-authenticate": `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  })
}

/**
 * Verifies the bearer token as PostgREST does (no token means the anon role) and caches good
 * tokens until they expire, so a page of requests costs one signature check. A cached token
 * answers the same Auth object each time, so the request settings built from its claims are
 * built once too (kernel.ts).
 */
export function createAuthenticator(keys: StackKeys) {
  const cache = new Map<string, { claims: JWTPayload; auth?: Auth }>()

  return async function authenticate(authorization: string | undefined): Promise<Auth> {
    const match = authorization ? /^bearer(?:\s+(.*))?$/i.exec(authorization.trim()) : null
    if (!match) return ANONYMOUS
    const token = (match[1] ?? "").trim()
    if (token === "") throw invalidToken("PGRST301", "Empty JWT is sent in Authorization header")
    const parts = token.split(".").length
    if (parts !== 3) throw invalidToken("PGRST301", `Expected 3 parts in JWT; got ${parts}`)

    let entry = cache.get(token)
    const now = Math.floor(Date.now() / 1000)
    if (entry && typeof entry.claims.exp === "number" && entry.claims.exp < now) {
      cache.delete(token)
      entry = undefined
    }
    if (entry?.auth) return entry.auth
    let claims = entry?.claims
    if (!claims) {
      try {
        claims = await keys.verify(token)
      } catch (error) {
        if (!(error instanceof JwtError)) throw error
        if (error.reason === "expired") throw invalidToken("PGRST303", "JWT expired")
        if (error.reason === "invalid_signature") {
          throw invalidToken(
            "PGRST301",
            "No suitable key or wrong key type",
            "None of the keys was able to decode the JWT"
          )
        }
        if (error.reason === "unsupported_alg") {
          throw invalidToken("PGRST301", "Wrong or unsupported encoding algorithm", error.message)
        }
        throw invalidToken("PGRST301", "JWT cryptographic operation failed")
      }
      if (cache.size >= CACHE_LIMIT) cache.clear()
      entry = { claims }
      cache.set(token, entry)
    }
    for (const claim of ["exp", "nbf", "iat"] as const) {
      if (claims[claim] !== undefined && typeof claims[claim] !== "number") {
        throw invalidToken("PGRST303", `The JWT '${claim}' claim must be a number`)
      }
    }
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : ANON_ROLE
    const auth: Auth = Object.freeze({
      role,
      claims: Object.freeze({ ...claims, role }),
      token: true,
    })
    if (entry) entry.auth = auth

    return auth
  }
}
