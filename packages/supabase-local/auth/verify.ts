// GET /verify (an email link: a redirect with the session, a PKCE code or the error) and
// POST /verify (a code typed by the user, or a token hash).
import { type ServerResponse } from "node:http"

import { z } from "zod"

import { type Queryable } from "../db/types"
import { sendJson } from "../http"
import { AuthApiFailure, badRequest, forbidden, unprocessable } from "./errors"
import { EMAIL_PATTERN, type AuthKernel, type AuthRequest, type FlowType } from "./kernel"
import { issueSession, type TokenResponse } from "./sessions"
import { findUser, tokenHash, type UserRow } from "./users"

const verifyBody = z
  .object({
    type: z.string().optional(),
    token: z.string().optional(),
    token_hash: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    redirect_to: z.string().optional(),
  })
  .loose()

/** Supabase Auth's redirect after an email link, with the tokens (implicit) or a code (PKCE). */
function fragment(params: Record<string, string>) {
  const sorted = Object.keys(params).sort()

  return new URLSearchParams(sorted.map((key) => [key, params[key]!])).toString()
}

function withFragment(base: string, params: Record<string, string>) {
  return `${base.split("#", 1)[0]}#${fragment(params)}`
}

function withQuery(base: string, params: Record<string, string>) {
  const url = new URL(base)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)

  return url.toString()
}

function sessionFragment(token: TokenResponse, type: string) {
  return {
    access_token: token.access_token,
    expires_at: String(token.expires_at),
    expires_in: String(token.expires_in),
    refresh_token: token.refresh_token,
    token_type: token.token_type,
    type,
  }
}

const OAUTH_ERROR_NAMES: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized_client",
  403: "access_denied",
  500: "server_error",
  503: "temporarily_unavailable",
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { location })
  res.end()
}

type VerifyType = "signup" | "invite" | "magiclink" | "recovery" | "email_change" | "email"

const VERIFY_TYPES: VerifyType[] = [
  "signup",
  "invite",
  "magiclink",
  "recovery",
  "email_change",
  "email",
]

/** Which flow-state authentication methods a verification type may complete. */
const FLOW_METHODS: Record<VerifyType, string[]> = {
  signup: ["email/signup"],
  invite: ["invite"],
  magiclink: ["magiclink"],
  recovery: ["recovery"],
  email_change: ["email_change"],
  email: ["email/signup", "magiclink"],
}

const CONFIRMATION_ACCEPTED =
  "Confirmation link accepted. Please proceed to confirm link sent to the other email"

type Verified = { user: UserRow; accepted?: boolean; authMethod: string }

/**
 * Finds the user holding `hash` for `type`, checks expiry and consumes the token. Email
 * changes with double confirmation need both links; the first answers `accepted`.
 */
async function consumeToken(
  k: AuthKernel,
  tx: Queryable,
  type: VerifyType,
  hash: string,
  viaLink: boolean
): Promise<Verified> {
  const expiredError = () =>
    forbidden(
      "otp_expired",
      viaLink ? "Email link is invalid or has expired" : "Token has expired or is invalid"
    )
  const expiry = k.config.auth.email.otp_expiry
  const fresh = (column: string) => `u.${column} + make_interval(secs => ${expiry}) >= now()`
  const byType: Record<VerifyType, string> = {
    signup: `u.confirmation_token = $1 and ${fresh("confirmation_sent_at")}`,
    invite: `u.confirmation_token = $1 and ${fresh("confirmation_sent_at")}`,
    magiclink: `u.recovery_token = $1 and ${fresh("recovery_sent_at")}`,
    recovery: `u.recovery_token = $1 and ${fresh("recovery_sent_at")}`,
    email: `((u.confirmation_token = $1 and ${fresh("confirmation_sent_at")}) or (u.recovery_token = $1 and ${fresh("recovery_sent_at")}))`,
    email_change: `(u.email_change_token_current = $1 or u.email_change_token_new = $1) and ${fresh("email_change_sent_at")}`,
  }
  const user = await findUser(tx, byType[type], [hash])
  if (!user) throw expiredError()
  if (user.banned_until && Date.parse(user.banned_until) > Date.now())
    throw forbidden("user_banned", "User is banned")

  if (type === "email_change") return applyEmailChange(k, tx, user, hash)
  const isConfirmation = user.confirmation_token === hash
  if (isConfirmation) {
    await k.clearToken(tx, user.id, "confirmation")
    await confirmEmail(tx, user.id)
    const method = type === "invite" ? "invite" : "email/signup"
    return { user, authMethod: type === "email" ? "otp" : method }
  }
  await k.clearToken(tx, user.id, "recovery")
  await confirmEmail(tx, user.id)

  return {
    user,
    authMethod: type === "recovery" ? "recovery" : type === "email" ? "otp" : "magiclink",
  }
}

async function confirmEmail(tx: Queryable, userId: string) {
  await tx.query(
    "update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() where id = $1",
    [userId]
  )
  await tx.query(
    `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
     where user_id = $1 and provider = 'email'`,
    [userId]
  )
}

