// /auth/v1/passkeys: passkey sign-in and management, as Supabase Auth's passkey_*.go have it.
// - registration/options and registration/verify (passkey_registration.go): a signed-in,
//   non-anonymous person adds a discoverable credential; an account with a verified MFA factor
//   must be at aal2 to do so (requirePasskeyManagementAAL);
// - authentication/options and authentication/verify (passkey_authentication.go): a
//   discoverable, username-less ceremony; the assertion's userHandle names the user, and a
//   verified assertion starts an aal1 session whose amr method is "passkey";
// - GET /passkeys, PATCH and DELETE /passkeys/{id} (passkey_manage.go), and the admin list and
//   delete (passkey_admin.go, routed from admin.ts).
// Every challenge is consumed by the verify that answers it (deleted and returned in one
// statement, as ConsumeWebAuthnChallengeByID does), so a replayed or unknown challenge answers
// 400 webauthn_challenge_not_found. The WebAuthn checks themselves are @simplewebauthn/server's.
import { randomUUID } from "node:crypto"

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server"
import { z } from "zod"

import { type Queryable } from "../db/types"
import { sendJson } from "../http"
import { AuthApiFailure, badRequest, forbidden, notFound, unprocessable } from "./errors"
import { type Authenticated, type AuthKernel, type AuthRequest } from "./kernel"
import { issueSession } from "./sessions"
import { findUserById, isUuid } from "./users"
import { base64Url, webAuthnLibrary } from "./webauthn-library"

/** GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION's default, 5 minutes. */
const CHALLENGE_EXPIRY_SECONDS = 300
/** go-webauthn's default ceremony timeout, sent to the browser in the options. */
const CEREMONY_TIMEOUT_MS = 300_000
const FRIENDLY_NAME_MAX = 120

const verifyBody = z
  .object({ challenge_id: z.string().default(""), credential: z.unknown().optional() })
  .loose()
const updateBody = z.object({ friendly_name: z.string().default("") }).loose()

/** What a challenge row keeps of the ceremony, as go-webauthn's SessionData does. */
const sessionDataSchema = z.object({
  challenge: z.string(),
  user_id: z.string().nullable(),
  userVerification: z.string(),
})

const utc = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

type CredentialRow = {
  id: string
  user_id: string
  credential_id: string
  public_key: string
  sign_count: string
  transports: string[]
}

function relyingParty(k: AuthKernel) {
  const { rp_id, rp_display_name, rp_origins } = k.ctx.config.auth.webauthn
  // As getPasskeyWebAuthn failing on an incomplete [auth.webauthn]: webauthn.New refuses it.
  if (!rp_id || !rp_display_name || rp_origins.length === 0) {
    throw new AuthApiFailure(500, "unexpected_failure", "Failed to initialize WebAuthn")
  }

  return { id: rp_id, name: rp_display_name, origins: rp_origins }
}

/** requirePasskeyEnabled: every /passkeys route answers 404 while passkeys are off. */
function requirePasskeysEnabled(k: AuthKernel) {
  if (!k.ctx.config.auth.passkey.enabled)
    throw notFound("passkey_disabled", "Passkeys are disabled")
}

/**
 * requirePasskeyManagementAAL: registering or deleting a passkey needs an aal2 session when
 * the account has a verified MFA factor (it can never reach aal2 without one).
 */
async function requireManagementAal(k: AuthKernel, caller: Authenticated) {
  const { rows } = await k.ctx.db.query<{ mfa: boolean; aal: string | null }>(
    `select exists (select 1 from auth.mfa_factors where user_id = $1 and status = 'verified') as mfa,
            (select aal::text from auth.sessions where id = $2) as aal`,
    [caller.user.id, caller.sessionId && isUuid(caller.sessionId) ? caller.sessionId : null]
  )
  if (rows[0]?.mfa && rows[0].aal !== "aal2") {
    throw forbidden(
      "insufficient_aal",
      "AAL2 session is required to manage passkeys when MFA is enabled"
    )
  }
}

