import { existsSync, readFileSync } from "node:fs"
import path from "node:path"

import { parse as parseToml } from "smol-toml"
import { z } from "zod"

import { ignoredKeys } from "./config-ignored"

// The part of supabase/config.toml the local stack honours. Unknown keys are kept out of the
// type but tolerated in the file, as the Supabase CLI tolerates them.
const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === "number") return value
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim())
  if (!match || value.trim() === "") {
    ctx.addIssue({ code: "custom", message: `not a duration like "1m0s": ${value}` })
    return z.NEVER
  }
  const [, h = "0", m = "0", s = "0"] = match
  return Number(h) * 3600 + Number(m) * 60 + Number(s)
})

const providerSchema = z.object({ enabled: z.boolean().default(false) }).loose()

const emailTemplateSchema = z.object({
  subject: z.string().optional(),
  content_path: z.string().min(1).optional(),
})

/** The CLI's `env(NAME)` form for secrets: the value comes from the environment. */
const secretSchema = z.string().transform((value) => {
  const name = /^env\((\w+)\)$/.exec(value.trim())?.[1]

  return name ? (process.env[name] ?? "") : value
})

// [auth.mfa] as the Supabase CLI reads it. Without the section, TOTP is on, as Supabase Auth's
// own defaults have it (GOTRUE_MFA_TOTP_ENROLL_ENABLED / _VERIFY_ENABLED); challenges live
// 300 s and an unverified factor 300 s, as its MFA_CHALLENGE_EXPIRY_DURATION and
// MFA_FACTOR_EXPIRY_DURATION defaults.
const mfaFactorSchema = z
  .object({
    enroll_enabled: z.boolean().default(true),
    verify_enabled: z.boolean().default(true),
  })
  .prefault({})
