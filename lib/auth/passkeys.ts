import {
  fail,
  formFields,
  invalid,
  ok,
  type ActionResult,
} from "@/lib/action-result"
import { createClient } from "@/lib/supabase/client"

import { afterSignInPath } from "./redirects"
import {
  newPasskeySchema,
  passkeySignInSchema,
  removePasskeySchema,
  renamePasskeySchema,
} from "./schema"
import { stepUpRequired } from "./step-up"
import { promptCancelled } from "./webauthn-prompt"

// Passkeys from the browser, through Supabase Auth's passkey API (auth-js: registerPasskey,
// signInWithPasskey, auth.passkey.*). In Supabase Auth a passkey is a way to sign in, not a
// second factor: a passkey sign-in is aal1 with amr "passkey", so an account that also has an
// authenticator app still passes the second step (/sign-in/verify) after it. Adding or removing
// a passkey on such an account needs aal2, which Auth answers with insufficient_aal; the
// actions hand that to useAction's step-up dialog (lib/auth/step-up.ts), which asks for the
// app's code and runs the action again.

export type PasskeyItem = {
  id: string
  friendly_name?: string
  created_at: string
  last_used_at?: string
}

/** The passkeys of the signed-in account, oldest first. */
export async function listPasskeys(): Promise<PasskeyItem[]> {
  const { data, error } = await createClient().auth.passkey.list()
  if (error) throw error

  return data
}

/** Creates a passkey with this device's authenticator, then gives it the chosen name. */
export async function addPasskey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<PasskeyItem>> {
  const fields = formFields(formData)
  const parsed = newPasskeySchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const supabase = createClient()
  const { data, error } = await supabase.auth.registerPasskey()
  if (error || !data) {
    if (error && "code" in error && error.code === "insufficient_aal")
      return stepUpRequired()
    if (error && "code" in error && error.code === "too_many_passkeys")
      return fail(
        "You have the most passkeys an account can have. Remove one first.",
        {
          values: fields,
        }
      )
    if (promptCancelled(error))
      return fail("No passkey was added: the prompt was closed.", {
        values: fields,
      })
    return fail(
      "This browser could not make a passkey. Please try again, or use another device.",
      { values: fields }
    )
  }
  // Auth names a new passkey after its authenticator ("Passkey" when unknown); the person's
  // own name replaces it.
  const named = await supabase.auth.passkey.update({
    passkeyId: data.id,
    friendlyName: parsed.data.name,
  })
  if (named.error)
    return ok({ ...data, friendly_name: data.friendly_name ?? "Passkey" })

  return ok(named.data)
}

export async function renamePasskey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<PasskeyItem>> {
  const fields = formFields(formData)
  const parsed = renamePasskeySchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { data, error } = await createClient().auth.passkey.update({
    passkeyId: parsed.data.passkeyId,
    friendlyName: parsed.data.name,
  })
  if (error)
    return fail("The passkey could not be renamed. Please try again.", {
      values: fields,
    })

  return ok(data)
}

export async function removePasskey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = removePasskeySchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { error } = await createClient().auth.passkey.delete({
    passkeyId: parsed.data.passkeyId,
  })
  if (error?.code === "insufficient_aal") return stepUpRequired()
  if (error) return fail("The passkey could not be removed. Please try again.")

  return ok(null)
}

/**
 * Signs in with a passkey the device holds, without an email address (a discoverable
 * credential: the browser offers the passkeys it has for this site). An account with an
 * authenticator app then goes through the second step, as after a password.
 */
export async function signInWithPasskey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = passkeySignInSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const { error } = await createClient().auth.signInWithPasskey()
  if (error) {
    if (promptCancelled(error))
      return fail("Signing in with a passkey was cancelled.")
    if ("code" in error && error.code === "webauthn_verification_failed")
      return fail(
        "That passkey is not known here any more. Sign in another way, then add it again in Settings."
      )
    return fail("Signing in with a passkey did not work. Please try again.")
  }
  window.location.assign(afterSignInPath(parsed.data.next))

  return new Promise<never>(() => {})
}
