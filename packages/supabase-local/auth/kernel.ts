import { createHash, randomInt, randomUUID } from "node:crypto"
import { type IncomingMessage, type ServerResponse } from "node:http"

import bcrypt from "bcryptjs"
import { z } from "zod"

import { type Queryable } from "../db/types"
import { BodyTooLargeError, readBody } from "../http"
import { JwtError } from "../keys"
import { getMailbox, type MailKind, type OutgoingMail } from "../mailbox/mailbox"
import { type ServiceContext } from "../service"
import { createMailComposer, verificationUrl, type LinkType } from "./emails"
import { AuthApiFailure, badRequest, forbidden, tooManyRequests, unprocessable } from "./errors"
import { RateLimiter } from "./rate-limit"
import { createRedirectValidator } from "./redirect"
import { type ClientInfo } from "./sessions"
import {
  clearOneTimeToken,
  findUserById,
  isUuid,
  setOneTimeToken,
  tokenHash,
  type OneTimeTokenType,
  type UserRow,
} from "./users"

const BODY_LIMIT = 1024 * 1024
/** How long a PKCE flow state (and its auth code) stays usable, as Supabase Auth's default. */
const FLOW_STATE_TTL_S = 300
const BCRYPT_COST = 10
const MAX_PASSWORD_BYTES = 72

/** How the emails of each kind are stored on auth.users. */
const TOKEN_SLOTS = {
  confirmation: {
    column: "confirmation_token",
    sentAt: "confirmation_sent_at",
    ott: "confirmation_token",
  },
  invite: {
    column: "confirmation_token",
    sentAt: "confirmation_sent_at",
    ott: "confirmation_token",
  },
  magic_link: {
    column: "recovery_token",
    sentAt: "recovery_sent_at",
    ott: "recovery_token",
  },
  recovery: {
    column: "recovery_token",
    sentAt: "recovery_sent_at",
    ott: "recovery_token",
  },
  email_change_new: {
    column: "email_change_token_new",
    sentAt: "email_change_sent_at",
    ott: "email_change_token_new",
  },
  email_change_current: {
    column: "email_change_token_current",
    sentAt: "email_change_sent_at",
    ott: "email_change_token_current",
  },
  reauthentication: {
    column: "reauthentication_token",
    sentAt: "reauthentication_sent_at",
    ott: "reauthentication_token",
  },
} as const satisfies Record<string, { column: string; sentAt: string; ott: OneTimeTokenType }>

export type TokenSlot = keyof typeof TOKEN_SLOTS

export type FlowType = "implicit" | "pkce"

/** A transaction handle that also collects the emails to send after commit. */
export type Transaction = Queryable & { outbox: OutgoingMail[] }

export type PkceParams = {
  code_challenge?: string | undefined
  code_challenge_method?: string | undefined
}

const claimsSchema = z
  .object({
    sub: z.string().optional(),
    role: z.string().optional(),
    session_id: z.string().optional(),
  })
  .loose()

/** One request to /auth/v1, as every endpoint handler receives it. */
export type AuthRequest = {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  client: ClientInfo
}

export const metadataSchema = z.record(z.string(), z.unknown())
export const pkceFields = {
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
}

export const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/

export function validateEmail(email: string): string {
  const trimmed = email.trim()
  if (trimmed.length > 255 || !EMAIL_PATTERN.test(trimmed)) {
    throw badRequest("validation_failed", "Unable to validate email address: invalid format")
  }

  return trimmed.toLowerCase()
}

export type Authenticated = {
  user: UserRow
  sessionId: string | undefined
  claims: z.infer<typeof claimsSchema>
}