const mfaSchema = z
  .object({
    max_enrolled_factors: z.number().int().positive().max(100).default(10),
    totp: mfaFactorSchema,
    phone: z
      .object({
        enroll_enabled: z.boolean().default(false),
        verify_enabled: z.boolean().default(false),
      })
      .loose()
      .prefault({}),
    web_authn: z
      .object({
        enroll_enabled: z.boolean().default(false),
        verify_enabled: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({})

// [auth.passkey] and [auth.webauthn] as the Supabase CLI reads them: passkeys are off unless
// enabled, as GOTRUE_PASSKEY_ENABLED defaults; at most 10 per user (MaxPasskeysPerUser); the
// relying party (rp_id, rp_display_name, rp_origins) is required once they are on, as Supabase
// Auth's WebAuthnConfiguration.Validate requires it.
const passkeySchema = z
  .object({
    enabled: z.boolean().default(false),
    max_passkeys_per_user: z.number().int().positive().max(100).default(10),
  })
  .loose()
  .prefault({})
const webauthnSchema = z
  .object({
    rp_id: z.string().default(""),
    rp_display_name: z.string().default(""),
    rp_origins: z.array(z.string()).default([]),
  })
  .loose()
  .prefault({})

// [auth.captcha] as the Supabase CLI reads it (enabled, provider, secret).
const captchaSchema = z
  .object({
    enabled: z.boolean().default(false),
    provider: z.enum(["hcaptcha", "turnstile"]).default("hcaptcha"),
    secret: secretSchema.default(""),
  })
  .refine((captcha) => !captcha.enabled || captcha.secret.trim() !== "", {
    message: "auth.captcha.secret is required when CAPTCHA is enabled",
    path: ["secret"],
  })

// [storage] and [storage.buckets.<name>] as the Supabase CLI reads them; sizes stay strings
// ("50MiB") here and are parsed where they are used (storage/config-buckets.ts).
const sizeSchema = z.union([z.string(), z.number().int().nonnegative()])
const storageSchema = z
  .object({
    enabled: z.boolean().default(true),
    file_size_limit: sizeSchema.default("50MiB"),
    buckets: z
      .record(
        z.string(),
        z.object({
          public: z.boolean().default(false),
          file_size_limit: sizeSchema.optional(),
          allowed_mime_types: z.array(z.string().min(1)).optional(),
          objects_path: z.string().optional(),
        })
      )
      .default({}),
  })
  .prefault({})

export const stackConfigSchema = z.object({
  project_id: z.string().default("local"),
  api: z
    .object({
      port: z.number().int().min(0).max(65535).default(54321),
      schemas: z.array(z.string().min(1)).min(1).default(["public"]),
      extra_search_path: z.array(z.string()).default(["public", "extensions"]),
      max_rows: z.number().int().positive().default(1000),
    })
    .prefault({}),
  db: z
    .object({
      seed: z
        .object({
          enabled: z.boolean().default(true),
          sql_paths: z.array(z.string()).default(["./seed.sql"]),
        })
        .prefault({}),
    })
    .prefault({}),
  auth: z
    .object({
      site_url: z.url().default("http://localhost:3000"),
      additional_redirect_urls: z.array(z.string()).default([]),
      jwt_expiry: z.number().int().positive().max(604800).default(3600),
      // The HS256 shared secret (may be env(NAME)); the CLI wants at least 16 characters.
      jwt_secret: secretSchema
        .pipe(z.string().min(16, "must be at least 16 characters"))
        .optional(),
      // A JSON file of JWKs that sign access tokens and are published at the JWKS endpoint;
      // relative to the supabase directory, as the CLI resolves it (keys.ts, readSigningKeys).
      signing_keys_path: z.string().min(1).optional(),
      enable_refresh_token_rotation: z.boolean().default(true),
      refresh_token_reuse_interval: z.number().int().min(0).default(10),
      enable_signup: z.boolean().default(true),
      enable_anonymous_sign_ins: z.boolean().default(false),
      minimum_password_length: z.number().int().min(6).default(6),
      password_requirements: z.string().default(""),
      rate_limit: z
        .object({
          email_sent: z.number().int().positive().default(2),
          sign_in_sign_ups: z.number().int().positive().default(30),
          token_refresh: z.number().int().positive().default(150),
          token_verifications: z.number().int().positive().default(30),
          anonymous_users: z.number().int().positive().default(30),
        })
        .prefault({}),
      email: z
        .object({
          enable_signup: z.boolean().default(true),
          double_confirm_changes: z.boolean().default(true),
          enable_confirmations: z.boolean().default(false),
          secure_password_change: z.boolean().default(false),
          max_frequency: durationSchema.default(60),
          otp_length: z.number().int().min(6).max(10).default(6),
          otp_expiry: z.number().int().positive().default(3600),
          // content_path is made absolute by loadStackConfig; the Auth service reads it at boot.
          template: z
            .object({
              invite: emailTemplateSchema.optional(),
              confirmation: emailTemplateSchema.optional(),
              recovery: emailTemplateSchema.optional(),
              magic_link: emailTemplateSchema.optional(),
              email_change: emailTemplateSchema.optional(),
              reauthentication: emailTemplateSchema.optional(),
            })
            .default({}),
        })
        .prefault({}),
      external: z.record(z.string(), providerSchema).default({}),
      captcha: captchaSchema.optional(),
      mfa: mfaSchema,
      passkey: passkeySchema,
      webauthn: webauthnSchema,
      // [auth.sms]: read as the CLI reads it. Phone sign-in is not offered here, so test_otp
      // (phone number → fixed code) is kept but has no phone to apply to.
      sms: z
        .object({
          enable_signup: z.boolean().default(false),
          test_otp: z.record(z.string(), z.string()).default({}),
        })
        .loose()
        .prefault({}),
    })
    .prefault({}),
  storage: storageSchema,
})

export type StackConfig = z.infer<typeof stackConfigSchema>

export class ConfigError extends Error {}

/**
 * Reads and validates supabase/config.toml; errors name the file and the key. Keys the
 * Supabase CLI knows and this stack does not serve ([studio], [edge_runtime], [db.pooler]…)
 * are accepted and ignored, as the CLI ignores what a service it does not run would read;
 * `onIgnored` hears which (config-ignored.ts).
 */
export function loadStackConfig(
  configPath: string,
  { onIgnored }: { onIgnored?: (keys: string[]) => void } = {}
): StackConfig {
  let raw: unknown
  try {
    raw = parseToml(readFileSync(configPath, "utf8"))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError(`${path.relative(process.cwd(), configPath)}: ${reason}`)
  }
  const parsed = stackConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `  ${issue.path.join(".")}: ${issue.message}`)
      .join("\n")
    throw new ConfigError(`${path.relative(process.cwd(), configPath)} is invalid:\n${issues}`)
  }
  const ignored = ignoredKeys(raw, parsed.data)
  if (ignored.length > 0) onIgnored?.(ignored)

  return resolveTemplatePaths(parsed.data, configPath)
}

/** The config with no [auth.email.template.*]: Auth then sends Supabase's default emails. */
export function withoutEmailTemplates(config: StackConfig): StackConfig {
  return { ...config, auth: { ...config.auth, email: { ...config.auth.email, template: {} } } }
}

/**
 * The Supabase CLI reads template content_path from the project root
 * ("./supabase/templates/x.html"); a path relative to supabase/ ("./templates/x.html") is
 * accepted too. A missing file keeps the project-root reading, so the boot error names it.
 */
function resolveTemplatePaths(config: StackConfig, configPath: string): StackConfig {
  const supabaseDir = path.dirname(path.resolve(configPath))
  const root = path.dirname(supabaseDir)
  const templates = { ...config.auth.email.template }
  for (const [kind, template] of Object.entries(templates)) {
    if (!template?.content_path) continue
    const fromRoot = path.resolve(root, template.content_path)
    const fromSupabase = path.resolve(supabaseDir, template.content_path)
    const content_path = !existsSync(fromRoot) && existsSync(fromSupabase) ? fromSupabase : fromRoot
    templates[kind as keyof typeof templates] = { ...template, content_path }
  }

  return {
    ...config,
    auth: { ...config.auth, email: { ...config.auth.email, template: templates } },
  }
}
