import { randomBytes, randomUUID } from "node:crypto"

import {
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose"

import { type Queryable } from "./db/types"

const TEN_YEARS_S = 10 * 365 * 24 * 3600

export type JwtFailure = "expired" | "invalid_signature" | "malformed" | "unsupported_alg"

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string
  ) {
    super(message)
  }
}

export type StackKeys = {
  /** The legacy HS256 shared secret: anon and service_role keys, device JWTs. */
  jwtSecret: string
  anonKey: string
  serviceRoleKey: string
  /**
   * The new API keys beside the legacy JWTs, as `supabase status` prints them: the gateway
   * maps sb_publishable_… to the anon key's role and sb_secret_… to service_role's.
   */
  publishableKey: string
  secretKey: string
  /** The legacy JWT a new API key stands for (anon or service_role), or undefined. */
  legacyKeyFor(key: string): string | undefined
  /** The asymmetric key that signs user access tokens, published at the JWKS endpoint. */
  signingKid: string
  /** Signs a JWT for a signed-in user with the asymmetric key (ES256). */
  signAccessToken(claims: JWTPayload & { exp: number }): Promise<string>
  /** Signs with the HS256 shared secret, as the app's device API does. */
  signWithSecret(claims: JWTPayload & { exp: number }): Promise<string>
  /** Verifies either kind of token, as hosted Supabase's services do. */
  verify(token: string): Promise<JWTPayload>
  /** The public keys for /auth/v1/.well-known/jwks.json. */
  jwks(): { keys: JWK[] }
}

async function readOrCreateSecret(
  db: Queryable,
  name: string,
  create: () => Promise<string>
): Promise<string> {
  const existing = await db.query<{ value: string }>(
    "select value from _local.secrets where name = $1",
    [name]
  )
  if (existing.rows[0]) return existing.rows[0].value
  const value = await create()
  // Two stacks booting on one fresh database race here; whichever wins, both read it back.
  await db.query(
    "insert into _local.secrets (name, value) values ($1, $2) on conflict (name) do nothing",
    [name, value]
  )
  const stored = await db.query<{ value: string }>(
    "select value from _local.secrets where name = $1",
    [name]
  )

  return stored.rows[0]!.value
}

/**
 * Loads the stack's keys from its database, creating them on first boot so that tokens stay
 * valid across restarts. SUPABASE_JWT_SECRET, when given, replaces the stored shared secret.
 */
export async function loadStackKeys(
  db: Queryable,
  { jwtSecret: givenSecret }: { jwtSecret?: string } = {}
): Promise<StackKeys> {
  const jwtSecret =
    givenSecret ??
    (await readOrCreateSecret(db, "jwt_secret", async () => randomBytes(48).toString("base64url")))
  const signingJwk = JSON.parse(
    await readOrCreateSecret(db, "jwt_signing_key", async () => {
      const { privateKey } = await generateKeyPair("ES256", { extractable: true })
      const jwk = await exportJWK(privateKey)

      return JSON.stringify({ ...jwk, kid: randomUUID(), alg: "ES256", use: "sig" })
    })
  ) as JWK & { kid: string }

  // Shaped as hosted's: the prefix, then random base64url and a checksum-like tail. Stored, so
  // an app's .env.local stays valid across restarts.
  const newApiKey = (prefix: string) => async () =>
    `${prefix}${randomBytes(16).toString("base64url")}_${randomBytes(6).toString("base64url")}`
  const publishableKey = await readOrCreateSecret(
    db,
    "publishable_key",
    newApiKey("sb_publishable_")
  )
  const newSecretKey = await readOrCreateSecret(db, "secret_key", newApiKey("sb_secret_"))

  const secretKey = new TextEncoder().encode(jwtSecret)
  const privateKey = (await importJWK(signingJwk, "ES256")) as CryptoKey
  const { d: _private, ...publicJwk } = signingJwk
  void _private
  publicJwk.key_ops = ["verify"]
  const publicKey = (await importJWK(publicJwk, "ES256")) as CryptoKey

  const signWithSecret = (claims: JWTPayload & { exp: number }) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secretKey)

  const now = Math.floor(Date.now() / 1000)
  const apiKey = (role: string) =>
    signWithSecret({ iss: "supabase-local", role, iat: now, exp: now + TEN_YEARS_S })

  const anonKey = await apiKey("anon")
  const serviceRoleKey = await apiKey("service_role")

  return {
    jwtSecret,
    anonKey,
    serviceRoleKey,
    publishableKey,
    secretKey: newSecretKey,
    legacyKeyFor: (key) =>
      key === publishableKey ? anonKey : key === newSecretKey ? serviceRoleKey : undefined,
    signingKid: signingJwk.kid,
    signAccessToken: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: signingJwk.kid })
        .sign(privateKey),
    signWithSecret,
    async verify(token) {
      const parts = token.split(".")
      if (parts.length !== 3) throw new JwtError("malformed", "JWT must have 3 parts")
      let alg: unknown
      try {
        alg = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")).alg
      } catch {
        throw new JwtError("malformed", "JWT header is not valid JSON")
      }
      try {
        if (alg === "HS256") return (await jwtVerify(token, secretKey)).payload
        if (alg === "ES256") return (await jwtVerify(token, publicKey)).payload
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new JwtError("expired", "JWT expired")
        if (error instanceof errors.JWSSignatureVerificationFailed)
          throw new JwtError("invalid_signature", "JWT signature is invalid")
        throw new JwtError("malformed", error instanceof Error ? error.message : "invalid JWT")
      }
      throw new JwtError("unsupported_alg", `JWT algorithm ${String(alg)} is not accepted`)
    },
    jwks: () => ({ keys: [publicJwk] }),
  }
}