export function createAuthKernel(ctx: ServiceContext) {
  const { config } = ctx
  const auth = config.auth
  const mailbox = getMailbox(ctx)
  const composeEmail = createMailComposer(auth.email.template)
  const redirects = createRedirectValidator({
    siteUrl: auth.site_url,
    allowList: auth.additional_redirect_urls,
  })
  const FIVE_MINUTES = 300
  const limiters = {
    signIn: new RateLimiter(auth.rate_limit.sign_in_sign_ups, FIVE_MINUTES),
    refresh: new RateLimiter(auth.rate_limit.token_refresh, FIVE_MINUTES),
    verify: new RateLimiter(auth.rate_limit.token_verifications, FIVE_MINUTES),
    anonymous: new RateLimiter(auth.rate_limit.anonymous_users, 3600),
    emails: new RateLimiter(auth.rate_limit.email_sent, 3600),
  }

  const bodies = new WeakMap<IncomingMessage, Promise<Record<string, unknown>>>()

  function limit(limiter: keyof typeof limiters, client: ClientInfo) {
    if (!limiters[limiter].take(client.ip)) {
      throw tooManyRequests("over_request_rate_limit", "Request rate limit reached")
    }
  }

  /**
   * The request's JSON object, read once: the CAPTCHA check reads it before the endpoint
   * does. Anything but a JSON object is a 400 with the reason, never a 500.
   */
  function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
    let body = bodies.get(req)
    if (!body) {
      body = parseJsonObject(req)
      bodies.set(req, body)
    }

    return body
  }

  async function parseJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
    let raw: Buffer
    try {
      raw = await readBody(req, BODY_LIMIT)
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new AuthApiFailure(
          413,
          "request_entity_too_large",
          `Request body too large (max ${BODY_LIMIT} bytes)`
        )
      }
      throw error
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw.toString("utf8"))
    } catch (error) {
      const reason = error instanceof Error ? error.message : "invalid JSON"
      throw badRequest("bad_json", `Could not parse request body as JSON: ${reason}`)
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("bad_json", "Could not parse request body as JSON: expected an object")
    }

    return parsed as Record<string, unknown>
  }

  /** Reads the JSON object body and validates it with `schema`. */
  async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
    const parsed = await readJsonObject(req)
    // Go decodes a JSON null as the field's zero value; clients send nulls for unset options.
    const withoutNulls = Object.fromEntries(
      Object.entries(parsed).filter(([, value]) => value !== null)
    )
    const result = schema.safeParse(withoutNulls)
    if (!result.success) {
      const issue = result.error.issues[0]
      const where = issue?.path.join(".") ?? ""
      throw badRequest(
        "bad_json",
        `Could not parse request body as JSON: ${where ? `${where}: ` : ""}${issue?.message ?? "invalid"}`
      )
    }

    return result.data
  }

  function checkPasswordStrength(password: string) {
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
      throw unprocessable(
        "validation_failed",
        `Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`
      )
    }
    const reasons: string[] = []
    const messages: string[] = []
    if ([...password].length < auth.minimum_password_length) {
      reasons.push("length")
      messages.push(`Password should be at least ${auth.minimum_password_length} characters.`)
    }
    const required = passwordCharacterSets(auth.password_requirements)
    if (
      required.length > 0 &&
      !required.every((set) => [...set].some((char) => password.includes(char)))
    ) {
      reasons.push("characters")
      messages.push(
        `Password should contain at least one character of each: ${required.join(", ")}.`
      )
    }
    if (reasons.length > 0) {
      throw new AuthApiFailure(422, "weak_password", messages.join(" "), {
        weak_password: { reasons },
      })
    }
  }

  const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST)
  const comparePassword = (password: string, hash: string | null) =>
    hash ? bcrypt.compare(password, hash) : Promise.resolve(false)

  function otp() {
    const length = auth.email.otp_length

    return String(randomInt(0, 10 ** length)).padStart(length, "0")
  }

  function checkFrequency(user: UserRow, slot: TokenSlot) {
    const sentAt = user[TOKEN_SLOTS[slot].sentAt]
    if (!sentAt) return
    const wait = Date.parse(sentAt) + auth.email.max_frequency * 1000 - Date.now()
    if (wait > 0) {
      throw tooManyRequests(
        "over_email_send_rate_limit",
        `For security purposes, you can only request this after ${Math.ceil(wait / 1000)} seconds.`
      )
    }
  }

  function takeEmailQuota() {
    if (!limiters.emails.take("project")) {
      throw tooManyRequests("over_email_send_rate_limit", "Email rate limit exceeded")
    }
  }

  /**
   * Stores a fresh one-time token for `slot` and emails it as a link and a code. For PKCE flows
   * the link carries `pkce_` + hash so that verifying it answers with `?code=`.
   */
  async function sendTokenEmail(
    tx: Transaction,
    user: UserRow,
    options: {
      slot: TokenSlot
      kind: MailKind
      linkType: LinkType | undefined
      to: string
      redirectTo: string
      flowType: FlowType
      checkFrequency?: boolean
      /** false for the admin API's generate_link, which hands the link back instead. */
      deliver?: boolean
    }
  ): Promise<{ otp: string; hash: string; link: string | undefined }> {
    const deliver = options.deliver !== false
    if (deliver && options.checkFrequency !== false) checkFrequency(user, options.slot)
    if (deliver) takeEmailQuota()
    const code = otp()
    const hash = tokenHash(options.to, code)
    const slot = TOKEN_SLOTS[options.slot]
    await tx.query(
      `update auth.users set ${slot.column} = $2, ${slot.sentAt} = now(), updated_at = now() where id = $1`,
      [user.id, hash]
    )
    await setOneTimeToken(tx, user.id, slot.ott, hash, options.to)
    const linkToken = options.flowType === "pkce" ? `pkce_${hash}` : hash
    const link = options.linkType
      ? verificationUrl(ctx.apiUrl, linkToken, options.linkType, options.redirectTo)
      : undefined
    if (deliver) {
      const changing = options.kind === "email_change"
      tx.outbox.push(
        composeEmail(options.kind, options.to, {
          SiteURL: auth.site_url,
          ConfirmationURL: link,
          Token: code,
          TokenHash: options.linkType ? linkToken : undefined,
          RedirectTo: options.linkType ? options.redirectTo : undefined,
          Email: user.email ?? options.to,
          NewEmail: changing
            ? (user.email_change ?? (options.slot === "email_change_new" ? options.to : undefined))
            : undefined,
          SendingTo: options.to,
          Data: user.raw_user_meta_data ?? {},
        })
      )
    }

    return { otp: code, hash, link }
  }

  /**
   * Starts (or restarts) an email change, as Supabase Auth's sendEmailChange does
   * (internal/api/mail.go): both tokens are reissued and email_change_confirm_status goes back
   * to 0, so a confirmation spent before a resend counts for nothing and, with
   * double_confirm_changes, each address must confirm again with its own new token.
   */
  async function sendEmailChange(
    tx: Transaction,
    user: UserRow,
    newEmail: string,
    options: { redirectTo: string; flowType: FlowType }
  ) {
    checkFrequency(user, "email_change_new")
    await tx.query(
      `update auth.users set email_change = $2, email_change_confirm_status = 0,
         email_change_token_new = '', email_change_token_current = '', updated_at = now()
       where id = $1`,
      [user.id, newEmail]
    )
    await clearOneTimeToken(tx, user.id, "email_change_token_new")
    await clearOneTimeToken(tx, user.id, "email_change_token_current")
    const fresh = (await findUserById(tx, user.id))!
    const common = {
      kind: "email_change" as const,
      linkType: "email_change" as const,
      redirectTo: options.redirectTo,
      flowType: options.flowType,
      checkFrequency: false,
    }
    await sendTokenEmail(tx, fresh, { ...common, slot: "email_change_new", to: newEmail })
    if (auth.email.double_confirm_changes && user.email) {
      await sendTokenEmail(tx, fresh, { ...common, slot: "email_change_current", to: user.email })
    }
  }

  async function clearToken(tx: Queryable, userId: string, slot: TokenSlot) {
    const { column, ott } = TOKEN_SLOTS[slot]
    await tx.query(`update auth.users set ${column} = '' where id = $1`, [userId])
    await clearOneTimeToken(tx, userId, ott)
  }

  /** Validates the PKCE parameters; both or neither must be given. */
  function flowTypeOf(params: PkceParams): FlowType {
    const { code_challenge: challenge, code_challenge_method: method } = params
    if (!challenge && !method) return "implicit"
    if (!challenge || !method) {
      throw badRequest(
        "validation_failed",
        "PKCE flow requires code_challenge_method and code_challenge"
      )
    }
    if (challenge.length < 43 || challenge.length > 128) {
      throw badRequest(
        "validation_failed",
        "code challenge has to be between 43 and 128 characters"
      )
    }
    if (!/^[a-zA-Z0-9._~-]+$/.test(challenge)) {
      throw badRequest(
        "validation_failed",
        "code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes"
      )
    }
    if (!["s256", "plain"].includes(method.toLowerCase())) {
      throw badRequest("validation_failed", "Invalid code_challenge_method")
    }

    return "pkce"
  }

  async function createFlowState(
    tx: Queryable,
    userId: string,
    params: PkceParams,
    authMethod: string
  ) {
    await tx.query(
      `insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
         provider_type, created_at, updated_at, authentication_method)
       values ($1, $2, $3, $4::auth.code_challenge_method, $5, 'email', now(), now(), $6)`,
      [
        randomUUID(),
        userId,
        randomUUID(),
        params.code_challenge_method!.toLowerCase(),
        params.code_challenge,
        authMethod,
      ]
    )
  }

  /** Issues the auth code of the user's newest flow state for `authMethod` (verify, PKCE). */
  async function issueAuthCode(
    tx: Queryable,
    userId: string,
    authMethods: string[]
  ): Promise<string> {
    const { rows } = await tx.query<{ id: string; auth_code: string }>(
      `select id::text, auth_code from auth.flow_state
       where user_id = $1 and authentication_method = any($2::text[])
       order by created_at desc limit 1`,
      [userId, authMethods]
    )
    const flow = rows[0]
    if (!flow)
      throw badRequest(
        "flow_state_not_found",
        "No associated flow state found. No valid flow state found for user."
      )
    await tx.query(
      "update auth.flow_state set auth_code_issued_at = now(), updated_at = now() where id = $1",
      [flow.id]
    )

    return flow.auth_code
  }

  /** The code grant: single use, expiring, verifier checked with the stored method. */
  async function exchangeAuthCode(tx: Queryable, authCode: string, verifier: string) {
    const { rows } = await tx.query<{
      id: string
      user_id: string | null
      code_challenge: string
      code_challenge_method: string
      authentication_method: string
      expired: boolean
    }>(
      `select id::text, user_id::text, code_challenge, code_challenge_method::text, authentication_method,
         coalesce(auth_code_issued_at, created_at) + make_interval(secs => $2) < now() as expired
       from auth.flow_state where auth_code = $1 for update`,
      [authCode, FLOW_STATE_TTL_S]
    )
    const flow = rows[0]
    if (!flow || !flow.user_id)
      throw new AuthApiFailure(
        404,
        "flow_state_not_found",
        "invalid flow state, no valid flow state found"
      )
    if (flow.expired) {
      throw unprocessable("flow_state_expired", "invalid flow state, flow state has expired")
    }
    const computed =
      flow.code_challenge_method === "s256"
        ? createHash("sha256").update(verifier).digest("base64url")
        : verifier
    if (computed !== flow.code_challenge) {
      throw badRequest(
        "bad_code_verifier",
        "code challenge does not match previously saved code verifier"
      )
    }
    await tx.query("delete from auth.flow_state where id = $1", [flow.id])

    return { userId: flow.user_id, authMethod: flow.authentication_method }
  }

  function bearer(req: IncomingMessage): string {
    const header = req.headers.authorization ?? ""
    const match = /^bearer\s+(\S+)\s*$/i.exec(header)
    if (!match)
      throw new AuthApiFailure(
        401,
        "no_authorization",
        "This endpoint requires a valid Bearer token"
      )

    return match[1]!
  }

  async function verifyJwt(token: string) {
    try {
      return claimsSchema.parse(await ctx.keys.verify(token))
    } catch (error) {
      if (error instanceof JwtError) {
        const reason =
          error.reason === "expired"
            ? "token has invalid claims: token is expired"
            : error.reason === "invalid_signature"
              ? "token signature is invalid"
              : error.message
        throw forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${reason}`)
      }
      throw forbidden("bad_jwt", "invalid JWT: unable to parse or verify signature")
    }
  }

  /** The signed-in caller, as Supabase Auth's requireAuthentication checks it. */
  async function requireUser(req: IncomingMessage, db: Queryable): Promise<Authenticated> {
    const claims = await verifyJwt(bearer(req))
    if (!claims.sub) throw forbidden("bad_jwt", "invalid claim: missing sub claim")
    if (!isUuid(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID")
    const user = await findUserById(db, claims.sub)
    if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist")
    const sessionId = claims.session_id
    if (sessionId) {
      if (!isUuid(sessionId))
        throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID")
      const session = await db.query("select 1 from auth.sessions where id = $1", [sessionId])
      if (session.rows.length === 0) {
        throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist")
      }
    }

    return { user, sessionId, claims }
  }

  async function requireAdmin(req: IncomingMessage) {
    const claims = await verifyJwt(bearer(req))
    if (claims.role !== "service_role" && claims.role !== "supabase_admin") {
      throw forbidden("not_admin", "User not allowed")
    }

    return claims
  }

  /**
   * A database transaction whose emails go out only once it has committed (and, on PGlite's
   * single connection, outside it).
   */
  async function transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const outbox: OutgoingMail[] = []
    const result = await ctx.db.transaction((queryable) =>
      fn({
        query: queryable.query.bind(queryable),
        exec: queryable.exec.bind(queryable),
        outbox,
      })
    )
    for (const mail of outbox) await mailbox.send(mail)

    return result
  }

  return {
    ctx,
    config,
    /** Sign-ups and email changes take effect at once (no confirmation email). */
    autoconfirm: !auth.email.enable_confirmations,
    transaction,
    mailbox,
    redirects,
    limit,
    readJson,
    readJsonObject,
    checkPasswordStrength,
    hashPassword,
    comparePassword,
    sendTokenEmail,
    clearToken,
    sendEmailChange,
    checkFrequency,
    flowTypeOf,
    createFlowState,
    issueAuthCode,
    exchangeAuthCode,
    requireUser,
    requireAdmin,
    slots: TOKEN_SLOTS,
  }
}

export type AuthKernel = ReturnType<typeof createAuthKernel>

/** config.toml's password_requirements, as the Supabase CLI names the character sets. */
function passwordCharacterSets(requirement: string): string[] {
  const lower = "abcdefghijklmnopqrstuvwxyz"
  const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  const digits = "0123456789"
  const symbols = "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~"
  switch (requirement) {
    case "letters_digits":
      return [lower + upper, digits]
    case "lower_upper_letters_digits":
      return [lower, upper, digits]
    case "lower_upper_letters_digits_symbols":
      return [lower, upper, digits, symbols]
    default:
      return []
  }
}

export function clientInfo(req: IncomingMessage): ClientInfo {
  return {
    ip: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "",
    userAgent: String(req.headers["user-agent"] ?? ""),
  }
}
