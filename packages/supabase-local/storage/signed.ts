// Signed URLs as hosted Storage makes them (src/storage/object.ts signObjectUrl and
// signUploadObjectUrl): a JWT signed with the project's secret naming "<bucket>/<key>", checked
// when the URL is used. Creating one needs the caller to see the object (download) or to be
// allowed to write it (upload); using one needs nothing but the token.
import { JwtError } from "../keys"
import { asCaller, ownerOf, type Caller } from "./caller"
import { errors, fromDatabaseError, joseMessage } from "./errors"
import { type StorageState } from "./kernel"
import { findObjectAs } from "./read"
import { checkCanWrite } from "./write"

/** Signed upload URLs last two hours, as on hosted Storage. */
const UPLOAD_URL_SECONDS = 2 * 60 * 60

function expiresInOf(value: unknown): number {
  const seconds = typeof value === "number" ? value : Number(value)
  if (!Number.isFinite(seconds) || seconds < 1)
    throw errors.invalidRequest("expiresIn must be a positive number")

  return Math.floor(seconds)
}

async function sign(state: StorageState, claims: Record<string, unknown>, seconds: number) {
  const iat = Math.floor(Date.now() / 1000)

  return state.keys.signWithSecret({ ...claims, iat, exp: iat + seconds })
}

export async function signDownload(
  state: StorageState,
  caller: Caller,
  bucket: string,
  key: string,
  body: Record<string, unknown>
) {
  const seconds = expiresInOf(body.expiresIn)
  await findObjectAs(state, caller, bucket, key)
  const token = await sign(state, { url: `${bucket}/${key}`, scope: "download" }, seconds)

  return { signedURL: `/object/sign/${bucket}/${key}?token=${token}` }
}

const NOT_FOUND = "Either the object does not exist or you do not have access to it"

export async function signDownloads(
  state: StorageState,
  caller: Caller,
  bucket: string,
  body: Record<string, unknown>
) {
  const seconds = expiresInOf(body.expiresIn)
  if (!Array.isArray(body.paths) || body.paths.some((p) => typeof p !== "string")) {
    throw errors.missingParameter("paths")
  }
  const paths = body.paths as string[]
  const visible = await asCaller(state.db, caller, async (tx) => {
    const { rows } = await tx.query<{ name: string }>(
      "select name from storage.objects where bucket_id = $1 and name = any($2::text[])",
      [bucket, paths]
    )
    return new Set(rows.map((row) => row.name))
  }).catch((error: unknown) => {
    throw fromDatabaseError(error)
  })

  return Promise.all(
    paths.map(async (path) =>
      visible.has(path)
        ? {
            error: null,
            path,
            signedURL: `/object/sign/${bucket}/${path}?token=${await sign(state, { url: `${bucket}/${path}`, scope: "download" }, seconds)}`,
          }
        : { error: NOT_FOUND, path, signedURL: null }
    )
  )
}

export async function signUpload(
  state: StorageState,
  caller: Caller,
  bucket: string,
  key: string,
  upsert: boolean
) {
  const { rows } = await state.db.query("select 1 from storage.buckets where id = $1", [bucket])
  if (!rows[0]) throw errors.noSuchBucket()
  const owner = ownerOf(caller)
  await checkCanWrite(state, { bucket, key, caller, upsert, owner })
  const token = await sign(
    state,
    { url: `${bucket}/${key}`, owner, upsert, scope: "upload" },
    UPLOAD_URL_SECONDS
  )

  return { url: `/object/upload/sign/${bucket}/${key}?token=${token}`, token }
}

export type SignedScope = "download" | "upload"

/**
 * Whether a token was issued for this action, as hosted's isUploadScopedToken and
 * isDownloadScopedToken (src/internal/auth/jwt.ts) decide: an explicit scope, or for tokens
 * without one, upload tokens are those carrying `upsert`. This is what stops a download link
 * from being replayed as an upload.
 */
function hasScope(claims: Record<string, unknown>, scope: SignedScope): boolean {
  if (claims.scope !== undefined) return claims.scope === scope

  return scope === "upload" ? "upsert" in claims : !("upsert" in claims)
}

/**
 * The claims of a signed URL's token, which must be scoped for this action and name exactly this
 * bucket and key (hosted's verifyObjectSignature, src/storage/object.ts).
 */
export async function verifySigned(
  state: StorageState,
  token: string | null,
  bucket: string,
  key: string,
  scope: SignedScope
): Promise<Record<string, unknown>> {
  if (!token) throw errors.invalidSignature("Missing token")
  let claims: Record<string, unknown>
  try {
    claims = await state.verifyToken(token)
  } catch (error) {
    if (error instanceof JwtError) throw errors.invalidJwt(joseMessage(error))
    throw error
  }
  if (!hasScope(claims, scope)) throw errors.invalidSignature(`Token is not scoped for ${scope}`)
  if (claims.url !== `${bucket}/${key}`) throw errors.invalidSignature()

  return claims
}
