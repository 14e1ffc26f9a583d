// The endpoints that email a link and code: POST /otp (and /magiclink), /recover, /resend.
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
import { findUserByEmail, findUserById, insertUser } from "./users"

const otpBody = z
  .object({
    email: z.string().optional(),
    phone: z.string().optional(),
    data: metadataSchema.nullish(),
    create_user: z.boolean().optional(),
    ...pkceFields,
  })
  .loose()
const recoverBody = z.object({ email: z.string().optional(), ...pkceFields }).loose()
const resendBody = z
  .object({
    type: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
  })
  .loose()

export async function sendOtp(k: AuthKernel, r: AuthRequest) {
  const body = await k.readJson(r.req, otpBody)
  if (body.email && body.phone) {
    throw badRequest(
      "validation_failed",
      "Only an email address or phone number should be provided"
    )
  }
  if (body.phone) throw badRequest("phone_provider_disabled", "Unsupported phone provider")
  if (!body.email) throw badRequest("validation_failed", "One of email or phone must be set")
  k.limit("signIn", r.client)
  const email = validateEmail(body.email)
  const flowType = k.flowTypeOf(body)
  const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
  await k.transaction(async (tx) => {
    let user = await findUserByEmail(tx, email)
    if (!user) {
      if (
        body.create_user === false ||
        !k.config.auth.enable_signup ||
        !k.config.auth.email.enable_signup
      ) {
        throw unprocessable("otp_disabled", "Signups not allowed for otp")
      }
      const id = await insertUser(tx, {
        email,
        userMetadata: body.data ?? {},
        confirmed: k.autoconfirm,
      })
      user = (await findUserById(tx, id))!
    }
    if (!user.email_confirmed_at) {
      if (flowType === "pkce") await k.createFlowState(tx, user.id, body, "email/signup")
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
    if (flowType === "pkce") await k.createFlowState(tx, user.id, body, "magiclink")
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

export async function recover(k: AuthKernel, r: AuthRequest) {
  k.limit("signIn", r.client)
  const body = await k.readJson(r.req, recoverBody)
  if (!body.email) throw badRequest("validation_failed", "Password recovery requires an email")
  const email = validateEmail(body.email)
  const flowType = k.flowTypeOf(body)
  const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
  await k.transaction(async (tx) => {
    const user = await findUserByEmail(tx, email)
    // Unknown addresses get the same answer, so they cannot be enumerated.
    if (!user) return
    if (flowType === "pkce") await k.createFlowState(tx, user.id, body, "recovery")
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

export async function resend(k: AuthKernel, r: AuthRequest) {
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
  if (!body.email) throw badRequest("validation_failed", "Type provided requires an email address")
  const email = validateEmail(body.email)
  const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
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
    // A resend restarts the change (confirmations already given are forgotten), as Supabase
    // Auth's resend calls sendEmailChange.
    await k.sendEmailChange(tx, user, user.email_change, { redirectTo, flowType: "implicit" })
  })
  sendJson(r.res, 200, {})
}
