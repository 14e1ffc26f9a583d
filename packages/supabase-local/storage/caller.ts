// Who a Storage request acts as, and running SQL as them: the role and JWT claims of the
// bearer token, set for the transaction exactly as the REST service sets them (rest/kernel.ts),
// so storage.objects' policies see auth.uid(), auth.jwt() and the device claims. This is what
// hosted Storage does for every request (its db plugin connects "as" the JWT's role).
import { type IncomingMessage } from "node:http"

import { type JWTPayload } from "jose"

import { type Database, type Queryable } from "../db/types"
import { JwtError, type StackKeys } from "../keys"
import { errors, rejectedToken } from "./errors"

export type Caller = { role: string; claims: Record<string, unknown> }

export const SERVICE: Caller = { role: "service_role", claims: { role: "service_role" } }

const SETTINGS_SQL = `select count(set_config(s->>0, s->>1, true)) from json_array_elements($1::json) s`

function single(value: string | string[] | undefined) {
  return Array.isArray(value) ? value[0] : value
}

/** The token a request carries: the bearer, else the apikey (hosted's gateway forwards it). */
export function requestToken(req: IncomingMessage): string | undefined {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(single(req.headers.authorization) ?? "")?.[1]

  return bearer ?? single(req.headers.apikey) ?? undefined
}

/**
 * Verifies each token once: its claims are kept (for up to 1,000 tokens) until it expires, so
 * a client repeating requests with one token (a page's images behind signed URLs, an upload's
 * retries) costs a lookup instead of a signature check. Only tokens that verified are kept.
 */
export function createTokenVerifier(keys: StackKeys) {
  const cache = new Map<string, JWTPayload>()

  return async function verifyToken(token: string): Promise<JWTPayload> {
    const cached = cache.get(token)
    if (cached && (typeof cached.exp !== "number" || cached.exp > Date.now() / 1000)) return cached
    cache.delete(token)
    const claims = await keys.verify(token)
    if (cache.size >= 1000) cache.clear()
    cache.set(token, claims)

    return claims
  }
}

export function createCallerResolver(verifyToken: (token: string) => Promise<JWTPayload>) {
  /** Verifies a request's token; Storage's jwt plugin answers AccessDenied for a bad one. */
  return async function callerOf(token: string | undefined): Promise<Caller> {
    if (!token) throw errors.missingAuthorization()
    let claims: JWTPayload
    try {
      claims = await verifyToken(token)
    } catch (error) {
      if (!(error instanceof JwtError)) throw error
      throw rejectedToken(error)
    }
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : "anon"

    return { role, claims: { ...claims, role } }
  }
}

function settingsOf(caller: Caller, req: IncomingMessage | undefined): [string, string][] {
  const settings: [string, string][] = [
    ["role", caller.role],
    ["request.jwt.claims", JSON.stringify(caller.claims)],
    ["request.method", req?.method ?? ""],
  ]
  for (const [claim, value] of Object.entries(caller.claims)) {
    settings.push([
      `request.jwt.claim.${claim}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ])
  }

  return settings
}

/** Runs fn in a transaction as the caller (role + claims, local to the transaction). */
export async function asCaller<T>(
  db: Database,
  caller: Caller,
  fn: (tx: Queryable) => Promise<T>,
  req?: IncomingMessage
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(SETTINGS_SQL, [JSON.stringify(settingsOf(caller, req))])

    return fn(tx)
  })
}

/** Switches an open transaction to the caller, after platform work done as its owner. */
export async function becomeCaller(tx: Queryable, caller: Caller, req?: IncomingMessage) {
  await tx.query(SETTINGS_SQL, [JSON.stringify(settingsOf(caller, req))])
}

/** The caller's user id (sub), which Storage records as the object's owner. */
export function ownerOf(caller: Caller): string | null {
  const sub = caller.claims.sub
  if (typeof sub !== "string") return null

  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub) ? sub : null
}
