// The signed-in user's own endpoints: GET/PUT /user, GET /reauthenticate, POST /logout.
import { z } from "zod"

import { sendJson } from "../http"
import { badRequest, forbidden, unprocessable } from "./errors"
import {
  metadataSchema,
  pkceFields,
  validateEmail,
  type AuthKernel,
  type AuthRequest,
} from "./kernel"
import { findUserByEmail, findUserById, tokenHash, userJson, type UserRow } from "./users"

const userUpdateBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
    nonce: z.string().optional(),
    data: metadataSchema.nullish(),
    app_metadata: metadataSchema.nullish(),
    ...pkceFields,
  })
  .loose()

export async function getUser(k: AuthKernel, r: AuthRequest) {
  const { user } = await k.requireUser(r.req, k.ctx.db)
  sendJson(r.res, 200, await userJson(k.ctx.db, user))
}

export async function updateUser(k: AuthKernel, r: AuthRequest) {
  const { user, sessionId } = await k.requireUser(r.req, k.ctx.db)
  const body = await k.readJson(r.req, userUpdateBody)
  if (body.app_metadata)
    throw forbidden("not_admin", "Updating app_metadata requires admin privileges")
  if (body.phone) throw unprocessable("phone_provider_disabled", "Phone logins are disabled")
  const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
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
    body.password !== undefined && (await checkReauthentication(k, user, sessionId, body.nonce))
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
      if (k.autoconfirm) {
        await tx.query("update auth.users set email = $2, updated_at = now() where id = $1", [
          user.id,
          newEmail,
        ])
        await tx.query(
          `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text)
           where user_id = $1 and provider = 'email'`,
          [user.id, newEmail]
        )
        return
      }
      if (flowType === "pkce") await k.createFlowState(tx, user.id, body, "email_change")
      await k.sendEmailChange(tx, user, newEmail, { redirectTo, flowType })
    }
  })
  sendJson(r.res, 200, await userJson(k.ctx.db, (await findUserById(k.ctx.db, user.id))!))
}

/**
 * With secure_password_change, a session older than 24 hours needs the nonce emailed by
 * /reauthenticate to set a password. Returns whether a nonce was used (and must be spent).
 */
async function checkReauthentication(
  k: AuthKernel,
  user: UserRow,
  sessionId: string | undefined,
  nonce: string | undefined
) {
  if (!k.config.auth.email.secure_password_change) return false
  const { rows } = await k.ctx.db.query<{ recent: boolean }>(
    "select created_at + interval '24 hours' > now() as recent from auth.sessions where id = $1",
    [sessionId ?? null]
  )
  if (rows[0]?.recent) return false
  if (!nonce)
    throw badRequest("reauthentication_needed", "Password update requires reauthentication")
  const sentAt = user.reauthentication_sent_at ? Date.parse(user.reauthentication_sent_at) : 0
  const fresh = sentAt + k.config.auth.email.otp_expiry * 1000 > Date.now()
  if (
    !user.email ||
    !fresh ||
    user.reauthentication_token !== tokenHash(user.email, nonce.trim())
  ) {
    throw unprocessable("reauthentication_not_valid", "Nonce has expired or is invalid")
  }

  return true
}

export async function logout(k: AuthKernel, r: AuthRequest) {
  const scope = r.url.searchParams.get("scope") ?? "global"
  if (!["global", "local", "others"].includes(scope)) {
    throw badRequest("validation_failed", `Unsupported logout scope "${scope}"`)
  }
  const { user, sessionId } = await k.requireUser(r.req, k.ctx.db)
  if (scope === "local" && sessionId) {
    await k.ctx.db.query("delete from auth.sessions where id = $1", [sessionId])
  } else if (scope === "others") {
    await k.ctx.db.query(
      "delete from auth.sessions where user_id = $1 and id is distinct from $2::uuid",
      [user.id, sessionId ?? null]
    )
  } else {
    await k.ctx.db.query("delete from auth.sessions where user_id = $1", [user.id])
  }
  r.res.writeHead(204)
  r.res.end()
}

export async function reauthenticate(k: AuthKernel, r: AuthRequest) {
  const { user } = await k.requireUser(r.req, k.ctx.db)
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
      redirectTo: k.config.auth.site_url,
      flowType: "implicit",
    })
  })
  sendJson(r.res, 200, {})
}
