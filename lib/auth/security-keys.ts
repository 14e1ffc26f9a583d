import type { Factor } from "@supabase/supabase-js"

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
  newSecurityKeySchema,
  removeSecurityKeySchema,
  securityKeyStepSchema,
} from "./schema"
import { stepUpRequired } from "./step-up"
import { promptCancelled } from "./webauthn-prompt"

// Security keys: WebAuthn as a second factor, through Supabase Auth's MFA API (auth-js
// auth.mfa.webauthn: register = enroll + challenge "create" + verify, authenticate = challenge
// "request" + verify). Unlike a passkey (lib/auth/passkeys.ts), which signs in on its own at
// aal1, a security key is asked after the password, like the authenticator app's code
// (lib/auth/mfa.ts), and raises the session to aal2 with amr "mfa/webauthn". auth-js takes the
// relying party from the page (its hostname and origin), as Auth's [auth.webauthn] expects.

/** The verified security keys of the signed-in account, oldest first. */
export async function listSecurityKeys(): Promise<Factor[]> {
  const { data, error } = await createClient().auth.mfa.listFactors()
  if (error) throw error

  return data.webauthn
}

function keyFailure(error: { code?: unknown; cause?: unknown }) {
  if (promptCancelled(error))
    return "No security key answered: the prompt was closed or timed out. Try again."
  if (error.code === "mfa_challenge_expired")
    return "That took too long. Try again."
  // verifyWebAuthnFactor answers a key it does not know, or a bad signature, with a 500.
  if (error.code === "unexpected_failure")
    return "That key is not one of this account's security keys. Use the key you added in Settings."

  return "The security key could not be checked. Please try again in a moment."
}

/**
 * Asks for one of the account's security keys. Auth's challenge for a verified WebAuthn factor
 * allows every WebAuthn factor's credential, so any of the person's keys answers it. A failure
 * to show above the form, or null once the session is aal2.
 */
export async function passSecurityKey(
  factorId?: string
): Promise<ActionResult | null> {
  const supabase = createClient()
  let id = factorId
  if (!id) {
    const keys = await listSecurityKeys().catch(() => null)
    id = keys?.[0]?.id
  }
  if (!id)
    return fail("Your account has no security key any more. Reload the page.")
  const { error } = await supabase.auth.mfa.webauthn.authenticate({
    factorId: id,
  })
  if (error) return fail(keyFailure(error))

  return null
}

/** The second sign-in step with a security key, then on to where the person was going. */
export async function verifySecondFactorWithKey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = securityKeyStepSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const failure = await passSecurityKey()
  if (failure) return failure
  window.location.assign(afterSignInPath(parsed.data.next))

  return new Promise<never>(() => {})
}

/** Step-up in place with a security key (see passStepUp in lib/auth/mfa.ts). */
export async function passStepUpWithKey(): Promise<ActionResult> {
  return (await passSecurityKey()) ?? ok(null)
}

/**
 * Adds a security key: Auth enrols the factor, the browser makes the credential, and Auth
 * verifies it (the session becomes aal2). An account that already has a second factor adds
 * one only from a session that passed it; Auth's insufficient_aal goes to the step-up dialog.
 */
export async function addSecurityKey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<{ name: string }>> {
  const fields = formFields(formData)
  const parsed = newSecurityKeySchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const supabase = createClient()
  // A closed prompt leaves the enrolled factor unverified, holding its name until Auth expires
  // it: the next try starts clean.
  const { data: listed } = await supabase.auth.mfa.listFactors()
  for (const stale of listed?.all ?? []) {
    if (stale.factor_type === "webauthn" && stale.status === "unverified") {
      await supabase.auth.mfa.unenroll({ factorId: stale.id })
    }
  }
  const { error } = await supabase.auth.mfa.webauthn.register({
    friendlyName: parsed.data.name,
  })
  if (!error) return ok({ name: parsed.data.name })

  const code = "code" in error ? error.code : undefined
  if (code === "insufficient_aal") return stepUpRequired()
  if (code === "mfa_factor_name_conflict") {
    return fail(undefined, {
      errors: { name: ["You already have a second step with this name."] },
      values: fields,
    })
  }
  if (code === "too_many_enrolled_mfa_factors") {
    return fail(
      "Your account has the most second steps it can have. Remove one first.",
      { values: fields }
    )
  }
  if (code === "mfa_webauthn_enroll_not_enabled") {
    return fail("Security keys are turned off for this project.", {
      values: fields,
    })
  }
  if (promptCancelled(error)) {
    return fail("No security key was added: the prompt was closed.", {
      values: fields,
    })
  }

  return fail(
    "This browser could not add the security key. Please try again, or use another key.",
    { values: fields }
  )
}

/**
 * Removes a security key. As for an app (removeAuthenticator in lib/auth/mfa.ts): Auth removes
 * a verified factor only from an aal2 session, so a session that has not passed one uses the
 * key first; and the account's last second step is removed only with the key at hand, even at
 * aal2, so whoever finds the browser signed in cannot turn two-step sign-in off.
 */
export async function removeSecurityKey(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = removeSecurityKeySchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)
  const supabase = createClient()
  const [{ data: level }, { data: factors }] = await Promise.all([
    supabase.auth.mfa.getAuthenticatorAssuranceLevel(),
    supabase.auth.mfa.listFactors(),
  ])
  const verified = (factors?.all ?? []).filter(
    (factor) => factor.status === "verified"
  )
  const isLast =
    verified.length === 1 && verified[0]?.id === parsed.data.factorId
  if (level?.currentLevel !== "aal2" || isLast) {
    const failure = await passSecurityKey(parsed.data.factorId)
    if (failure) return failure
  }
  const { error } = await supabase.auth.mfa.unenroll({
    factorId: parsed.data.factorId,
  })
  if (error)
    return fail("The security key could not be removed. Please try again.")

  return ok(null)
}