/** requireNotAnonymous on the /passkeys/registration routes. */
function requireNotAnonymous(caller: Authenticated) {
  if (caller.user.is_anonymous) {
    throw forbidden("no_authorization", "Anonymous user not allowed to perform these actions")
  }
}

async function credentialsOf(db: Queryable, userId: string): Promise<CredentialRow[]> {
  const { rows } = await db.query<CredentialRow>(
    `select id::text, user_id::text, encode(credential_id, 'hex') as credential_id,
            encode(public_key, 'hex') as public_key, sign_count::text, transports
       from auth.webauthn_credentials where user_id = $1 order by created_at asc`,
    [userId]
  )

  return rows
}

const hexToBase64Url = (hex: string) => base64Url.fromBytes(Buffer.from(hex, "hex"))

async function storeChallenge(
  k: AuthKernel,
  type: "registration" | "authentication",
  userId: string | null,
  challenge: string,
  userVerification: string
) {
  const id = randomUUID()
  const { rows } = await k.ctx.db.query<{ expires_at: string }>(
    `insert into auth.webauthn_challenges (id, user_id, challenge_type, session_data, expires_at)
     values ($1, $2, $3, $4::jsonb, now() + make_interval(secs => $5))
     returning extract(epoch from expires_at)::bigint::text as expires_at`,
    [
      id,
      userId,
      type,
      JSON.stringify({ challenge, user_id: userId, userVerification }),
      CHALLENGE_EXPIRY_SECONDS,
    ]
  )

  return { id, expiresAt: Number(rows[0]?.expires_at) }
}

/** The verify body's checks, in the order passkey_*.go makes them. */
async function readVerifyBody(k: AuthKernel, r: AuthRequest) {
  const body = await k.readJson(r.req, verifyBody)
  if (!body.challenge_id) throw badRequest("validation_failed", "challenge_id is required")
  if (body.credential === undefined) throw badRequest("validation_failed", "credential is required")
  if (!isUuid(body.challenge_id)) {
    throw badRequest("validation_failed", "challenge_id must be a valid UUID")
  }

  return { challengeId: body.challenge_id, credential: body.credential }
}

/**
 * ConsumeWebAuthnChallengeByID: the row is deleted as it is read, so a second verify of the
 * same challenge, or one of another type or user, finds nothing; an expired one is consumed
 * and refused.
 */
async function consumeChallenge(
  k: AuthKernel,
  id: string,
  type: "registration" | "authentication",
  userId: string | null
) {
  const { rows } = await k.ctx.db.query<{ session_data: unknown; expired: boolean }>(
    `delete from auth.webauthn_challenges
      where id = $1 and challenge_type = $2 and user_id is not distinct from $3
      returning session_data, expires_at < now() as expired`,
    [id, type, userId]
  )
  const row = rows[0]
  if (!row) {
    throw badRequest("webauthn_challenge_not_found", "Challenge not found or already used")
  }
  if (row.expired) throw badRequest("webauthn_challenge_expired", "Challenge has expired")

  return sessionDataSchema.parse(
    typeof row.session_data === "string" ? JSON.parse(row.session_data) : row.session_data
  )
}

const verificationFailed = () =>
  badRequest("webauthn_verification_failed", "Credential verification failed")

