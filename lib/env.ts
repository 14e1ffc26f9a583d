import { z } from "zod"

// The only module that reads process.env. Public variables are referenced by
// their literal names below so Next inlines them into the browser bundle;
// server variables are read only inside getServerEnv(), never at import time.

const HTTP_URL = { protocol: /^https?$/, error: "must be an http(s) URL" }

// A legacy anon key is a JWT (three base64url segments); newer projects hand
// out sb_publishable_… keys instead. Both are safe to expose to browsers; a
// secret key (sb_secret_…) never matches, so it cannot reach the bundle here.
const ANON_KEY_PATTERN = /^(?:[\w-]+\.[\w-]+\.[\w-]*|sb_publishable_[\w-]+)$/
const PUBLISHABLE_KEY_PATTERN = /^sb_publishable_[\w-]+$/

export const publicEnvSchema = z.object({
  NEXT_PUBLIC_SUPABASE_URL: z.url(HTTP_URL),
  // The project's key for browsers and the server alike: the publishable key, or
  // for older projects the legacy anon JWT (one of the two must be set).
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: z
    .string()
    .regex(
      PUBLISHABLE_KEY_PATTERN,
      "must be the project's publishable key (sb_publishable_…)"
    )
    .optional(),
  NEXT_PUBLIC_SUPABASE_ANON_KEY: z
    .string()
    .regex(ANON_KEY_PATTERN, "must be the project's anon key (a JWT)")
    .optional(),
  NEXT_PUBLIC_SITE_URL: z.url(HTTP_URL).default("http://localhost:3000"),
  // Supabase Auth's CAPTCHA ([auth.captcha] in supabase/config.toml, or the dashboard): the
  // browser shows the provider's widget and sends its token with sign-in, sign-up, magic-link
  // and reset calls. Unset means no CAPTCHA.
  NEXT_PUBLIC_CAPTCHA_PROVIDER: z.enum(["turnstile", "hcaptcha"]).optional(),
  NEXT_PUBLIC_CAPTCHA_SITE_KEY: z
    .string()
    .regex(/^[\w-]{1,100}$/, "must be the CAPTCHA provider's site key")
    .optional(),
})

export type PublicEnv = z.infer<typeof publicEnvSchema> & {
  /** The key every Supabase client is made with: publishable, else the legacy anon key. */
  supabaseKey: string
}

export const serverEnvSchema = z.object({
  // Optional: without it the console runs, only the device API (which mints
  // device JWTs with it) is unavailable.
  SUPABASE_JWT_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (the project's JWT secret)")
    .optional(),
  // How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the default)
  // trusts no forwarded header: the device API uses the socket's address (docs/security.md).
  TRUSTED_PROXY_HOPS: z.coerce
    .number()
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .max(10, "must be at most 10")
    .default(0),
})

export type ServerEnv = z.infer<typeof serverEnvSchema>

type EnvSource = Record<string, string | undefined>

/** Thrown when variables are missing or malformed; `variables` names each one. */
export class EnvError extends Error {
  readonly variables: string[]

  constructor(problems: { variable: string; problem: string }[]) {
    super(
      [
        "Invalid environment variables:",
        ...problems.map(
          ({ variable, problem }) => `  - ${variable} ${problem}`
        ),
        "Set them in the environment or in .env.local.",
      ].join("\n")
    )
    this.name = "EnvError"
    this.variables = problems.map(({ variable }) => variable)
  }
}

type Problem = { variable: string; problem: string }

function parseEnv<T extends z.ZodObject>(
  schema: T,
  source: EnvSource,
  /** Problems beyond the schema's own, reported with them. */
  extra: Problem[] = []
): z.infer<T> {
  // An empty assignment (`FOO=` in a .env file) means "not set", not "".
  const input = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, source[key] || undefined])
  )
  const result = schema.safeParse(input)
  if (result.success && extra.length === 0) return result.data

  const problems = new Map<string, string>()
  for (const issue of result.error?.issues ?? []) {
    const variable = String(issue.path[0] ?? "environment")
    if (problems.has(variable)) continue
    problems.set(
      variable,
      input[variable] === undefined
        ? "is missing"
        : `is malformed: ${issue.message}`
    )
  }

  for (const { variable, problem } of extra) problems.set(variable, problem)

  throw new EnvError(
    [...problems].map(([variable, problem]) => ({ variable, problem }))
  )
}

export function parsePublicEnv(source: EnvSource): PublicEnv {
  const keyMissing =
    !source.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY &&
    !source.NEXT_PUBLIC_SUPABASE_ANON_KEY
  const env = parseEnv(
    publicEnvSchema,
    source,
    keyMissing
      ? [
          {
            variable: "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
            problem:
              "is missing (or set NEXT_PUBLIC_SUPABASE_ANON_KEY, the legacy anon key)",
          },
        ]
      : []
  )
  const supabaseKey =
    env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY ??
    env.NEXT_PUBLIC_SUPABASE_ANON_KEY ??
    ""

  return { ...env, supabaseKey }
}

export function parseServerEnv(source: EnvSource): ServerEnv {
  return parseEnv(serverEnvSchema, source)
}

let publicEnv: PublicEnv | undefined
let serverEnv: ServerEnv | undefined

/** Public settings, safe in the browser and on the server; parsed on first use. */
export function getPublicEnv(): PublicEnv {
  publicEnv ??= parsePublicEnv({
    NEXT_PUBLIC_SUPABASE_URL: process.env.NEXT_PUBLIC_SUPABASE_URL,
    NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY:
      process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
    NEXT_PUBLIC_SITE_URL: process.env.NEXT_PUBLIC_SITE_URL,
    NEXT_PUBLIC_CAPTCHA_PROVIDER: process.env.NEXT_PUBLIC_CAPTCHA_PROVIDER,
    NEXT_PUBLIC_CAPTCHA_SITE_KEY: process.env.NEXT_PUBLIC_CAPTCHA_SITE_KEY,
  })

  return publicEnv
}

/** Server-only secrets; parsed on first use, and at start-up by instrumentation.ts. */
export function getServerEnv(): ServerEnv {
  if (typeof window !== "undefined") {
    throw new Error("getServerEnv() must not be called in the browser")
  }
  serverEnv ??= parseServerEnv({
    SUPABASE_JWT_SECRET: process.env.SUPABASE_JWT_SECRET,
    TRUSTED_PROXY_HOPS: process.env.TRUSTED_PROXY_HOPS,
  })

  return serverEnv
}
