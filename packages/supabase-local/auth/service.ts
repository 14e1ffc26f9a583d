import { randomUUID } from "node:crypto"
import { type IncomingMessage, type ServerResponse } from "node:http"

import { z } from "zod"

import { type Queryable } from "../db/types"
import { sendJson } from "../http"
import { type Service, type ServiceContext } from "../service"
import { handleAdmin } from "./admin"
import {
  AuthApiFailure,
  OAuthFailure,
  badRequest,
  forbidden,
  notFound,
  sendAuthError,
  unprocessable,
} from "./errors"
import {
  clientInfo,
  createAuthKernel,
  type AuthKernel,
  type FlowType,
} from "./kernel"
import {
  issueSession,
  refreshSession,
  type ClientInfo,
  type TokenResponse,
} from "./sessions"
import {
  findUser,
  findUserByEmail,
  findUserById,
  insertUser,
  tokenHash,
  userJson,
  type UserRow,
} from "./users"

const metadata = z.record(z.string(), z.unknown())
const pkceFields = {
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
}

const signupBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
    data: metadata.nullish(),
    ...pkceFields,
  })
  .loose()
const passwordBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
  })
  .loose()
const refreshBody = z.object({ refresh_token: z.string().optional() }).loose()
const pkceBody = z
  .object({
    auth_code: z.string().optional(),
    code_verifier: z.string().optional(),
  })
  .loose()
const otpBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    data: metadata.nullish(),
    create_user: z.boolean().optional(),
    ...pkceFields,
  })
  .loose()
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
const userUpdateBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
    nonce: z.string().optional(),
    data: metadata.nullish(),
    app_metadata: metadata.nullish(),
    ...pkceFields,
  })
  .loose()
const recoverBody = z
  .object({ email: z.string().optional(), ...pkceFields })
  .loose()
const resendBody = z
  .object({
    type: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
  })
  .loose()

const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/

export function validateEmail(email: string): string {
  const trimmed = email.trim()
  if (trimmed.length > 255 || !EMAIL_PATTERN.test(trimmed)) {
    throw badRequest(
      "validation_failed",
      "Unable to validate email address: invalid format"
    )
  }

  return trimmed.toLowerCase()
}

const PROVIDERS = [
  "anonymous_users",
  "apple",
  "azure",
  "bitbucket",
  "discord",
  "facebook",
  "snapchat",
  "figma",
  "fly",
  "github",
  "gitlab",
  "google",
  "keycloak",
  "kakao",
  "linkedin",
  "linkedin_oidc",
  "notion",
  "spotify",
  "slack",
  "slack_oidc",
  "workos",
  "twitch",
  "twitter",
  "x",
  "email",
  "phone",
  "zoom",
]

type AuthRequest = {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  client: ClientInfo
}

/** Supabase Auth's redirect after an email link, with the tokens (implicit) or a code (PKCE). */
function fragment(params: Record<string, string>) {
  const sorted = Object.keys(params).sort()

  return new URLSearchParams(
    sorted.map((key) => [key, params[key]!])
  ).toString()
}

function withFragment(base: string, params: Record<string, string>) {
  return `${base.split("#", 1)[0]}#${fragment(params)}`
}