export async function registrationOptions(k: AuthKernel, r: AuthRequest) {
  requirePasskeysEnabled(k)
  const caller = await k.requireUser(r.req, k.ctx.db)
  requireNotAnonymous(caller)
  await requireManagementAal(k, caller)
  const existing = await credentialsOf(k.ctx.db, caller.user.id)
  if (existing.length >= k.ctx.config.auth.passkey.max_passkeys_per_user) {
    throw unprocessable("too_many_passkeys", "Maximum number of passkeys reached")
  }
  const rp = relyingParty(k)
  const name = caller.user.email || caller.user.phone || ""
  // WebAuthnDisplayName: user_metadata.name when set, else the name.
  const metaName = caller.user.raw_user_meta_data?.name
  const displayName = typeof metaName === "string" && metaName ? metaName : name
  // As getPasskeyWebAuthn configures go-webauthn: no attestation, a discoverable (resident)
  // credential required, user verification preferred. The user handle is the user id's text,
  // as User.WebAuthnID() gives it, which is how authentication/verify finds the user again.
  const { generateRegistrationOptions } = await webAuthnLibrary()
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(caller.user.id),
    userName: name,
    userDisplayName: displayName,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: existing.map((credential) => ({
      id: hexToBase64Url(credential.credential_id),
    })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: "preferred",
    },
  })
  const challenge = await storeChallenge(
    k,
    "registration",
    caller.user.id,
    options.challenge,
    "preferred"
  )

  sendJson(r.res, 200, {
    challenge_id: challenge.id,
    options,
    expires_at: challenge.expiresAt,
  })
}

export async function registrationVerify(k: AuthKernel, r: AuthRequest) {
  requirePasskeysEnabled(k)
  const caller = await k.requireUser(r.req, k.ctx.db)
  requireNotAnonymous(caller)
  await requireManagementAal(k, caller)
  const body = await readVerifyBody(k, r)
  const session = await consumeChallenge(k, body.challengeId, "registration", caller.user.id)
  const rp = relyingParty(k)

  let verified
  try {
    const { verifyRegistrationResponse } = await webAuthnLibrary()
    verified = await verifyRegistrationResponse({
      response: body.credential as RegistrationResponseJSON,
      expectedChallenge: session.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: session.userVerification === "required",
    })
  } catch {
    throw verificationFailed()
  }
  if (!verified.verified) throw verificationFailed()
  const info = verified.registrationInfo
  // PasskeyFriendlyName names well-known authenticators from their AAGUID and falls back to
  // "Passkey"; the local stack does not carry that list, so every new passkey is "Passkey"
  // until it is renamed.
  const friendlyName = "Passkey"
  const aaguid = info.aaguid === "00000000-0000-0000-0000-000000000000" ? null : info.aaguid

  const created = await k.transaction(async (tx) => {
    const { rows: count } = await tx.query<{ n: string }>(
      "select count(*)::text as n from auth.webauthn_credentials where user_id = $1",
      [caller.user.id]
    )
    if (Number(count[0]?.n) >= k.ctx.config.auth.passkey.max_passkeys_per_user) {
      throw unprocessable("too_many_passkeys", "Maximum number of passkeys reached")
    }
    const { rows } = await tx.query<{ id: string; created_at: string }>(
      `insert into auth.webauthn_credentials
         (user_id, credential_id, public_key, attestation_type, aaguid, sign_count, transports,
          backup_eligible, backed_up, friendly_name)
       values ($1, decode($2, 'hex'), decode($3, 'hex'), $4, $5, $6, $7::jsonb, $8, $9, $10)
       on conflict (credential_id) do nothing
       returning id::text, ${utc("created_at")} as created_at`,
      [
        caller.user.id,
        Buffer.from(base64Url.toBytes(info.credential.id)).toString("hex"),
        Buffer.from(info.credential.publicKey).toString("hex"),
        info.fmt === "none" ? "none" : info.fmt,
        aaguid,
        info.credential.counter,
        JSON.stringify(info.credential.transports ?? []),
        info.credentialDeviceType === "multiDevice",
        info.credentialBackedUp,
        friendlyName,
      ]
    )
    const row = rows[0]
    if (!row) {
      throw unprocessable("webauthn_credential_exists", "This credential is already registered")
    }

    return row
  })

  sendJson(r.res, 200, {
    id: created.id,
    friendly_name: friendlyName,
    created_at: created.created_at,
  })
}

