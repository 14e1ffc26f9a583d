// POST /signup: email and password sign-ups, and anonymous sign-ins (a sign-up without either).
import { randomUUID } from "node:crypto"

import { z } from "zod"

import { sendJson } from "../http"
import { badRequest, unprocessable } from "./errors"
import {
  metadataSchema,
  pkceFields,
  validateEmail,
  type AuthKernel,
  type AuthRequest,
} from "./kernel"
import { issueSession } from "./sessions"
import { findUserByEmail, findUserById, insertUser, userJson } from "./users"

const signupBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
    data: metadataSchema.nullish(),
    ...pkceFields,
  })
  .loose()

export async function signup(k: AuthKernel, r: AuthRequest) {
  const body = await k.readJson(r.req, signupBody)
  if (!body.email && !body.phone) return signInAnonymously(k, r, body.data ?? {})
  k.limit("signIn", r.client)
  if (!k.config.auth.enable_signup)
    throw unprocessable("signup_disabled", "Signups not allowed for this instance")
  if (body.phone) throw badRequest("phone_provider_disabled", "Phone signups are disabled")
  if (!k.config.auth.email.enable_signup)
    throw badRequest("email_provider_disabled", "Email signups are disabled")
  if (!body.password) throw badRequest("validation_failed", "Signup requires a valid password")
  const email = validateEmail(body.email!)
  const flowType = k.flowTypeOf(body)
  k.checkPasswordStrength(body.password)
  const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
  const passwordHash = await k.hashPassword(body.password)

  const result = await k.transaction(async (tx) => {
    let user = await findUserByEmail(tx, email)
    if (user?.email_confirmed_at) {
      if (k.autoconfirm) throw unprocessable("user_already_exists", "User already registered")
      // Supabase Auth answers as if the signup worked, so addresses cannot be enumerated.
      return { obfuscated: obfuscatedUser(email, body.data ?? {}) }
    }
    if (user) {
      // An unconfirmed account is left exactly as it is: Supabase Auth "can't be sure of
      // their claimed identity" (internal/api/signup.go), so the password and metadata of this
      // request are dropped and only the confirmation email is sent again. Under autoconfirm
      // Supabase Auth would confirm the account and hand this caller its session without
      // checking its password; the local stack refuses instead.
      if (k.autoconfirm) throw unprocessable("user_already_exists", "User already registered")
    } else {
      const id = await insertUser(tx, {
        email,
        passwordHash,
        userMetadata: body.data ?? {},
        confirmed: k.autoconfirm,
      })
      user = (await findUserById(tx, id))!
    }
    if (k.autoconfirm)
      return {
        session: await issueSession(k.ctx, tx, user.id, "password", r.client),
      }
    if (flowType === "pkce") await k.createFlowState(tx, user.id, body, "email/signup")
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
    "session" in result ? result.session : "user" in result ? result.user : result.obfuscated
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

async function signInAnonymously(k: AuthKernel, r: AuthRequest, data: Record<string, unknown>) {
  if (!k.config.auth.enable_anonymous_sign_ins) {
    throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled")
  }
  k.limit("anonymous", r.client)
  if (!k.config.auth.enable_signup)
    throw unprocessable("signup_disabled", "Signups not allowed for this instance")
  const session = await k.transaction(async (tx) => {
    const id = await insertUser(tx, { isAnonymous: true, userMetadata: data })

    return issueSession(k.ctx, tx, id, "anonymous", r.client)
  })
  sendJson(r.res, 200, session)
}
