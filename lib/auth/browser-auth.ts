import {
  fail,
  formFields,
  invalid,
  ok,
  type ActionResult,
} from "@/lib/action-result"
import { getPublicEnv } from "@/lib/env"
import { createClient } from "@/lib/supabase/client"

import { AUTH_ERROR_COPY, authErrorKey, authErrorMessage } from "./errors"
import { afterSignInPath, callbackUrl } from "./redirects"
import {
  emailCodeSchema,
  forgotPasswordSchema,
  magicLinkSchema,
  passwordSignInSchema,
  signUpSchema,
} from "./schema"

// Sign-in, sign-up, magic-link, code and reset requests go from the browser straight to
// Supabase Auth, as Supabase's own Next.js example does: Auth then sees each person's own
// address, so its per-address limits (30 attempts per 5 minutes) bound each person, not
// everyone behind the Next server at once (docs/security.md, "Auth sees each person's
// address"). The browser client keeps the PKCE verifier and the session in the cookies the
// server reads; only the code exchange (/auth/callback) and /auth/confirm stay on the server.
// Each function has a server action's shape, so the forms use them through lib/use-action.ts.

/** The hidden field the CAPTCHA widget fills in (components/auth/captcha.tsx). */
export const CAPTCHA_FIELD = "captchaToken"

/** Where an email went, for the "check your inbox" step. */
export type EmailSent = { email: string }

function captchaOptions(fields: Record<string, string>) {
  const token = fields[CAPTCHA_FIELD]

  return token ? { captchaToken: token } : {}
}

function siteUrl() {
  return getPublicEnv().NEXT_PUBLIC_SITE_URL
}

/**
 * Leaves for `path` with a full page load, so the server renders it with the new session
 * cookies; the promise never settles, which keeps the form pending until the page is gone.
 */
function leaveFor(path: string): Promise<never> {
  window.location.assign(path)

  return new Promise<never>(() => {})
}

/**
 * A rejected 6-digit code. Auth answers a wrong code and an expired or used one alike
 * (403 otp_expired), so the copy leads with the common case, a typo, and names the other.
 */
function codeErrorMessage(error: { code?: string; status?: number }) {
  const key = authErrorKey(error)

  return key === "otp_expired"
    ? AUTH_ERROR_COPY.code_rejected
    : AUTH_ERROR_COPY[key]
}

export async function signInWithPassword(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = passwordSignInSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, password, next } = parsed.data
  const { error } = await createClient().auth.signInWithPassword({
    email,
    password,
    options: captchaOptions(fields),
  })
  if (error) return fail(authErrorMessage(error), { values: fields })

  return leaveFor(afterSignInPath(next))
}

/** Sends one email with both a sign-in link and a 6-digit code; creates the account if new. */
export async function sendMagicLink(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<EmailSent>> {
  const fields = formFields(formData)
  const parsed = magicLinkSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, next } = parsed.data
  // Auth itself refuses to create an account when sign-ups are off (signup_disabled).
  const { error } = await createClient().auth.signInWithOtp({
    email,
    options: {
      emailRedirectTo: callbackUrl(siteUrl(), next),
      shouldCreateUser: true,
      ...captchaOptions(fields),
    },
  })
  if (error) return fail(authErrorMessage(error), { values: fields })

  return ok({ email })
}

/**
 * Signs in with the 6-digit code from any of our emails: a magic link's or a sign-up
 * confirmation's. Type "email" covers both, in hosted Auth as in the local stack.
 */
export async function verifyEmailCode(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = emailCodeSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, code, next } = parsed.data
  const { error } = await createClient().auth.verifyOtp({
    email,
    token: code,
    type: "email",
  })
  if (error) return fail(codeErrorMessage(error), { values: fields })

  return leaveFor(afterSignInPath(next))
}

export async function signUp(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<EmailSent>> {
  const fields = formFields(formData)
  const parsed = signUpSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, password, next } = parsed.data
  const { data, error } = await createClient().auth.signUp({
    email,
    password,
    options: {
      emailRedirectTo: callbackUrl(siteUrl(), next),
      ...captchaOptions(fields),
    },
  })
  if (error) return fail(authErrorMessage(error), { values: fields })
  // Projects without email confirmation sign people in at once.
  if (data.session) return leaveFor(afterSignInPath(next))

  return ok({ email })
}

export async function requestPasswordReset(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<EmailSent>> {
  const fields = formFields(formData)
  const parsed = forgotPasswordSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email } = parsed.data
  const { error } = await createClient().auth.resetPasswordForEmail(email, {
    redirectTo: callbackUrl(siteUrl(), "/reset-password"),
    ...captchaOptions(fields),
  })
  // Unknown addresses get the same answer as known ones (Auth does the same), so the form
  // cannot be used to find out who has an account; only limits and CAPTCHA are worth saying.
  if (error) {
    const key = authErrorKey(error)
    if (
      key === "rate_limited" ||
      key === "email_rate_limited" ||
      key === "captcha_failed"
    ) {
      return fail(authErrorMessage(error), { values: fields })
    }
  }

  return ok({ email })
}
