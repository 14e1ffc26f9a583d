// /auth/v1/factors: multi-factor authentication with TOTP, as Supabase Auth's mfa.go has it.
// Enrolling returns the secret, its otpauth:// URI and a QR code (SVG markup, which auth-js
// turns into a data URL); a challenge is answered from the address that asked for it within
// its expiry; a verified code raises the caller's session to aal2 (sessions.ts) and ends the
// user's other aal1 sessions. WebAuthn factors (mfa-webauthn.ts) are served when
// [auth.mfa.web_authn] enables them, as Auth's own defaults leave them off; phone factors are
// refused as when they are disabled.
import { randomUUID } from "node:crypto"

import { z } from "zod"

import { sendJson } from "../http"
import { AuthApiFailure, badRequest, forbidden, notFound, unprocessable } from "./errors"
import { type Authenticated, type AuthKernel, type AuthRequest } from "./kernel"
import { webauthnChallenge, webauthnSessionSchema, webauthnVerify } from "./mfa-webauthn"
import { raiseSessionToAal2 } from "./sessions"
import { isUuid } from "./users"

/** Supabase Auth's MFA_CHALLENGE_EXPIRY_DURATION and MFA_FACTOR_EXPIRY_DURATION defaults. */
const CHALLENGE_EXPIRY_SECONDS = 300
const UNVERIFIED_FACTOR_EXPIRY_SECONDS = 300

const enrollBody = z
  .object({
    friendly_name: z.string().default(""),
    factor_type: z.string().default(""),
    issuer: z.string().default(""),
    phone: z.string().optional(),
  })
  .loose()

const verifyBody = z
  .object({
    challenge_id: z.string().default(""),
    code: z.string().default(""),
    webauthn: z
      .object({ type: z.string().default(""), credential_response: z.unknown().optional() })
      .loose()
      .optional(),
  })
  .loose()

type FactorRow = {
  id: string
  factor_type: "totp" | "phone" | "webauthn"
  status: "unverified" | "verified"
  secret: string | null
}

async function sessionLevel(k: AuthKernel, caller: Authenticated) {
  if (!caller.sessionId) {
    throw new AuthApiFailure(
      500,
      "unexpected_failure",
      "A valid session and a registered user are required to enroll a factor"
    )
  }
  const { rows } = await k.ctx.db.query<{ aal: string | null }>(
    "select aal::text as aal from auth.sessions where id = $1",
    [caller.sessionId]
  )

  return { sessionId: caller.sessionId, aal: rows[0]?.aal ?? "aal1" }
}

/**
 * auth-js hands the SVG to the page as `data:image/svg+xml;utf-8,<svg…>` without encoding it
 * (as Auth sends it, SVG markup, not base64), so a "#" would end the URL there and break the
 * image. Auth's QR SVGs colour with rgb(); ours does the same.
 */
function svgWithoutHashes(svg: string): string {
  return svg.replace(
    /#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})\b/gi,
    (_, r, g, b) => `rgb(${parseInt(r, 16)},${parseInt(g, 16)},${parseInt(b, 16)})`
  )
}

/** otpauth is loaded at the first TOTP enrolment or check, not with the stack's code. */
async function totpFor(secret: string, issuer: string, label: string) {
  const { Secret, TOTP } = await import("otpauth")
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  })
}

