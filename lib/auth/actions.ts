"use server"

import { revalidatePath } from "next/cache"
import { redirect } from "next/navigation"

import {
  fail,
  formFields,
  invalid,
  ok,
  type ActionResult,
} from "@/lib/action-result"
import { getPublicEnv } from "@/lib/env"
import { createClient } from "@/lib/supabase/server"

import { AUTH_ERROR_COPY, authErrorKey, authErrorMessage } from "./errors"
import { afterSignInPath, callbackUrl, signInPath } from "./redirects"
import {
  confirmSchema,
  emailCodeSchema,
  forgotPasswordSchema,
  magicLinkSchema,
  oauthProviderSchema,
  passwordSignInSchema,
  profileSchema,
  signUpSchema,
  updatePasswordSchema,
} from "./schema"
import { enabledOAuthProviders, getAuthSettings } from "./settings"

type LoggableError = { code?: string; status?: number; message?: string }

// The original error stays in the server log; people see copy from errors.ts.
function logAuthError(operation: string, error: LoggableError) {
  console.error(
    `[auth] ${operation} failed: ${error.code ?? "no code"} (${error.status ?? "no status"}) ${error.message ?? ""}`
  )
}

/** Where an email went, for the "check your inbox" step. */
export type EmailSent = { email: string }

/**
 * A rejected 6-digit code. Auth answers a wrong code and an expired or used one alike
 * (403 otp_expired, "Token has expired or is invalid"), hosted Auth as much as the local
 * stack, so the page cannot tell them apart: the copy leads with the common case, a typo,
 * and names the other.
 */
function codeErrorMessage(error: LoggableError) {
  const key = authErrorKey(error)

  return key === "otp_expired"
    ? AUTH_ERROR_COPY.code_rejected
    : AUTH_ERROR_COPY[key]
}

function siteUrl() {
  return getPublicEnv().NEXT_PUBLIC_SITE_URL
}

export async function signInWithPassword(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = passwordSignInSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, password, next } = parsed.data
  const supabase = await createClient()
  const { error } = await supabase.auth.signInWithPassword({ email, password })
  if (error) {
    logAuthError("password sign-in", error)
    return fail(authErrorMessage(error), { values: fields })
  }

  redirect(afterSignInPath(next))
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
  const settings = await getAuthSettings()
  const supabase = await createClient()
  const { error } = await supabase.auth.signInWithOtp({
    email,
    options: {
      emailRedirectTo: callbackUrl(siteUrl(), next),
      shouldCreateUser: !settings.disable_signup,
    },
  })
  if (error) {
    logAuthError("magic link", error)
    return fail(authErrorMessage(error), { values: fields })
  }

  return ok({ email })
}

/**
 * Signs in with the 6-digit code from any of our emails: a magic link's, or a sign-up
 * confirmation's. Type "email" covers both: Auth, hosted and local, matches it against the
 * confirmation token and the sign-in token, so the page need not know which email it was.
 */
export async function verifyEmailCode(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = emailCodeSchema.safeParse(fields)
  if (!parsed.success) {
    return invalid(parsed.error, fields)
  }

  const { email, code, next } = parsed.data
  const supabase = await createClient()
  const { error } = await supabase.auth.verifyOtp({
    email,
    token: code,
    type: "email",
  })
  if (error) {
    logAuthError("email code", error)
    return fail(codeErrorMessage(error), { values: fields })
  }

  redirect(afterSignInPath(next))
}

export async function signUp(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<EmailSent>> {
  const fields = formFields(formData)
  const parsed = signUpSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { email, password, next } = parsed.data
  const supabase = await createClient()
  const { data, error } = await supabase.auth.signUp({
    email,
    password,
    options: { emailRedirectTo: callbackUrl(siteUrl(), next) },
  })
  if (error) {
    logAuthError("sign-up", error)
    return fail(authErrorMessage(error), { values: fields })
  }
  // Projects without email confirmation sign people in at once.
  if (data.session) redirect(afterSignInPath(next))

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
  const supabase = await createClient()
  const { error } = await supabase.auth.resetPasswordForEmail(email, {
    redirectTo: callbackUrl(siteUrl(), "/reset-password"),
  })
  // Unknown addresses get the same answer as known ones (Auth does the same),
  // so the form cannot be used to find out who has an account.
  if (error) {
    logAuthError("password reset request", error)
    const key = authErrorKey(error)
    if (key === "rate_limited" || key === "email_rate_limited") {
      return fail(authErrorMessage(error), { values: fields })
    }
  }

  return ok({ email })
}

export async function updatePassword(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = updatePasswordSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const supabase = await createClient()
  const { error } = await supabase.auth.updateUser({
    password: parsed.data.password,
  })
  if (error) {
    logAuthError("password update", error)
    if (authErrorKey(error) === "session_missing") {
      redirect(
        signInPath({ next: "/reset-password", error: "session_missing" })
      )
    }
    return fail(authErrorMessage(error))
  }

  redirect("/settings?password=updated")
}

export async function signInWithOAuth(formData: FormData): Promise<void> {
  const fields = formFields(formData)
  const provider = oauthProviderSchema.safeParse(fields.provider)
  const next = fields.next ?? "/"
  // A button for a provider that is off would only lead to an Auth error page.
  if (
    !provider.success ||
    !enabledOAuthProviders(await getAuthSettings()).includes(provider.data)
  ) {
    redirect(signInPath({ next, error: "provider_disabled" }))
  }

  const supabase = await createClient()
  const { data, error } = await supabase.auth.signInWithOAuth({
    provider: provider.data,
    options: { redirectTo: callbackUrl(siteUrl(), next) },
  })
  if (error || !data.url) {
    if (error) logAuthError(`oauth ${provider.data}`, error)
    redirect(signInPath({ next, error: authErrorKey(error) }))
  }

  redirect(data.url)
}

/**
 * Verifies an email link's token hash. Only ever reached by the person
 * pressing "Continue" on /auth/confirm: mail scanners follow links with GET
 * and would otherwise spend the single-use token before the person clicks.
 */
export async function confirmEmailLink(formData: FormData): Promise<void> {
  const parsed = confirmSchema.safeParse(formFields(formData))
  if (!parsed.success) redirect(signInPath({ error: "link_invalid" }))

  const { token_hash, type, next } = parsed.data
  const supabase = await createClient()
  const { error } = await supabase.auth.verifyOtp({ token_hash, type })
  if (error) {
    logAuthError(`confirm ${type}`, error)
    redirect(signInPath({ next, error: authErrorKey(error), tab: "code" }))
  }

  redirect(type === "recovery" ? "/reset-password" : afterSignInPath(next))
}

export async function updateProfile(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<{ displayName: string }>> {
  const fields = formFields(formData)
  const parsed = profileSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const supabase = await createClient()
  const { data: claims } = await supabase.auth.getClaims()
  const userId = claims?.claims.sub
  if (!userId)
    redirect(signInPath({ next: "/settings", error: "session_missing" }))

  const { data, error } = await supabase
    .from("profiles")
    .update({ display_name: parsed.data.displayName })
    .eq("id", userId)
    .select("id")
  if (error || !data || data.length === 0) {
    console.error(
      `[settings] profile update failed: ${error?.code ?? "no row updated"} ${error?.message ?? ""}`
    )
    return fail(
      "Your profile could not be saved. Please try again in a moment.",
      { values: fields }
    )
  }
  revalidatePath("/", "layout")

  return ok({ displayName: parsed.data.displayName })
}
