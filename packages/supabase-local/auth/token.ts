// POST /token: the password, refresh_token and pkce grants.
import { z } from "zod"

import { sendJson } from "../http"
import { badRequest, notFound, OAuthFailure, unprocessable } from "./errors"
import { type AuthKernel, type AuthRequest } from "./kernel"
import { issueSession, refreshSession } from "./sessions"
import { findUserByEmail, findUserById } from "./users"

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

export async function token(k: AuthKernel, r: AuthRequest) {
  const grant = r.url.searchParams.get("grant_type")
  if (grant === "refresh_token") {
    k.limit("refresh", r.client)
    const body = await k.readJson(r.req, refreshBody)
    return sendJson(r.res, 200, await refreshSession(k.ctx, k.ctx.db, body.refresh_token))
  }
  k.limit("signIn", r.client)
  if (grant === "password") return passwordGrant(k, r)
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

      return issueSession(k.ctx, tx, userId, authMethod as "pkce", r.client)
    })
    return sendJson(r.res, 200, session)
  }
  if (grant === "id_token") return idTokenGrant(k, r)
  // Web3Grant (web3.go) checks the providers before reading the body.
  if (grant === "web3") throw unprocessable("web3_provider_disabled", "Web3 provider is disabled")
  throw badRequest("invalid_credentials", "unsupported_grant_type")
}

const idTokenBody = z
  .object({
    id_token: z.string().optional(),
    provider: z.string().optional(),
    client_id: z.string().optional(),
    issuer: z.string().optional(),
  })
  .loose()

/** The issuers Supabase Auth fixes for the providers it names (token_oidc.go, provider/*.go). */
const ID_TOKEN_ISSUERS: Record<string, string> = {
  google: "https://accounts.google.com",
  facebook: "https://www.facebook.com",
  kakao: "https://kauth.kakao.com",
  snapchat: "https://accounts.snapchat.com/accounts/oauth2/token",
  vercel_marketplace: "https://marketplace.vercel.com",
}

/**
 * signInWithIdToken, as IdTokenGrant and getProviderConfig (token_oidc.go) refuse it when the
 * provider is not enabled. The local stack verifies no provider's ID tokens (that needs the
 * provider's keys over the network), so every provider answers as a disabled one does.
 */
async function idTokenGrant(k: AuthKernel, r: AuthRequest): Promise<never> {
  const body = await k.readJson(r.req, idTokenBody)
  if (!body.id_token) throw new OAuthFailure("invalid request", "id_token required")
  if (!body.provider && !(body.client_id && body.issuer))
    throw new OAuthFailure("invalid request", "provider or client_id and issuer required")
  const provider = body.provider ?? ""
  const detected = { apple: "Apple", azure: "Azure" }[provider]
  const issuer = ID_TOKEN_ISSUERS[provider] ?? tokenIssuer(body.id_token)
  if (detected && issuer === undefined) {
    throw badRequest(
      "validation_failed",
      `Unable to detect issuer in ID token for ${detected} provider`
    )
  }
  if (detected || provider === "keycloak" || provider in ID_TOKEN_ISSUERS) {
    throw badRequest(
      "provider_disabled",
      `Provider (issuer ${JSON.stringify(issuer ?? "")}) is not enabled`
    )
  }
  if (provider.startsWith("custom:"))
    throw badRequest("validation_failed", "Custom OAuth providers are disabled")

  throw badRequest(
    "validation_failed",
    `Custom OIDC provider ${JSON.stringify(provider)} not allowed`
  )
}

/** The `iss` of an unverified ID token, as Auth reads it for Apple and Azure tokens. */
function tokenIssuer(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())
    return typeof payload?.iss === "string" ? payload.iss : undefined
  } catch {
    return undefined
  }
}

async function passwordGrant(k: AuthKernel, r: AuthRequest) {
  const body = await k.readJson(r.req, passwordBody)
  if (body.email && body.phone) {
    throw badRequest(
      "validation_failed",
      "Only an email address or phone number should be provided on login."
    )
  }
  if (body.phone) throw unprocessable("phone_provider_disabled", "Phone logins are disabled")
  if (!body.email) throw badRequest("validation_failed", "missing email or phone")
  const invalid = () => badRequest("invalid_credentials", "Invalid login credentials")
  const user = await findUserByEmail(k.ctx.db, body.email.trim())
  if (!user || user.is_anonymous) throw invalid()
  if (user.banned_until && Date.parse(user.banned_until) > Date.now())
    throw badRequest("user_banned", "User is banned")
  if (!(await k.comparePassword(body.password ?? "", user.encrypted_password))) throw invalid()
  if (!user.email_confirmed_at && !k.autoconfirm)
    throw badRequest("email_not_confirmed", "Email not confirmed")
  const session = await k.ctx.db.transaction((tx) =>
    issueSession(k.ctx, tx, user.id, "password", r.client)
  )
  sendJson(r.res, 200, session)
}