export async function authenticationOptions(k: AuthKernel, r: AuthRequest) {
  requirePasskeysEnabled(k)
  const rp = relyingParty(k)
  // BeginDiscoverableLogin: no allowCredentials and no user; the authenticator offers the
  // passkeys it holds for this relying party.
  const { generateAuthenticationOptions } = await webAuthnLibrary()
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: "preferred",
  })
  const challenge = await storeChallenge(k, "authentication", null, options.challenge, "preferred")

  sendJson(r.res, 200, {
    challenge_id: challenge.id,
    options,
    expires_at: challenge.expiresAt,
  })
}

export async function authenticationVerify(k: AuthKernel, r: AuthRequest) {
  requirePasskeysEnabled(k)
  const body = await readVerifyBody(k, r)
  const session = await consumeChallenge(k, body.challengeId, "authentication", null)
  const rp = relyingParty(k)
  const response = body.credential as AuthenticationResponseJSON
  if (
    typeof response !== "object" ||
    response === null ||
    typeof response.id !== "string" ||
    typeof response.response !== "object"
  ) {
    throw badRequest("webauthn_verification_failed", "Invalid credential response")
  }
  // go-webauthn refuses a discoverable assertion with a blank user handle.
  if (typeof response.response.userHandle !== "string") throw verificationFailed()

  // ValidatePasskeyLogin's handler: the userHandle is the user id's text; the credential must
  // be one of that user's passkeys.
  let userId: string
  try {
    userId = new TextDecoder().decode(base64Url.toBytes(response.response.userHandle))
  } catch {
    throw verificationFailed()
  }
  if (!isUuid(userId)) throw verificationFailed()
  const user = await findUserById(k.ctx.db, userId)
  if (!user) throw verificationFailed()
  let rawId: string
  try {
    rawId = Buffer.from(base64Url.toBytes(response.rawId ?? response.id)).toString("hex")
  } catch {
    throw verificationFailed()
  }
  const credential = (await credentialsOf(k.ctx.db, user.id)).find(
    (candidate) => candidate.credential_id === rawId
  )
  if (!credential) throw verificationFailed()

  let verified
  try {
    const { verifyAuthenticationResponse } = await webAuthnLibrary()
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: session.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: hexToBase64Url(credential.credential_id),
        publicKey: Buffer.from(credential.public_key, "hex"),
        counter: Number(credential.sign_count),
      },
      requireUserVerification: session.userVerification === "required",
    })
  } catch {
    throw verificationFailed()
  }
  if (!verified.verified) throw verificationFailed()

  if (user.email && !user.email_confirmed_at) {
    throw forbidden("email_not_confirmed", "Email not confirmed")
  }
  if (user.phone && !user.phone_confirmed_at) {
    throw forbidden("phone_not_confirmed", "Phone not confirmed")
  }
  if (user.banned_until && Date.parse(user.banned_until) > Date.now()) {
    throw forbidden("user_banned", "User is banned")
  }

  const tokens = await k.transaction(async (tx) => {
    await tx.query(
      `update auth.webauthn_credentials
          set sign_count = $2, last_used_at = now(), updated_at = now()
        where id = $1`,
      [credential.id, verified.authenticationInfo.newCounter]
    )

    return issueSession(k.ctx, tx, user.id, "passkey", r.client)
  })

  sendJson(r.res, 200, tokens)
}

/** PasskeyListItem: friendly_name and last_used_at are left out when empty (omitempty). */
async function listItems(db: Queryable, userId: string, passkeyId?: string) {
  const { rows } = await db.query<{
    id: string
    friendly_name: string
    created_at: string
    last_used_at: string | null
  }>(
    `select id::text, friendly_name, ${utc("created_at")} as created_at,
            ${utc("last_used_at")} as last_used_at
       from auth.webauthn_credentials
      where user_id = $1 and ($2::uuid is null or id = $2::uuid)
      order by created_at asc`,
    [userId, passkeyId ?? null]
  )

  return rows.map((row) => ({
    id: row.id,
    ...(row.friendly_name ? { friendly_name: row.friendly_name } : {}),
    created_at: row.created_at,
    ...(row.last_used_at ? { last_used_at: row.last_used_at } : {}),
  }))
}

