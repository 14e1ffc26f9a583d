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

import { authErrorKey, authErrorMessage } from "./errors"
import { afterSignInPath, callbackUrl, signInPath } from "./redirects"
import {
  confirmSchema,
  oauthProviderSchema,
  profileSchema,
  updatePasswordSchema,
} from "./schema"
import { enabledOAuthProviders, getAuthSettings } from "./settings"

// Sign-in, sign-up, magic-link, code and reset requests are not here: they go from the
// browser to Auth (./browser-auth.ts), so Auth's per-address limits see each person's own
// address. A server action here would be a public endpoint through which anyone could spend
// everyone's shared limit from the server's address.

type LoggableError = { code?: string; status?: number; message?: string }

// The original error stays in the server log; people see copy from errors.ts.
function logAuthError(operation: string, error: LoggableError) {
  console.error(
    `[auth] ${operation} failed: ${error.code ?? "no code"} (${error.status ?? "no status"}) ${error.message ?? ""}`
  )
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
    options: {
      redirectTo: callbackUrl(getPublicEnv().NEXT_PUBLIC_SITE_URL, next),
    },
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
