import { z } from "zod"

import { dbId } from "@/lib/db-id"

import { safeNextPath } from "./safe-next-path"

// Validation messages are the copy people read next to the field.

export const MIN_PASSWORD_LENGTH = 8

const email = z
  .string({ error: "Enter your email address." })
  .trim()
  .min(1, "Enter your email address.")
  .max(255, "That email address is too long.")
  .pipe(z.email("Enter an email address like name@example.com."))
  .transform((value) => value.toLowerCase())

const next = z
  .unknown()
  .optional()
  .transform((value) => safeNextPath(value))

const newPassword = z
  .string({ error: "Choose a password." })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(72, "Use at most 72 characters.")

export const passwordSignInSchema = z.object({
  email,
  password: z
    .string({ error: "Enter your password." })
    .min(1, "Enter your password."),
  next,
})
export type PasswordSignIn = z.infer<typeof passwordSignInSchema>

export const magicLinkSchema = z.object({ email, next })
export type MagicLink = z.infer<typeof magicLinkSchema>

export const emailCodeSchema = z.object({
  email,
  code: z
    .string({ error: "Enter the 6-digit code from the email." })
    .transform((value) => value.replace(/[\s-]/g, ""))
    .pipe(
      z.string().regex(/^\d{6}$/, "Enter the 6-digit code from the email.")
    ),
  next,
})
export type EmailCode = z.infer<typeof emailCodeSchema>

const appCode = z
  .string({ error: "Enter the 6-digit code from your authenticator app." })
  .transform((value) => value.replace(/[\s-]/g, ""))
  .pipe(
    z
      .string()
      .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app.")
  )

/** The second sign-in step: a code from the authenticator app. */
export const secondFactorSchema = z.object({ code: appCode, next })

/** A code asked for in the middle of a sensitive action (step-up), where nothing navigates. */
export const stepUpCodeSchema = z.object({ code: appCode })

/** Setting up an authenticator app: the factor being set up and its first code. */
export const confirmFactorSchema = z.object({
  factorId: z.string().min(1).max(64),
  code: appCode,
})

/** Naming a new authenticator app, so a person with two can tell them apart. */
export const newFactorSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name this app, like “Phone”.")
    .max(60, "Use at most 60 characters."),
})

/** Removing an authenticator app; the code is asked when the session has not passed one. */
export const removeFactorSchema = z.object({
  factorId: z.string().min(1).max(64),
  code: z
    .string()
    .optional()
    .transform((value) => value?.replace(/[\s-]/g, "") || undefined)
    .pipe(
      z
        .string()
        .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app.")
        .optional()
    ),
})

export const signUpSchema = z.object({
  email,
  password: newPassword,
  next,
})
export type SignUp = z.infer<typeof signUpSchema>

export const forgotPasswordSchema = z.object({ email })
export type ForgotPassword = z.infer<typeof forgotPasswordSchema>

export const updatePasswordSchema = z
  .object({
    password: newPassword,
    confirm: z.string({ error: "Repeat the new password." }),
  })
  .refine((value) => value.password === value.confirm, {
    path: ["confirm"],
    message: "The two passwords are not the same.",
  })
export type UpdatePassword = z.infer<typeof updatePasswordSchema>

export const profileSchema = z.object({
  displayName: z
    .string({ error: "Enter a display name." })
    .trim()
    .min(1, "Enter a display name.")
    .max(80, "Use at most 80 characters."),
})
export type Profile = z.infer<typeof profileSchema>

export const signOutScopeSchema = z.enum(["local", "global", "others"])
export type SignOutScope = z.infer<typeof signOutScopeSchema>

// The verification types a token hash can carry in an email link.
export const emailOtpTypeSchema = z.enum([
  "email",
  "magiclink",
  "signup",
  "recovery",
  "invite",
  "email_change",
])
export type EmailOtpType = z.infer<typeof emailOtpTypeSchema>

export const confirmSchema = z.object({
  token_hash: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[\w-]+$/),
  type: emailOtpTypeSchema,
  next,
})
export type Confirm = z.infer<typeof confirmSchema>

// Provider ids as Supabase Auth names them; the settings endpoint says which
// are on.
export const OAUTH_PROVIDERS = {
  github: "GitHub",
  google: "Google",
  gitlab: "GitLab",
  azure: "Microsoft",
  apple: "Apple",
} as const
export type OAuthProvider = keyof typeof OAUTH_PROVIDERS
export const oauthProviderSchema = z.enum(
  Object.keys(OAUTH_PROVIDERS) as [OAuthProvider, ...OAuthProvider[]]
)

export const authSettingsSchema = z.object({
  external: z.record(z.string(), z.boolean()).catch({}),
  disable_signup: z.boolean().catch(false),
  passkeys_enabled: z.boolean().catch(false),
})
export type AuthSettings = z.infer<typeof authSettingsSchema>

/**
 * A passkey's name. Auth keeps at most 120 bytes (passkey_manage.go counts UTF-8 bytes), so
 * 60 characters are allowed only while they fit.
 */
const passkeyName = z
  .string()
  .trim()
  .min(1, "Name this passkey, like “Work laptop”.")
  .max(60, "Use at most 60 characters.")
  .refine((name) => new TextEncoder().encode(name).length <= 120, {
    message: "Use a shorter name.",
  })

export const newPasskeySchema = z.object({ name: passkeyName })

export const renamePasskeySchema = z.object({
  passkeyId: dbId,
  name: passkeyName,
})

export const removePasskeySchema = z.object({ passkeyId: dbId })

export const passkeySignInSchema = z.object({ next })

/** Naming a security key, so a person with two can tell them apart (the factor's friendly_name). */
export const newSecurityKeySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name this key, like “Blue key”.")
    .max(60, "Use at most 60 characters."),
})

/** Removing a security key; the key itself is asked for when the session has not passed one. */
export const removeSecurityKeySchema = z.object({ factorId: dbId })

/** The second sign-in step with a security key: nothing to type, only where to go next. */
export const securityKeyStepSchema = z.object({ next })