async function applyEmailChange(
  k: AuthKernel,
  tx: Queryable,
  user: UserRow,
  hash: string
): Promise<Verified> {
  const usedCurrent = user.email_change_token_current === hash
  const needsBoth =
    k.config.auth.email.double_confirm_changes && !k.autoconfirm && Boolean(user.email)
  if (needsBoth && (user.email_change_confirm_status ?? 0) === 0) {
    await k.clearToken(tx, user.id, usedCurrent ? "email_change_current" : "email_change_new")
    await tx.query("update auth.users set email_change_confirm_status = 1 where id = $1", [user.id])
    return { user, accepted: true, authMethod: "email_change" }
  }
  const newEmail = user.email_change ?? ""
  await tx.query(
    `update auth.users set email = $2, email_change = '', email_change_token_new = '', email_change_token_current = '',
       email_change_confirm_status = 0, email_change_sent_at = null,
       email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
     where id = $1`,
    [user.id, newEmail]
  )
  await tx.query(
    "delete from auth.one_time_tokens where user_id = $1 and token_type in ('email_change_token_new', 'email_change_token_current')",
    [user.id]
  )
  await tx.query(
    `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text, 'email_verified', true),
       updated_at = now() where user_id = $1 and provider = 'email'`,
    [user.id, newEmail]
  )

  return { user, authMethod: "email_change" }
}

function parseVerifyType(type: string | undefined): VerifyType {
  if (!type) throw badRequest("validation_failed", "Verify requires a verification type")
  if (!(VERIFY_TYPES as string[]).includes(type))
    throw badRequest("validation_failed", "Unsupported verification type")

  return type as VerifyType
}

export async function verifyGet(k: AuthKernel, r: AuthRequest) {
  k.limit("verify", r.client)
  const params = r.url.searchParams
  const type = parseVerifyType(params.get("type") ?? undefined)
  const rawToken = params.get("token") ?? ""
  if (!rawToken) throw badRequest("validation_failed", "Verify requires a token or a token hash")
  const redirectTo = k.redirects.resolve(params.get("redirect_to"))
  const flowType: FlowType = rawToken.startsWith("pkce_") ? "pkce" : "implicit"
  const hash = rawToken.replace(/^pkce_/, "")

  try {
    const outcome = await k.transaction(async (tx) => {
      const verified = await consumeToken(k, tx, type, hash, true)
      if (verified.accepted) return { kind: "accepted" as const }
      if (flowType === "pkce") {
        return {
          kind: "code" as const,
          code: await k.issueAuthCode(tx, verified.user.id, FLOW_METHODS[type]),
        }
      }

      return {
        kind: "session" as const,
        session: await issueSession(k.ctx, tx, verified.user.id, "otp", r.client),
      }
    })
    if (outcome.kind === "accepted") {
      const target =
        flowType === "pkce" ? withQuery(redirectTo, { message: CONFIRMATION_ACCEPTED }) : redirectTo

      return redirect(r.res, withFragment(target, { message: CONFIRMATION_ACCEPTED, sb: "" }))
    }
    if (outcome.kind === "code")
      return redirect(r.res, withQuery(redirectTo, { code: outcome.code }))
    redirect(r.res, withFragment(redirectTo, sessionFragment(outcome.session, type)))
  } catch (error) {
    if (!(error instanceof AuthApiFailure)) throw error
    const params: Record<string, string> = {
      error_code: error.code,
      error_description: error.message,
    }
    const name = OAUTH_ERROR_NAMES[error.status]
    if (name) params.error = name
    const target = flowType === "pkce" ? withQuery(redirectTo, params) : redirectTo
    redirect(r.res, withFragment(target, { ...params, sb: "" }))
  }
}

export async function verifyPost(k: AuthKernel, r: AuthRequest) {
  k.limit("verify", r.client)
  const body = await k.readJson(r.req, verifyBody)
  if (body.phone && !body.email && body.token && !body.token_hash) {
    // A phone OTP, as VerifyParams.Validate and verifyUserAndToken (verify.go) answer it: the
    // number must be E.164 (a "+" and spaces dropped), and then no user has it, since phone
    // sign-in is not offered here, so Auth's lookup by phone finds nobody.
    const phone = body.phone.replace(/^\+/, "").replaceAll(" ", "")
    if (!/^[1-9][0-9]{1,14}$/.test(phone))
      throw badRequest("validation_failed", "Invalid phone number format (E.164 required)")
    throw forbidden("otp_expired", "Token has expired or is invalid")
  }
  const type = parseVerifyType(body.type)
  if (body.phone)
    throw badRequest(
      "validation_failed",
      "Only an email address or phone number should be provided on verify"
    )
  let hash: string
  let viaLink: boolean
  if (body.token_hash) {
    if (body.email || body.token)
      throw badRequest("validation_failed", "Only the token_hash and type should be provided")
    hash = body.token_hash.replace(/^pkce_/, "")
    viaLink = true
  } else {
    if (!body.token)
      throw badRequest("validation_failed", "Verify requires a token or a token hash")
    if (!body.email)
      throw badRequest(
        "validation_failed",
        "Only an email address or phone number should be provided on verify"
      )
    const email = body.email.trim().toLowerCase()
    if (!EMAIL_PATTERN.test(email)) throw unprocessable("validation_failed", "Invalid email format")
    // Each code is hashed with the address it was sent to (for email changes, either one).
    hash = tokenHash(email, body.token.trim())
    viaLink = false
  }
  const outcome = await k.transaction(async (tx) => {
    const verified = await consumeToken(k, tx, type, hash, viaLink)
    if (verified.accepted) return { accepted: true as const }

    return {
      session: await issueSession(k.ctx, tx, verified.user.id, "otp", r.client),
    }
  })
  if ("accepted" in outcome) return sendJson(r.res, 200, { msg: CONFIRMATION_ACCEPTED, code: 200 })
  sendJson(r.res, 200, outcome.session)
}
