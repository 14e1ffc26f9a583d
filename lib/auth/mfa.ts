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
  confirmFactorSchema,
  newFactorSchema,
  removeFactorSchema,
  secondFactorSchema,
  stepUpCodeSchema,
} from "./schema"

// Two-step sign-in with an authenticator app (TOTP), from the browser like the other Auth
// calls (lib/auth/browser-auth.ts): Supabase Auth's MFA API through auth-js. A verified code
// raises this browser's session to aal2; the console asks the database on every page whether
// a session still owes its second step (public.mfa_step_up_required, lib/auth/current-user.ts).

const WRONG_CODE =
  "That code did not match. Use the newest code in the app, and check that the phone's clock is set automatically."

function codeFailure(error: { code?: string; message: string }) {
  if (error.code === "mfa_verification_failed") return WRONG_CODE
  if (error.code === "mfa_challenge_expired")
    return "That took too long. Enter the newest code."

  return "The code could not be checked. Please try again in a moment."
}

/** Asks a fresh challenge of the factor and answers it with the code. */
async function passFactor(factorId: string, code: string) {
  return createClient().auth.mfa.challengeAndVerify({ factorId, code })
}

/**
 * Answers the account's authenticator app (the first verified one: the console enrols one)
 * with the code; a failure to show on the code field, or null once the session is aal2.
 */
async function passAuthenticatorApp(
  code: string
): Promise<ActionResult | null> {
  const factors = await listAuthenticatorApps().catch(() => null)
  const factor = factors?.[0]
  if (!factor) {
    return fail(
      "Your account has no authenticator app any more. Reload the page."
    )
  }
  const { error } = await passFactor(factor.id, code)
  if (error) return fail(undefined, { errors: { code: [codeFailure(error)] } })

  return null
}

/** The verified authenticator apps of the signed-in account, oldest first. */
export async function listAuthenticatorApps() {
  const { data, error } = await createClient().auth.mfa.listFactors()
  if (error) throw error

  return data.totp
}

/**
 * The account's verified second steps by kind: authenticator apps (TOTP) and security keys
 * (WebAuthn, lib/auth/security-keys.ts), for the forms that offer either.
 */
export async function listSecondFactors() {
  const { data, error } = await createClient().auth.mfa.listFactors()
  if (error) throw error

  return { apps: data.totp, keys: data.webauthn }
}

/** The second sign-in step: a code from the app, then on to where the person was going. */
export async function verifySecondFactor(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = secondFactorSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const failure = await passAuthenticatorApp(parsed.data.code)
  if (failure) return failure
  window.location.assign(afterSignInPath(parsed.data.next))

  return new Promise<never>(() => {})
}

/**
 * Step-up in place: the database refused a sensitive write because this session has not passed
 * the second factor (lib/auth/step-up.ts). A code raises the session to aal2, and the browser
 * client stores the new tokens in the cookies the next server action sends.
 */
export async function passStepUp(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = stepUpCodeSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const failure = await passAuthenticatorApp(parsed.data.code)
  if (failure) return failure

  return ok(null)
}

export type NewAuthenticator = {
  factorId: string
  qrCode: string
  secret: string
}

/** Starts setting up an app: Auth makes the secret and its QR code. */
export async function startAuthenticatorSetup(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<NewAuthenticator>> {
  const fields = formFields(formData)
  const parsed = newFactorSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)

  const supabase = createClient()
  // A setup abandoned earlier leaves an unverified factor that would hold the name.
  const { data: listed } = await supabase.auth.mfa.listFactors()
  for (const stale of listed?.all ?? []) {
    if (stale.status === "unverified") {
      await supabase.auth.mfa.unenroll({ factorId: stale.id })
    }
  }
  const { data, error } = await supabase.auth.mfa.enroll({
    factorType: "totp",
    friendlyName: parsed.data.name,
    issuer: "LMX Console",
  })
  if (error || data.type !== "totp") {
    if (error?.code === "mfa_factor_name_conflict") {
      return fail(undefined, {
        errors: { name: ["You already have an app with this name."] },
        values: fields,
      })
    }
    if (error?.code === "insufficient_aal") {
      return fail(
        "Sign in again with your current app's code before adding another.",
        { values: fields }
      )
    }
    return fail("The app could not be set up. Please try again in a moment.", {
      values: fields,
    })
  }

  return ok({
    factorId: data.id,
    qrCode: data.totp.qr_code,
    secret: data.totp.secret,
  })
}

/** Finishes setting up an app with its first code. */
export async function confirmAuthenticator(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult> {
  const fields = formFields(formData)
  const parsed = confirmFactorSchema.safeParse(fields)
  if (!parsed.success) return invalid(parsed.error, fields)
  const { error } = await passFactor(parsed.data.factorId, parsed.data.code)
  if (error) return fail(undefined, { errors: { code: [codeFailure(error)] } })

  return ok(null)
}

/**
 * Removes an app. Auth removes a verified one only from a session that passed a second
 * factor, so a session that has not is asked for a current code first. Removing the last app
 * turns two-step sign-in off, so it always asks for a current code from that app, even at
 * aal2: whoever finds the browser signed in cannot turn it off without the phone.
 */
export async function removeAuthenticator(
  _previous: unknown,
  formData: FormData
): Promise<ActionResult<null, "code_needed">> {
  const fields = formFields(formData)
  const parsed = removeFactorSchema.safeParse(fields)
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
    if (!parsed.data.code) {
      return fail(undefined, {
        reason: "code_needed",
        errors: { code: ["Enter a current code from the app to remove it."] },
      })
    }
    const { error } = await passFactor(parsed.data.factorId, parsed.data.code)
    if (error)
      return fail(undefined, { errors: { code: [codeFailure(error)] } })
  }
  const { error } = await supabase.auth.mfa.unenroll({
    factorId: parsed.data.factorId,
  })
  if (error) return fail("The app could not be removed. Please try again.")

  return ok(null)
}