export async function enrollFactor(k: AuthKernel, r: AuthRequest) {
  const caller = await k.requireUser(r.req, k.ctx.db)
  const { aal } = await sessionLevel(k, caller)
  const body = await k.readJson(r.req, enrollBody)
  const mfa = k.ctx.config.auth.mfa
  switch (body.factor_type) {
    case "totp":
      if (!mfa.totp.enroll_enabled)
        throw unprocessable("mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP")
      break
    case "phone":
      throw unprocessable("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone")
    case "webauthn":
      if (!mfa.web_authn.enroll_enabled)
        throw unprocessable(
          "mfa_webauthn_enroll_not_enabled",
          "MFA enroll is disabled for WebAuthn"
        )
      break
    default:
      throw badRequest("validation_failed", "factor_type needs to be totp, phone, or webauthn")
  }

  const webauthn = body.factor_type === "webauthn"
  const issuer = body.issuer || new URL(k.ctx.config.auth.site_url).host
  const secret = webauthn ? null : new (await import("otpauth")).Secret({ size: 20 }).base32
  const uri = secret ? (await totpFor(secret, issuer, caller.user.email ?? "")).toString() : ""
  // qrcode is loaded at the first enrolment rather than with the stack's code at every start.
  const QRCode = secret ? (await import("qrcode")).default : undefined
  const qrCode = QRCode
    ? svgWithoutHashes(await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "H" }))
    : ""
  const id = randomUUID()

  await k.transaction(async (tx) => {
    // As validateFactors: expired unverified factors go first, then the name, count and level
    // rules apply to what is left.
    await tx.query(
      `delete from auth.mfa_factors
        where user_id = $1 and status = 'unverified'
          and created_at < now() - make_interval(secs => $2)`,
      [caller.user.id, UNVERIFIED_FACTOR_EXPIRY_SECONDS]
    )
    const { rows: factors } = await tx.query<{ friendly_name: string | null; status: string }>(
      "select friendly_name, status::text from auth.mfa_factors where user_id = $1 for update",
      [caller.user.id]
    )
    if (factors.some((factor) => (factor.friendly_name ?? "") === body.friendly_name)) {
      throw unprocessable(
        "mfa_factor_name_conflict",
        `A factor with the friendly name "${body.friendly_name}" for this user already exists`
      )
    }
    const verified = factors.filter((factor) => factor.status === "verified").length
    if (factors.length >= mfa.max_enrolled_factors || verified >= mfa.max_enrolled_factors) {
      throw unprocessable(
        "too_many_enrolled_mfa_factors",
        "Maximum number of verified factors reached, unenroll to continue"
      )
    }
    if (verified > 0 && aal !== "aal2") {
      throw forbidden("insufficient_aal", "AAL2 required to enroll a new factor")
    }
    await tx.query(
      `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
       values ($1, $2, $3, $5::auth.factor_type, 'unverified', now(), now(), $4)`,
      [id, caller.user.id, body.friendly_name, secret, webauthn ? "webauthn" : "totp"]
    )
  })

  // enrollWebAuthnFactor answers the factor alone; the ceremony starts with its challenge.
  if (webauthn) {
    return sendJson(r.res, 200, { id, type: "webauthn", friendly_name: body.friendly_name })
  }
  sendJson(r.res, 200, {
    id,
    type: "totp",
    friendly_name: body.friendly_name,
    totp: { qr_code: qrCode, secret, uri },
  })
}

async function loadFactor(k: AuthKernel, caller: Authenticated, factorId: string) {
  if (!isUuid(factorId)) throw notFound("validation_failed", "factor_id must be an UUID")
  const { rows } = await k.ctx.db.query<FactorRow>(
    `select id::text, factor_type::text as factor_type, status::text as status, secret
       from auth.mfa_factors where id = $1 and user_id = $2`,
    [factorId, caller.user.id]
  )
  const factor = rows[0]
  if (!factor) throw notFound("mfa_factor_not_found", "Factor not found")

  return factor
}

function requireVerifyEnabled(k: AuthKernel, factor: FactorRow) {
  if (factor.factor_type === "webauthn" && k.ctx.config.auth.mfa.web_authn.verify_enabled) return
  if (factor.factor_type !== "totp") {
    const name = factor.factor_type === "phone" ? "Phone" : "WebAuthn"
    throw unprocessable(
      `mfa_${factor.factor_type}_verify_not_enabled`,
      `MFA verification is disabled for ${name}`
    )
  }
  if (!k.ctx.config.auth.mfa.totp.verify_enabled) {
    throw unprocessable("mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP")
  }
}

export async function challengeFactor(k: AuthKernel, r: AuthRequest, factorId: string) {
  const caller = await k.requireUser(r.req, k.ctx.db)
  const factor = await loadFactor(k, caller, factorId)
  requireVerifyEnabled(k, factor)
  const id = randomUUID()
  const ceremony =
    factor.factor_type === "webauthn" ? await webauthnChallenge(k, caller, factor.status) : null
  const { rows } = await k.transaction((tx) =>
    tx.query<{ expires_at: string }>(
      `with challenge as (
         insert into auth.mfa_challenges (id, factor_id, created_at, ip_address, web_authn_session_data)
         values ($1, $2, now(), $3::inet, $5::jsonb)
         returning created_at
       ), touched as (
         update auth.mfa_factors set last_challenged_at = clock_timestamp(), updated_at = now()
          where id = $2
       )
       select extract(epoch from created_at + make_interval(secs => $4))::bigint::text as expires_at
         from challenge`,
      [
        id,
        factor.id,
        r.client.ip || "0.0.0.0",
        CHALLENGE_EXPIRY_SECONDS,
        ceremony ? JSON.stringify(ceremony.session) : null,
      ]
    )
  )
  const expiresAt = Number(rows[0]?.expires_at)
  if (ceremony) {
    return sendJson(r.res, 200, {
      id,
      type: "webauthn",
      expires_at: expiresAt,
      webauthn: { type: ceremony.type, credential_options: { publicKey: ceremony.publicKey } },
    })
  }

  sendJson(r.res, 200, { id, type: "totp", expires_at: expiresAt })
}

