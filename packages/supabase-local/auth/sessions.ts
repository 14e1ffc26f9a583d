import { randomBytes, randomUUID } from "node:crypto"

import { z } from "zod"

import { type Database, type Queryable } from "../db/types"
import { type ServiceContext } from "../service"
import { AuthApiFailure, badRequest, OAuthFailure } from "./errors"
import { findUserById, userJson, type UserRow } from "./users"

/** How people proved who they are, as the `amr` claim lists it. */
export type AuthMethod =
  | "password"
  | "otp"
  | "magiclink"
  | "email/signup"
  | "recovery"
  | "invite"
  | "anonymous"
  | "pkce"
  | "email_change"
  | "totp"
  | "passkey"
  | "mfa/webauthn"

export type SessionContext = Pick<ServiceContext, "config" | "keys" | "apiUrl">

function newRefreshToken() {
  // Supabase Auth's refresh tokens are short random strings, opaque to clients.
  return randomBytes(16).toString("base64url").replace(/[-_]/g, "x").slice(0, 22)
}

async function signAccessToken(
  ctx: SessionContext,
  tx: Queryable,
  user: UserRow,
  sessionId: string
) {
  const { rows } = await tx.query<{ method: string; at: string }>(
    `select authentication_method as method, extract(epoch from created_at)::bigint::text as at
     from auth.mfa_amr_claims where session_id = $1 order by created_at desc`,
    [sessionId]
  )
  // The session's level, raised to aal2 by a verified factor (mfa.ts); a refresh keeps it.
  const level = await tx.query<{ aal: string | null }>(
    "select aal::text as aal from auth.sessions where id = $1",
    [sessionId]
  )
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + ctx.config.auth.jwt_expiry
  const token = await ctx.keys.signAccessToken({
    iss: `${ctx.apiUrl}/auth/v1`,
    sub: user.id,
    aud: user.aud ?? "authenticated",
    exp,
    iat,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role ?? "authenticated",
    aal: level.rows[0]?.aal ?? "aal1",
    amr: rows.map((row) => ({ method: row.method, timestamp: Number(row.at) })),
    session_id: sessionId,
    is_anonymous: user.is_anonymous,
  })

  return { token, exp }
}

export type TokenResponse = {
  access_token: string
  token_type: "bearer"
  expires_in: number
  expires_at: number
  refresh_token: string
  user: Record<string, unknown>
}

async function tokenResponse(
  ctx: SessionContext,
  tx: Queryable,
  userId: string,
  sessionId: string,
  refreshToken: string
): Promise<TokenResponse> {
  const user = await findUserById(tx, userId)
  if (!user) throw new AuthApiFailure(500, "unexpected_failure", "Database error loading user")
  const { token, exp } = await signAccessToken(ctx, tx, user, sessionId)

  return {
    access_token: token,
    token_type: "bearer",
    expires_in: ctx.config.auth.jwt_expiry,
    expires_at: exp,
    refresh_token: refreshToken,
    user: await userJson(tx, user),
  }
}

export type ClientInfo = { ip: string; userAgent: string }

/**
 * A verified second factor raises the caller's session to aal2, as Supabase Auth's
 * updateMFASessionAndClaims does: the session records the level and the factor, the factor's
 * method joins the amr claims, and the session's refresh token is swapped for a new one (the
 * old one revoked, the new one its child) so the client's next tokens carry the new level.
 */
export async function raiseSessionToAal2(
  ctx: SessionContext,
  tx: Queryable,
  userId: string,
  sessionId: string,
  factorId: string,
  method: AuthMethod
): Promise<TokenResponse> {
  await tx.query(
    `update auth.sessions set aal = 'aal2', factor_id = $2, updated_at = now() where id = $1`,
    [sessionId, factorId]
  )
  await tx.query(
    `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
     values ($1, now(), now(), $2, $3)
     on conflict (session_id, authentication_method) do update set updated_at = now(), created_at = now()`,
    [sessionId, method, randomUUID()]
  )
  const { rows } = await tx.query<{ token: string }>(
    `update auth.refresh_tokens set revoked = true, updated_at = now()
      where session_id = $1 and not revoked
      returning token`,
    [sessionId]
  )
  const refreshToken = newRefreshToken()
  await tx.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
    [refreshToken, userId, rows.at(-1)?.token ?? null, sessionId]
  )

  return tokenResponse(ctx, tx, userId, sessionId, refreshToken)
}