const passkeyNotFound = () => notFound("validation_failed", "Passkey not found")

export async function listPasskeys(k: AuthKernel, r: AuthRequest) {
  requirePasskeysEnabled(k)
  const caller = await k.requireUser(r.req, k.ctx.db)
  sendJson(r.res, 200, await listItems(k.ctx.db, caller.user.id))
}

export async function updatePasskey(k: AuthKernel, r: AuthRequest, passkeyId: string) {
  requirePasskeysEnabled(k)
  const caller = await k.requireUser(r.req, k.ctx.db)
  if (!isUuid(passkeyId)) throw passkeyNotFound()
  const body = await k.readJson(r.req, updateBody)
  if (!body.friendly_name) throw badRequest("validation_failed", "friendly_name is required")
  // Go's len() counts bytes, so the 120 limit is in UTF-8 bytes.
  if (Buffer.byteLength(body.friendly_name) > FRIENDLY_NAME_MAX) {
    throw badRequest("validation_failed", "friendly_name must be 120 characters or less")
  }
  const updated = await k.ctx.db.query(
    `update auth.webauthn_credentials set friendly_name = $3, updated_at = now()
      where id = $1 and user_id = $2`,
    [passkeyId, caller.user.id, body.friendly_name]
  )
  if (updated.rowCount === 0) throw passkeyNotFound()
  const [item] = await listItems(k.ctx.db, caller.user.id, passkeyId)
  sendJson(r.res, 200, item)
}

export async function deletePasskey(k: AuthKernel, r: AuthRequest, passkeyId: string) {
  requirePasskeysEnabled(k)
  const caller = await k.requireUser(r.req, k.ctx.db)
  await requireManagementAal(k, caller)
  if (!isUuid(passkeyId)) throw passkeyNotFound()
  const deleted = await k.ctx.db.query(
    "delete from auth.webauthn_credentials where id = $1 and user_id = $2",
    [passkeyId, caller.user.id]
  )
  if (deleted.rowCount === 0) throw passkeyNotFound()
  r.res.writeHead(204).end()
}

/** GET /admin/users/{id}/passkeys and DELETE /admin/users/{id}/passkeys/{passkey_id}. */
export async function adminPasskeys(
  k: AuthKernel,
  r: AuthRequest,
  userId: string,
  passkeyId: string | undefined
) {
  const method = r.req.method ?? "GET"
  if (!passkeyId && method === "GET") {
    return sendJson(r.res, 200, await listItems(k.ctx.db, userId))
  }
  if (passkeyId && method === "DELETE") {
    if (!isUuid(passkeyId)) throw passkeyNotFound()
    const deleted = await k.ctx.db.query(
      "delete from auth.webauthn_credentials where id = $1 and user_id = $2",
      [passkeyId, userId]
    )
    if (deleted.rowCount === 0) throw passkeyNotFound()
    return void r.res.writeHead(204).end()
  }
  throw notFound("not_found", "Not Found")
}

/** The /passkeys routes; null when the path is not one of them. */
export function passkeyRoute(
  method: string,
  path: string
): ((k: AuthKernel, r: AuthRequest) => Promise<void>) | null {
  if (method === "POST" && path === "/passkeys/registration/options") return registrationOptions
  if (method === "POST" && path === "/passkeys/registration/verify") return registrationVerify
  if (method === "POST" && path === "/passkeys/authentication/options") {
    return authenticationOptions
  }
  if (method === "POST" && path === "/passkeys/authentication/verify") {
    return authenticationVerify
  }
  if (method === "GET" && path === "/passkeys") return listPasskeys
  const match = /^\/passkeys\/([^/]+)$/.exec(path)
  if (!match) return null
  const id = decodeURIComponent(match[1]!)
  if (method === "PATCH") return (k, r) => updatePasskey(k, r, id)
  if (method === "DELETE") return (k, r) => deletePasskey(k, r, id)

  return null
}