function withQuery(base: string, params: Record<string, string>) {
  const url = new URL(base)
  for (const [key, value] of Object.entries(params))
    url.searchParams.set(key, value)

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

type VerifyType =
  "signup" | "invite" | "magiclink" | "recovery" | "email_change" | "email"

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

export function createAuthService(ctx: ServiceContext): Service {
  const k = createAuthKernel(ctx)
  const { db } = ctx
  const auth = ctx.config.auth
  const autoconfirm = !auth.email.enable_confirmations

  const routes: Record<string, (r: AuthRequest) => Promise<void>> = {
    "GET /health": async ({ res }) =>
      sendJson(res, 200, {
        version: "lmx-local",
        name: "GoTrue",
        description: "GoTrue is a user registration and authentication API",
      }),
    "GET /settings": async ({ res }) => settings(res),
    "GET /.well-known/jwks.json": async ({ res }) =>
      sendJson(res, 200, ctx.keys.jwks(), {
        "cache-control": "public, max-age=600",
      }),
    "POST /signup": signup,
    "POST /token": token,
    "POST /otp": sendOtp,
    "POST /magiclink": sendOtp,
    "GET /verify": verifyGet,
    "POST /verify": verifyPost,
    "GET /user": getUser,
    "PUT /user": updateUser,
    "POST /logout": logout,
    "POST /recover": recover,
    "POST /resend": resend,
    "GET /authorize": authorize,
    "GET /reauthenticate": reauthenticate,
  }

  function settings(res: ServerResponse) {
    const external: Record<string, boolean> = {}
    for (const provider of PROVIDERS)
      external[provider] = auth.external[provider]?.enabled ?? false
    external.email = auth.email.enable_signup
    external.phone = false
    external.anonymous_users = auth.enable_anonymous_sign_ins
    sendJson(res, 200, {
      external,
      disable_signup: !auth.enable_signup,
      mailer_autoconfirm: autoconfirm,
      phone_autoconfirm: false,
      sms_provider: "",
      saml_enabled: false,
      passkeys_enabled: false,
    })
  }

  async function signup(r: AuthRequest) {
    const body = await k.readJson(r.req, signupBody)
    if (!body.email && !body.phone) return signInAnonymously(r, body.data ?? {})
    k.limit("signIn", r.client)
    if (!auth.enable_signup)
      throw unprocessable(
        "signup_disabled",
        "Signups not allowed for this instance"
      )
    if (body.phone)
      throw badRequest("phone_provider_disabled", "Phone signups are disabled")
    if (!auth.email.enable_signup)
      throw badRequest("email_provider_disabled", "Email signups are disabled")
    if (!body.password)
      throw badRequest("validation_failed", "Signup requires a valid password")
    const email = validateEmail(body.email!)
    const flowType = k.flowTypeOf(body)
    k.checkPasswordStrength(body.password)
    const redirectTo = k.redirects.resolve(
      r.url.searchParams.get("redirect_to")
    )
    const passwordHash = await k.hashPassword(body.password)

    const result = await k.transaction(async (tx) => {
      let user = await findUserByEmail(tx, email)
      if (user?.email_confirmed_at) {
        if (autoconfirm)
          throw unprocessable("user_already_exists", "User already registered")
        // Supabase Auth answers as if the signup worked, so addresses cannot be enumerated.
        return { obfuscated: obfuscatedUser(email, body.data ?? {}) }
      }
      if (user) {
        await tx.query(
          "update auth.users set encrypted_password = $2, raw_user_meta_data = $3::jsonb, updated_at = now() where id = $1",
          [
            user.id,
            passwordHash,
            JSON.stringify(body.data ?? user.raw_user_meta_data ?? {}),
          ]
        )
      } else {
        const id = await insertUser(tx, {
          email,
          passwordHash,
          userMetadata: body.data ?? {},
          confirmed: autoconfirm,
        })
        user = (await findUserById(tx, id))!
      }
      if (autoconfirm)
        return {
          session: await issueSession(ctx, tx, user.id, "password", r.client),
        }
      if (flowType === "pkce")
        await k.createFlowState(tx, user.id, body, "email/signup")
      await k.sendTokenEmail(tx, user, {
        slot: "confirmation",
        kind: "confirmation",
        linkType: "signup",
        to: email,
        redirectTo,
        flowType,
      })

      return { user: await userJson(tx, (await findUserById(tx, user.id))!) }
    })
    sendJson(
      r.res,
      200,
      "session" in result
        ? result.session
        : "user" in result
          ? result.user
          : result.obfuscated
    )
  }

  function obfuscatedUser(email: string, data: Record<string, unknown>) {
    const now = new Date().toISOString()

    return {
      id: randomUUID(),
      aud: "authenticated",
      role: "authenticated",
      email,
      phone: "",
      confirmation_sent_at: now,
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: data,
      identities: [],
      created_at: now,
      updated_at: now,
      is_anonymous: false,
    }
  }

  async function signInAnonymously(
    r: AuthRequest,
    data: Record<string, unknown>
  ) {
    if (!auth.enable_anonymous_sign_ins) {
      throw unprocessable(
        "anonymous_provider_disabled",
        "Anonymous sign-ins are disabled"
      )
    }
    k.limit("anonymous", r.client)
    if (!auth.enable_signup)
      throw unprocessable(
        "signup_disabled",
        "Signups not allowed for this instance"
      )
    const session = await k.transaction(async (tx) => {
      const id = await insertUser(tx, { isAnonymous: true, userMetadata: data })

      return issueSession(ctx, tx, id, "anonymous", r.client)
    })
    sendJson(r.res, 200, session)
  }

  async function token(r: AuthRequest) {
    const grant = r.url.searchParams.get("grant_type")
    if (grant === "refresh_token") {
      k.limit("refresh", r.client)
      const body = await k.readJson(r.req, refreshBody)
      return sendJson(
        r.res,
        200,
        await refreshSession(ctx, db, body.refresh_token)
      )
    }
    k.limit("signIn", r.client)
    if (grant === "password") return passwordGrant(r)
    if (grant === "pkce") {
      const body = await k.readJson(r.req, pkceBody)
      if (!body.auth_code || !body.code_verifier) {
        throw badRequest(
          "validation_failed",
          "invalid request: both auth code and code verifier should be non-empty"
        )
      }
      const session = await k.transaction(async (tx) => {
        const { userId, authMethod } = await k.exchangeAuthCode(
          tx,
          body.auth_code!,
          body.code_verifier!
        )
        const user = await findUserById(tx, userId)
        if (!user) throw notFound("user_not_found", "User not found")

        return issueSession(ctx, tx, userId, authMethod as "pkce", r.client)
      })
      return sendJson(r.res, 200, session)
    }
    throw badRequest("invalid_credentials", "unsupported_grant_type")
  }

  async function passwordGrant(r: AuthRequest) {
    const body = await k.readJson(r.req, passwordBody)
    if (body.email && body.phone) {
      throw badRequest(
        "validation_failed",
        "Only an email address or phone number should be provided on login."
      )
    }
    if (body.phone)
      throw unprocessable(
        "phone_provider_disabled",
        "Phone logins are disabled"
      )
    if (!body.email)
      throw badRequest("validation_failed", "missing email or phone")
    const invalid = () =>
      badRequest("invalid_credentials", "Invalid login credentials")
    const user = await findUserByEmail(db, body.email.trim())
    if (!user || user.is_anonymous) throw invalid()
    if (user.banned_until && Date.parse(user.banned_until) > Date.now())
      throw badRequest("user_banned", "User is banned")
    if (
      !(await k.comparePassword(body.password ?? "", user.encrypted_password))
    )
      throw invalid()
    if (!user.email_confirmed_at && !autoconfirm)
      throw badRequest("email_not_confirmed", "Email not confirmed")
    const session = await db.transaction((tx) =>
      issueSession(ctx, tx, user.id, "password", r.client)
    )
    sendJson(r.res, 200, session)
  }

  async function sendOtp(r: AuthRequest) {
    const body = await k.readJson(r.req, otpBody)
    if (body.email && body.phone) {
      throw badRequest(
        "validation_failed",
        "Only an email address or phone number should be provided"
      )
    }
    if (body.phone)
      throw badRequest("phone_provider_disabled", "Unsupported phone provider")
    if (!body.email)
      throw badRequest("validation_failed", "One of email or phone must be set")
    k.limit("signIn", r.client)
    const email = validateEmail(body.email)
    const flowType = k.flowTypeOf(body)
    const redirectTo = k.redirects.resolve(
      r.url.searchParams.get("redirect_to")
    )
    await k.transaction(async (tx) => {
      let user = await findUserByEmail(tx, email)
      if (!user) {
        if (
          body.create_user === false ||
          !auth.enable_signup ||
          !auth.email.enable_signup
        ) {
          throw unprocessable("otp_disabled", "Signups not allowed for otp")
        }
        const id = await insertUser(tx, {
          email,
          userMetadata: body.data ?? {},
          confirmed: autoconfirm,
        })
        user = (await findUserById(tx, id))!
      }
      if (!user.email_confirmed_at) {
        if (flowType === "pkce")
          await k.createFlowState(tx, user.id, body, "email/signup")
        await k.sendTokenEmail(tx, user, {
          slot: "confirmation",
          kind: "confirmation",
          linkType: "signup",
          to: email,
          redirectTo,
          flowType,
        })
        return
      }
      if (flowType === "pkce")
        await k.createFlowState(tx, user.id, body, "magiclink")
      await k.sendTokenEmail(tx, user, {
        slot: "magic_link",
        kind: "magic_link",
        linkType: "magiclink",
        to: email,
        redirectTo,
        flowType,
      })
    })
    sendJson(r.res, 200, {})
  }

  type Verified = { user: UserRow; accepted?: boolean; authMethod: string }

  /**
   * Finds the user holding `hash` for `type`, checks expiry and consumes the token. Email
   * changes with double confirmation need both links; the first answers `accepted`.
   */
  async function consumeToken(
    tx: Queryable,
    type: VerifyType,
    hash: string,
    viaLink: boolean
  ): Promise<Verified> {
    const expiredError = () =>
      forbidden(
        "otp_expired",
        viaLink
          ? "Email link is invalid or has expired"
          : "Token has expired or is invalid"
      )
    const expiry = auth.email.otp_expiry
    const fresh = (column: string) =>
      `u.${column} + make_interval(secs => ${expiry}) >= now()`
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

    if (type === "email_change") return applyEmailChange(tx, user, hash)
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
      authMethod:
        type === "recovery"
          ? "recovery"
          : type === "email"
            ? "otp"
            : "magiclink",
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
    tx: Queryable,
    user: UserRow,
    hash: string
  ): Promise<Verified> {
    const usedCurrent = user.email_change_token_current === hash
    const needsBoth =
      auth.email.double_confirm_changes && !autoconfirm && Boolean(user.email)
    if (needsBoth && (user.email_change_confirm_status ?? 0) === 0) {
      await k.clearToken(
        tx,
        user.id,
        usedCurrent ? "email_change_current" : "email_change_new"
      )
      await tx.query(
        "update auth.users set email_change_confirm_status = 1 where id = $1",
        [user.id]
      )
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
    if (!type)
      throw badRequest(
        "validation_failed",
        "Verify requires a verification type"
      )
    if (!(VERIFY_TYPES as string[]).includes(type))
      throw badRequest("validation_failed", "Unsupported verification type")

    return type as VerifyType
  }

  async function verifyGet(r: AuthRequest) {
    k.limit("verify", r.client)
    const params = r.url.searchParams
    const type = parseVerifyType(params.get("type") ?? undefined)
    const rawToken = params.get("token") ?? ""
    if (!rawToken)
      throw badRequest(
        "validation_failed",
        "Verify requires a token or a token hash"
      )
    const redirectTo = k.redirects.resolve(params.get("redirect_to"))
    const flowType: FlowType = rawToken.startsWith("pkce_")
      ? "pkce"
      : "implicit"
    const hash = rawToken.replace(/^pkce_/, "")

    try {
      const outcome = await k.transaction(async (tx) => {
        const verified = await consumeToken(tx, type, hash, true)
        if (verified.accepted) return { kind: "accepted" as const }
        if (flowType === "pkce") {
          return {
            kind: "code" as const,
            code: await k.issueAuthCode(
              tx,
              verified.user.id,
              FLOW_METHODS[type]
            ),
          }
        }

        return {
          kind: "session" as const,
          session: await issueSession(
            ctx,
            tx,
            verified.user.id,
            "otp",
            r.client
          ),
        }
      })
      if (outcome.kind === "accepted") {
        const target =
          flowType === "pkce"
            ? withQuery(redirectTo, { message: CONFIRMATION_ACCEPTED })
            : redirectTo

        return redirect(
          r.res,
          withFragment(target, { message: CONFIRMATION_ACCEPTED, sb: "" })
        )
      }
      if (outcome.kind === "code")
        return redirect(r.res, withQuery(redirectTo, { code: outcome.code }))
      redirect(
        r.res,
        withFragment(redirectTo, sessionFragment(outcome.session, type))
      )
    } catch (error) {
      if (!(error instanceof AuthApiFailure)) throw error
      const params: Record<string, string> = {
        error_code: error.code,
        error_description: error.message,
      }
      const name = OAUTH_ERROR_NAMES[error.status]
      if (name) params.error = name
      const target =
        flowType === "pkce" ? withQuery(redirectTo, params) : redirectTo
      redirect(r.res, withFragment(target, { ...params, sb: "" }))
    }
  }

  async function verifyPost(r: AuthRequest) {
    k.limit("verify", r.client)
    const body = await k.readJson(r.req, verifyBody)
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
        throw badRequest(
          "validation_failed",
          "Only the token_hash and type should be provided"
        )
      hash = body.token_hash.replace(/^pkce_/, "")
      viaLink = true
    } else {
      if (!body.token)
        throw badRequest(
          "validation_failed",
          "Verify requires a token or a token hash"
        )
      if (!body.email)
        throw badRequest(
          "validation_failed",
          "Only an email address or phone number should be provided on verify"
        )
      const email = body.email.trim().toLowerCase()
      if (!EMAIL_PATTERN.test(email))
        throw unprocessable("validation_failed", "Invalid email format")
      // Each code is hashed with the address it was sent to (for email changes, either one).
      hash = tokenHash(email, body.token.trim())
      viaLink = false
    }
    const outcome = await k.transaction(async (tx) => {
      const verified = await consumeToken(tx, type, hash, viaLink)
      if (verified.accepted) return { accepted: true as const }

      return {
        session: await issueSession(ctx, tx, verified.user.id, "otp", r.client),
      }
    })
    if ("accepted" in outcome)
      return sendJson(r.res, 200, { msg: CONFIRMATION_ACCEPTED, code: 200 })
    sendJson(r.res, 200, outcome.session)
  }

  async function getUser(r: AuthRequest) {
    const { user } = await k.requireUser(r.req, db)
    sendJson(r.res, 200, await userJson(db, user))
  }

  async function updateUser(r: AuthRequest) {
    const { user, sessionId } = await k.requireUser(r.req, db)
    const body = await k.readJson(r.req, userUpdateBody)
    if (body.app_metadata)
      throw forbidden(
        "not_admin",
        "Updating app_metadata requires admin privileges"
      )
    if (body.phone)
      throw unprocessable(
        "phone_provider_disabled",
        "Phone logins are disabled"
      )
    const redirectTo = k.redirects.resolve(
      r.url.searchParams.get("redirect_to")
    )
    const flowType = k.flowTypeOf(body)
    if (body.password !== undefined && user.is_anonymous && !user.email) {
      throw unprocessable(
        "validation_failed",
        "Updating password of an anonymous user without an email or phone is not allowed"
      )
    }
    const newEmail = body.email ? validateEmail(body.email) : undefined
    let passwordHash: string | undefined
    const clearNonce =
      body.password !== undefined &&
      (await checkReauthentication(user, sessionId, body.nonce))
    if (body.password !== undefined) {
      k.checkPasswordStrength(body.password)
      if (await k.comparePassword(body.password, user.encrypted_password)) {
        throw unprocessable(
          "same_password",
          "New password should be different from the old password."
        )
      }
      passwordHash = await k.hashPassword(body.password)
    }

    await k.transaction(async (tx) => {
      if (body.data) {
        // Keys set to null are removed, as Supabase Auth merges user_metadata.
        await tx.query(
          `update auth.users set raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb),
             updated_at = now() where id = $1`,
          [user.id, JSON.stringify(body.data)]
        )
      }
      if (clearNonce) await k.clearToken(tx, user.id, "reauthentication")
      if (passwordHash) {
        await tx.query(
          "update auth.users set encrypted_password = $2, updated_at = now() where id = $1",
          [user.id, passwordHash]
        )
        // A new password signs out every other session, as Supabase Auth does.
        await tx.query(
          "delete from auth.sessions where user_id = $1 and id is distinct from $2::uuid",
          [user.id, sessionId ?? null]
        )
      }
      if (newEmail && newEmail !== user.email) {
        const taken = await findUserByEmail(tx, newEmail)
        if (taken && taken.id !== user.id) {
          throw unprocessable(
            "email_exists",
            "A user with this email address has already been registered"
          )
        }
        if (autoconfirm) {
          await tx.query(
            "update auth.users set email = $2, updated_at = now() where id = $1",
            [user.id, newEmail]
          )
          await tx.query(
            `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text)
             where user_id = $1 and provider = 'email'`,
            [user.id, newEmail]
          )
          return
        }
        k.checkFrequency(user, "email_change_new")
        await tx.query(
          "update auth.users set email_change = $2, email_change_confirm_status = 0, updated_at = now() where id = $1",
          [user.id, newEmail]
        )
        if (flowType === "pkce")
          await k.createFlowState(tx, user.id, body, "email_change")
        const fresh = (await findUserById(tx, user.id))!
        await k.sendTokenEmail(tx, fresh, {
          slot: "email_change_new",
          kind: "email_change",
          linkType: "email_change",
          to: newEmail,
          redirectTo,
          flowType,
          checkFrequency: false,
        })
        if (auth.email.double_confirm_changes && user.email) {
          await k.sendTokenEmail(tx, fresh, {
            slot: "email_change_current",
            kind: "email_change",
            linkType: "email_change",
            to: user.email,
            redirectTo,
            flowType,
            checkFrequency: false,
          })
        }
      }
    })
    sendJson(r.res, 200, await userJson(db, (await findUserById(db, user.id))!))
  }

  /**
   * With secure_password_change, a session older than 24 hours needs the nonce emailed by
   * /reauthenticate to set a password. Returns whether a nonce was used (and must be spent).
   */
  async function checkReauthentication(
    user: UserRow,
    sessionId: string | undefined,
    nonce: string | undefined
  ) {
    if (!auth.email.secure_password_change) return false
    const { rows } = await db.query<{ recent: boolean }>(
      "select created_at + interval '24 hours' > now() as recent from auth.sessions where id = $1",
      [sessionId ?? null]
    )
    if (rows[0]?.recent) return false
    if (!nonce)
      throw badRequest(
        "reauthentication_needed",
        "Password update requires reauthentication"
      )
    const sentAt = user.reauthentication_sent_at
      ? Date.parse(user.reauthentication_sent_at)
      : 0
    const fresh = sentAt + auth.email.otp_expiry * 1000 > Date.now()
    if (
      !user.email ||
      !fresh ||
      user.reauthentication_token !== tokenHash(user.email, nonce.trim())
    ) {
      throw unprocessable(
        "reauthentication_not_valid",
        "Nonce has expired or is invalid"
      )
    }

    return true
  }

  async function logout(r: AuthRequest) {
    const scope = r.url.searchParams.get("scope") ?? "global"
    if (!["global", "local", "others"].includes(scope)) {
      throw badRequest(
        "validation_failed",
        `Unsupported logout scope "${scope}"`
      )
    }
    const { user, sessionId } = await k.requireUser(r.req, db)
    if (scope === "local" && sessionId) {
      await db.query("delete from auth.sessions where id = $1", [sessionId])
    } else if (scope === "others") {
      await db.query(
        "delete from auth.sessions where user_id = $1 and id is distinct from $2::uuid",
        [user.id, sessionId ?? null]
      )
    } else {
      await db.query("delete from auth.sessions where user_id = $1", [user.id])
    }
    r.res.writeHead(204)
    r.res.end()
  }

  async function recover(r: AuthRequest) {
    k.limit("signIn", r.client)
    const body = await k.readJson(r.req, recoverBody)
    if (!body.email)
      throw badRequest(
        "validation_failed",
        "Password recovery requires an email"
      )
    const email = validateEmail(body.email)
    const flowType = k.flowTypeOf(body)
    const redirectTo = k.redirects.resolve(
      r.url.searchParams.get("redirect_to")
    )
    await k.transaction(async (tx) => {
      const user = await findUserByEmail(tx, email)
      // Unknown addresses get the same answer, so they cannot be enumerated.
      if (!user) return
      if (flowType === "pkce")
        await k.createFlowState(tx, user.id, body, "recovery")
      await k.sendTokenEmail(tx, user, {
        slot: "recovery",
        kind: "recovery",
        linkType: "recovery",
        to: email,
        redirectTo,
        flowType,
      })
    })
    sendJson(r.res, 200, {})
  }

  async function resend(r: AuthRequest) {
    k.limit("signIn", r.client)
    const body = await k.readJson(r.req, resendBody)
    if (body.type !== "signup" && body.type !== "email_change") {
      if (body.type === "sms" || body.type === "phone_change")
        throw badRequest("phone_provider_disabled", "Phone logins are disabled")
      throw badRequest(
        "validation_failed",
        "Missing one of these types: signup, email_change, sms, phone_change"
      )
    }
    if (!body.email)
      throw badRequest(
        "validation_failed",
        "Type provided requires an email address"
      )
    const email = validateEmail(body.email)
    const redirectTo = k.redirects.resolve(
      r.url.searchParams.get("redirect_to")
    )
    await k.transaction(async (tx) => {
      const user = await findUserByEmail(tx, email)
      if (!user) return
      if (body.type === "signup") {
        if (user.email_confirmed_at) return
        await k.sendTokenEmail(tx, user, {
          slot: "confirmation",
          kind: "confirmation",
          linkType: "signup",
          to: email,
          redirectTo,
          flowType: "implicit",
        })
        return
      }
      if (!user.email_change) return
      k.checkFrequency(user, "email_change_new")
      await k.sendTokenEmail(tx, user, {
        slot: "email_change_new",
        kind: "email_change",
        linkType: "email_change",
        to: user.email_change,
        redirectTo,
        flowType: "implicit",
        checkFrequency: false,
      })
      if (auth.email.double_confirm_changes && user.email) {
        await k.sendTokenEmail(tx, user, {
          slot: "email_change_current",
          kind: "email_change",
          linkType: "email_change",
          to: user.email,
          redirectTo,
          flowType: "implicit",
          checkFrequency: false,
        })
      }
    })
    sendJson(r.res, 200, {})
  }

  async function reauthenticate(r: AuthRequest) {
    const { user } = await k.requireUser(r.req, db)
    if (!user.email)
      throw unprocessable(
        "validation_failed",
        "Reauthentication requires the user to have an email or a phone number"
      )
    await k.transaction(async (tx) => {
      await k.sendTokenEmail(tx, user, {
        slot: "reauthentication",
        kind: "reauthentication",
        linkType: undefined,
        to: user.email!,
        redirectTo: auth.site_url,
        flowType: "implicit",
      })
    })
    sendJson(r.res, 200, {})
  }

  async function authorize(r: AuthRequest) {
    const provider = r.url.searchParams.get("provider") ?? ""
    if (
      !PROVIDERS.includes(provider) ||
      provider === "email" ||
      provider === "phone" ||
      provider === "anonymous_users"
    ) {
      throw badRequest(
        "validation_failed",
        `Unsupported provider: Provider ${provider} could not be found`
      )
    }
    if (!auth.external[provider]?.enabled) {
      throw badRequest(
        "validation_failed",
        "Unsupported provider: provider is not enabled"
      )
    }
    // Enabled providers would redirect to the provider; the local stack cannot reach one.
    throw badRequest(
      "validation_failed",
      `Unsupported provider: ${provider} is not available on the local stack`
    )
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", ctx.apiUrl)
    const path =
      url.pathname.replace(/^\/auth\/v1/, "").replace(/\/+$/, "") || "/"
    const request: AuthRequest = { req, res, url, client: clientInfo(req) }
    try {
      if (
        path === "/admin" ||
        path.startsWith("/admin/") ||
        (path === "/invite" && req.method === "POST")
      ) {
        return await handleAdmin(k, request, path)
      }
      const route = routes[`${req.method} ${path}`]
      if (!route) throw notFound("not_found", "Not Found")
      await route(request)
    } catch (error) {
      if (
        !(error instanceof AuthApiFailure) &&
        !(error instanceof OAuthFailure)
      ) {
        ctx.log(
          `[auth] ${req.method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
        )
      }
      if (res.headersSent) return void res.destroy()
      sendAuthError(req, res, error)
    }
  }

  return { name: "auth", prefix: "/auth/v1", handle }
}

export type { AuthKernel, AuthRequest }