/** Starts a session: a row in auth.sessions, its first refresh token and its amr claim. */
export async function issueSession(
  ctx: SessionContext,
  tx: Queryable,
  userId: string,
  method: AuthMethod,
  client: ClientInfo
): Promise<TokenResponse> {
  const sessionId = randomUUID()
  await tx.query(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip)
     values ($1, $2, now(), now(), 'aal1', now() at time zone 'UTC', $3, $4::inet)`,
    [sessionId, userId, client.userAgent, client.ip || null]
  )
  await tx.query(
    `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
     values ($1, now(), now(), $2, $3)`,
    [sessionId, method, randomUUID()]
  )
  const refreshToken = newRefreshToken()
  await tx.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), null, $3)`,
    [refreshToken, userId, sessionId]
  )
  await tx.query(
    `update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1`,
    [userId]
  )
  await tx.query(`update auth.identities set last_sign_in_at = now() where user_id = $1`, [userId])

  return tokenResponse(ctx, tx, userId, sessionId, refreshToken)
}

const refreshRowSchema = z.object({
  id: z.string(),
  token: z.string(),
  user_id: z.string(),
  revoked: z.boolean(),
  parent: z.string().nullable(),
  session_id: z.string().nullable(),
  session_exists: z.boolean(),
  reusable: z.boolean(),
  banned: z.boolean(),
})

/**
 * The refresh_token grant with Supabase Auth's rotation rules: each use revokes the token and
 * issues its child; a revoked token is still honoured when it is the parent of the active one
 * (the client lost the answer) or within the reuse interval; any other reuse revokes the whole
 * session's family and fails.
 */
export async function refreshSession(
  ctx: SessionContext,
  db: Database,
  refreshToken: string | undefined
): Promise<TokenResponse> {
  if (!refreshToken) throw new OAuthFailure("invalid_request", "refresh_token required")
  const interval = ctx.config.auth.refresh_token_reuse_interval
  const outcome = await db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `select rt.id::text, rt.token, rt.user_id, coalesce(rt.revoked, false) as revoked, rt.parent,
         rt.session_id::text, s.id is not null as session_exists,
         rt.updated_at + make_interval(secs => $2) >= now() as reusable,
         coalesce(u.banned_until > now(), false) as banned
       from auth.refresh_tokens rt
       left join auth.sessions s on s.id = rt.session_id
       left join auth.users u on u.id::text = rt.user_id
       where rt.token = $1
       for update of rt`,
      [refreshToken, interval]
    )
    if (!rows[0]) {
      return {
        error: badRequest(
          "refresh_token_not_found",
          "Invalid Refresh Token: Refresh Token Not Found"
        ),
      }
    }
    const row = refreshRowSchema.parse(rows[0])
    if (row.banned)
      return {
        error: badRequest("user_banned", "Invalid Refresh Token: User Banned"),
      }
    if (!row.session_id || !row.session_exists) {
      await tx.query("delete from auth.refresh_tokens where id = $1", [row.id])
      return {
        error: badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found"),
      }
    }

    let issued: string | undefined
    if (row.revoked) {
      const active = await tx.query<{ token: string; parent: string | null }>(
        `select token, parent from auth.refresh_tokens
         where session_id = $1 and revoked = false order by id desc limit 1`,
        [row.session_id]
      )
      if (active.rows[0]?.parent === row.token) {
        issued = active.rows[0].token
      } else if (!row.reusable || !active.rows[0]) {
        // The reuse interval forgives a client that lost a rotation's answer, so it only
        // applies while the family lives (it has an active token). A family revoked for reuse
        // has none, and its revocation is final: the revoke sets updated_at = now(), which
        // Supabase Auth's check (internal/tokens/service.go) would read as a fresh window.
        if (ctx.config.auth.enable_refresh_token_rotation) {
          await tx.query(
            "update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false",
            [row.session_id]
          )
        }
        // The revocation is committed; the failure is reported after the transaction.
        return {
          error: badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"),
        }
      }
    }
    if (!issued) {
      issued = newRefreshToken()
      await tx.query(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1",
        [row.id]
      )
      await tx.query(
        `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
         values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
        [issued, row.user_id, row.token, row.session_id]
      )
    }
    await tx.query(
      "update auth.sessions set refreshed_at = now() at time zone 'UTC', updated_at = now() where id = $1",
      [row.session_id]
    )

    return {
      response: await tokenResponse(ctx, tx, row.user_id, row.session_id, issued),
    }
  })
  if ("error" in outcome) throw outcome.error

  return outcome.response
}