export async function verifyFactor(k: AuthKernel, r: AuthRequest, factorId: string) {
  const caller = await k.requireUser(r.req, k.ctx.db)
  const factor = await loadFactor(k, caller, factorId)
  const body = await k.readJson(r.req, verifyBody)
  const webauthn = factor.factor_type === "webauthn"
  if (!body.code && !webauthn) throw badRequest("validation_failed", "Code needs to be non-empty")
  requireVerifyEnabled(k, factor)
  if (!caller.sessionId) throw forbidden("session_not_found", "Session not found")
  const answer = webauthn ? webauthnAnswer(body.webauthn) : null

  const { rows } = await k.ctx.db.query<{
    verified_at: string | null
    ip_address: string
    expired: boolean
    web_authn_session_data: unknown
  }>(
    `select verified_at::text, host(ip_address) as ip_address,
            created_at + make_interval(secs => $3) < now() as expired, web_authn_session_data
       from auth.mfa_challenges where id = $1 and factor_id = $2`,
    [isUuid(body.challenge_id) ? body.challenge_id : null, factor.id, CHALLENGE_EXPIRY_SECONDS]
  )
  const challenge = rows[0]
  if (!challenge) {
    throw unprocessable(
      "mfa_factor_not_found",
      "MFA factor with the provided challenge ID not found"
    )
  }
  if (challenge.verified_at !== null || challenge.ip_address !== (r.client.ip || "0.0.0.0")) {
    throw unprocessable("mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch.")
  }
  if (challenge.expired) {
    await k.ctx.db.query("delete from auth.mfa_challenges where id = $1", [body.challenge_id])
    throw unprocessable(
      "mfa_challenge_expired",
      `MFA challenge ${body.challenge_id} has expired, verify against another challenge or create a new challenge.`
    )
  }
  if (answer) {
    return sendJson(
      r.res,
      200,
      await verifyWebAuthnAnswer(k, caller, factor, body.challenge_id, challenge, answer)
    )
  }
  // One step of clock skew either way, as Supabase Auth validates (period 30, skew 1).
  const valid =
    factor.secret !== null &&
    (await totpFor(factor.secret, "", "")).validate({ token: body.code, window: 1 }) !== null
  if (!valid) throw unprocessable("mfa_verification_failed", "Invalid TOTP code entered")

  const sessionId = caller.sessionId
  const tokens = await k.transaction(async (tx) => {
    const consumed = await tx.query(
      "update auth.mfa_challenges set verified_at = now() where id = $1 and verified_at is null",
      [body.challenge_id]
    )
    // A concurrent verify of the same challenge lost the race: it is already used.
    if (consumed.rowCount === 0) {
      throw unprocessable("mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch.")
    }
    await tx.query(
      `update auth.mfa_factors set status = 'verified', updated_at = now()
        where id = $1 and status = 'unverified'`,
      [factor.id]
    )
    const response = await raiseSessionToAal2(
      k.ctx,
      tx,
      caller.user.id,
      sessionId,
      factor.id,
      "totp"
    )
    await tx.query(
      `delete from auth.sessions where user_id = $1 and (aal is null or aal < 'aal2') and id <> $2`,
      [caller.user.id, sessionId]
    )
    await tx.query(
      `delete from auth.mfa_factors where user_id = $1 and factor_type = 'totp' and status = 'unverified'`,
      [caller.user.id]
    )

    return response
  })

  sendJson(r.res, 200, tokens)
}

