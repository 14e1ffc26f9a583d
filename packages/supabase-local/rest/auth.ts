import { type JWTPayload } from "jose"

import { JwtError, type StackKeys } from "../keys"
import { ApiError } from "./errors"

export type Auth = { role: string; claims: Record<string, unknown>; token: boolean }

const ANON_ROLE = "anon"
const CACHE_LIMIT = 1000

function invalidToken(code: string, message: string, details: string | null = null) {
  return new ApiError(401, code, message, details, null, {
    "www-authenticate": `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  })
}

/**
 * Verifies the bearer token as PostgREST does (no token means the anon role) and caches good
 * tokens until they expire, so a page of requests costs one signature check.
 */
export function createAuthenticator(keys: StackKeys) {
  const cache = new Map<string, JWTPayload>()

  return async function authenticate(authorization: string | undefined): Promise<Auth> {
    const match = authorization ? /^bearer(?:\s+(.*))?$/i.exec(authorization.trim()) : null
    if (!match) return { role: ANON_ROLE, claims: { role: ANON_ROLE }, token: false }
    const token = (match[1] ?? "").trim()
    if (token === "") throw invalidToken("PGRST301", "Empty JWT is sent in Authorization header")
    const parts = token.split(".").length
    if (parts !== 3) throw invalidToken("PGRST301", `Expected 3 parts in JWT; got ${parts}`)

    let claims = cache.get(token)
    const now = Math.floor(Date.now() / 1000)
    if (claims && typeof claims.exp === "number" && claims.exp < now) {
      cache.delete(token)
      claims = undefined
    }
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
      cache.set(token, claims)
    }
    for (const claim of ["exp", "nbf", "iat"] as const) {
      if (claims[claim] !== undefined && typeof claims[claim] !== "number") {
        throw invalidToken("PGRST303", `The JWT '${claim}' claim must be a number`)
      }
    }
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : ANON_ROLE

    return { role, claims: { ...claims, role }, token: true }
  }
}
