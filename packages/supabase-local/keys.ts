import { randomBytes, randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"

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
import { z } from "zod"

import { ConfigError } from "./config"
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

/** A key of the signing set, as `supabase gen signing-key` writes it (ES256 or RS256). */
export type SigningJwk = JWK & { kid: string; alg: "ES256" | "RS256" }

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const

/** A key's public half, for verifying and for the JWKS endpoint. */
function publicPart(jwk: SigningJwk): SigningJwk {
  const copy: Record<string, unknown> = { ...jwk }
  for (const member of PRIVATE_MEMBERS) delete copy[member]

  return { ...(copy as SigningJwk), key_ops: ["verify"] }
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
 * valid across restarts. SUPABASE_JWT_SECRET (or `[auth] jwt_secret`), when given, replaces
 * the stored shared secret; `[auth] signing_keys_path`'s JWK set, when given, replaces the
 * stored signing key (the first private key signs, every key verifies and is published).
 */
export async function loadStackKeys(
  db: Queryable,
  {
    jwtSecret: givenSecret,
    signingKeys: givenKeys,
    apiKeys: givenApiKeys,
  }: {
    jwtSecret?: string
    signingKeys?: SigningJwk[]
    /** Used instead of the stored ones (not stored), as a given jwtSecret is. */
    apiKeys?: { publishableKey: string; secretKey: string }
  } = {}
): Promise<StackKeys> {
  const jwtSecret =
    givenSecret ??
    (await readOrCreateSecret(db, "jwt_secret", async () => randomBytes(48).toString("base64url")))
  const keySet: SigningJwk[] = givenKeys?.length
    ? givenKeys
    : [
        JSON.parse(
          await readOrCreateSecret(db, "jwt_signing_key", async () => {
            const { privateKey } = await generateKeyPair("ES256", { extractable: true })
            const jwk = await exportJWK(privateKey)

            return JSON.stringify({ ...jwk, kid: randomUUID(), alg: "ES256", use: "sig" })
          })
        ) as SigningJwk,
      ]
  const signingJwk = keySet.find((key) => key.d !== undefined)
  if (!signingJwk) throw new Error("the signing keys hold no private key to sign with")

  // Shaped as hosted's: the prefix, then random base64url and a checksum-like tail. Stored, so
  // an app's .env.local stays valid across restarts.
  const newApiKey = (prefix: string) => async () =>
    `${prefix}${randomBytes(16).toString("base64url")}_${randomBytes(6).toString("base64url")}`
  const publishableKey =
    givenApiKeys?.publishableKey ??
    (await readOrCreateSecret(db, "publishable_key", newApiKey("sb_publishable_")))
  const newSecretKey =
    givenApiKeys?.secretKey ?? (await readOrCreateSecret(db, "secret_key", newApiKey("sb_secret_")))

  const secretKey = new TextEncoder().encode(jwtSecret)
  // `supabase gen signing-key` writes key_ops ["sign", "verify"]; WebCrypto gives a private
  // key only "sign", so the private half is imported without them.
  const { key_ops: _ops, ...signingMembers } = signingJwk
  void _ops
  const privateKey = (await importJWK(signingMembers, signingJwk.alg)) as CryptoKey
  const publicJwks = keySet.map(publicPart)
  const verifiers = new Map<string, { alg: string; key: CryptoKey }>()
  for (const jwk of publicJwks) {
    verifiers.set(jwk.kid, { alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as CryptoKey })
  }

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
        .setProtectedHeader({ alg: signingJwk.alg, typ: "JWT", kid: signingJwk.kid })
        .sign(privateKey),
    signWithSecret,
    async verify(token) {
      const parts = token.split(".")
      if (parts.length !== 3) throw new JwtError("malformed", "JWT must have 3 parts")
      let alg: unknown
      let kid: unknown
      try {
        ;({ alg, kid } = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")))
      } catch {
        throw new JwtError("malformed", "JWT header is not valid JSON")
      }
      // Asymmetric tokens are checked with the key their kid names (the signing key when they
      // name none), as Supabase's services look keys up in the project's JWKS.
      const verifier = verifiers.get(typeof kid === "string" ? kid : signingJwk.kid)
      try {
        if (alg === "HS256") return (await jwtVerify(token, secretKey)).payload
        if (verifier && alg === verifier.alg)
          return (await jwtVerify(token, verifier.key, { algorithms: [verifier.alg] })).payload
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new JwtError("expired", "JWT expired")
        if (error instanceof errors.JWSSignatureVerificationFailed)
          throw new JwtError("invalid_signature", "JWT signature is invalid")
        throw new JwtError("malformed", error instanceof Error ? error.message : "invalid JWT")
      }
      if (alg === "ES256" || alg === "RS256")
        throw new JwtError(
          "invalid_signature",
          "JWT is signed with a key this project does not have"
        )
      throw new JwtError("unsupported_alg", `JWT algorithm ${String(alg)} is not accepted`)
    },
    jwks: () => ({ keys: publicJwks }),
  }
}

const signingKeysSchema = z
  .array(
    z
      .object({
        kty: z.enum(["EC", "RSA"]),
        kid: z.string().min(1),
        alg: z.enum(["ES256", "RS256"]),
      })
      .loose()
  )
  .min(1)

/**
 * `[auth] signing_keys_path`, as the Supabase CLI reads it: a JSON array of JWKs (what
 * `supabase gen signing-key` writes), the path relative to the supabase directory. Errors name
 * the file.
 */
export function readSigningKeys(file: string): SigningJwk[] {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read the signing keys (${error instanceof Error ? error.message : String(error)})`
    )
  }
  const parsed = signingKeysSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(
      `${file}: expected a JSON array of ES256 or RS256 JWKs with kid and alg (${parsed.error.issues[0]?.message})`
    )
  }
  if (!parsed.data.some((key) => "d" in key))
    throw new ConfigError(`${file}: no private key to sign with (a JWK with "d")`)

  return parsed.data as SigningJwk[]
}