/** verifyWebAuthnFactor's checks of the body, in its order. */
function webauthnAnswer(webauthn: z.infer<typeof verifyBody>["webauthn"]): {
  type: "create" | "request"
  response: unknown
} {
  if (!webauthn) throw badRequest("validation_failed", "WebAuthn config required")
  const type = webauthn.type
  if (type !== "create" && type !== "request") {
    throw badRequest("validation_failed", "WebAuthn type must be create or request")
  }
  if (webauthn.credential_response === undefined) {
    throw badRequest("validation_failed", "credential_response required")
  }

  return { type, response: webauthn.credential_response }
}

/**
 * verifyWebAuthnFactor after the challenge passed: the ceremony is checked, the challenge is
 * consumed, a new factor becomes verified with its credential, and the session is raised to
 * aal2 (amr "mfa/webauthn"); the user's other aal1 sessions and unverified WebAuthn factors go.
 */
async function verifyWebAuthnAnswer(
  k: AuthKernel,
  caller: Authenticated,
  factor: FactorRow,
  challengeId: string,
  challenge: { web_authn_session_data: unknown },
  answer: { type: "create" | "request"; response: unknown }
) {
  const raw = challenge.web_authn_session_data
  const session = webauthnSessionSchema.parse(typeof raw === "string" ? JSON.parse(raw) : raw)
  // An unverified factor answers only a registration, a verified one only a login.
  const expected = factor.status === "verified" ? "request" : "create"
  if (answer.type !== expected) {
    throw new AuthApiFailure(500, "unexpected_failure", "Failed to validate WebAuthn MFA response")
  }
  const result = await webauthnVerify(k, caller.user.id, answer.type, session, answer.response)
  const sessionId = caller.sessionId!

  return k.transaction(async (tx) => {
    const consumed = await tx.query("delete from auth.mfa_challenges where id = $1", [challengeId])
    if (consumed.rowCount === 0) {
      throw unprocessable(
        "mfa_factor_not_found",
        "MFA factor with the provided challenge ID not found"
      )
    }
    if (result.type === "create") {
      await tx.query(
        `update auth.mfa_factors
            set status = 'verified', web_authn_credential = $2::jsonb, web_authn_aaguid = $3,
                updated_at = now()
          where id = $1`,
        [factor.id, JSON.stringify(result.credential), result.aaguid]
      )
    } else {
      await tx.query(
        `update auth.mfa_factors set web_authn_credential = $2::jsonb, updated_at = now()
          where id = $1`,
        [result.factorId, JSON.stringify(result.credential)]
      )
    }
    const tokens = await raiseSessionToAal2(
      k.ctx,
      tx,
      caller.user.id,
      sessionId,
      factor.id,
      "mfa/webauthn"
    )
    await tx.query(
      `delete from auth.sessions where user_id = $1 and (aal is null or aal < 'aal2') and id <> $2`,
      [caller.user.id, sessionId]
    )
    await tx.query(
      `delete from auth.mfa_factors where user_id = $1 and factor_type = 'webauthn' and status = 'unverified'`,
      [caller.user.id]
    )

    return tokens
  })
}

export async function unenrollFactor(k: AuthKernel, r: AuthRequest, factorId: string) {
  const caller = await k.requireUser(r.req, k.ctx.db)
  const { aal } = await sessionLevel(k, caller)
  const factor = await loadFactor(k, caller, factorId)
  if (factor.status === "verified" && aal !== "aal2") {
    throw unprocessable("insufficient_aal", "AAL2 required to unenroll verified factor")
  }
  await k.transaction(async (tx) => {
    await tx.query("delete from auth.mfa_factors where id = $1", [factor.id])
    // Sessions raised by this factor fall back to aal1, as DowngradeSessionsToAAL1 does.
    await tx.query(
      `update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now()
        where factor_id = $1`,
      [factor.id]
    )
  })

  sendJson(r.res, 200, { id: factor.id })
}

/** The /factors routes with an id in the path; null when the path is not one of them. */
export function factorRoute(
  method: string,
  path: string
): ((k: AuthKernel, r: AuthRequest) => Promise<void>) | null {
  const match = /^\/factors\/([^/]+)(?:\/(challenge|verify))?$/.exec(path)
  if (!match) return null
  const [, id = "", action] = match
  if (method === "POST" && action === "challenge") return (k, r) => challengeFactor(k, r, id)
  if (method === "POST" && action === "verify") return (k, r) => verifyFactor(k, r, id)
  if (method === "DELETE" && !action) return (k, r) => unenrollFactor(k, r, id)

  return null
}
