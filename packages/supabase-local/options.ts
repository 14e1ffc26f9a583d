import path from "node:path"
import { parseArgs } from "node:util"

import { z } from "zod"

import { type StorageOptions } from "./db/open"

export class OptionsError extends Error {}

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "must be a postgres:// URL")
    .optional(),
  LMX_LOCAL_STORAGE: z
    .enum(["pglite", "postgres"], { error: 'must be "pglite" or "postgres"' })
    .optional(),
  LMX_LOCAL_DATA_DIR: z.string().min(1).optional(),
  SUPABASE_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
})

const argsSchema = z.object({
  reset: z.boolean().default(false),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  "db-url": z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "must be a postgres:// URL")
    .optional(),
  storage: z.enum(["pglite", "postgres"], { error: 'must be "pglite" or "postgres"' }).optional(),
  "data-dir": z.string().min(1).optional(),
  workdir: z.string().min(1).optional(),
})

export type LocalStackCliOptions = {
  /** The project directory holding supabase/ (--workdir, as the Supabase CLI names it). */
  root: string
  reset: boolean
  port?: number
  storage: StorageOptions
  jwtSecret?: string
}

function describe(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => `${prefix}${issue.path.join(".")} ${issue.message}`).join("\n")
}

/**
 * Resolves where the stack keeps its data from flags and environment: PGlite under .local/
 * by default, Postgres when --db-url or DATABASE_URL is given. Errors name the flag or variable.
 */
export function resolveStackOptions(
  argv: string[],
  env: Record<string, string | undefined>,
  root: string
): LocalStackCliOptions {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      args: argv,
      options: {
        reset: { type: "boolean" },
        port: { type: "string" },
        "db-url": { type: "string" },
        storage: { type: "string" },
        "data-dir": { type: "string" },
        workdir: { type: "string" },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new OptionsError(error instanceof Error ? error.message : String(error))
  }
  const args = argsSchema.safeParse(values)
  if (!args.success) throw new OptionsError(describe(args.error, "--"))
  const vars = envSchema.safeParse({
    DATABASE_URL: env.DATABASE_URL || undefined,
    LMX_LOCAL_STORAGE: env.LMX_LOCAL_STORAGE || undefined,
    LMX_LOCAL_DATA_DIR: env.LMX_LOCAL_DATA_DIR || undefined,
    SUPABASE_JWT_SECRET: env.SUPABASE_JWT_SECRET || undefined,
  })
  if (!vars.success) throw new OptionsError(describe(vars.error, ""))

  const projectRoot = path.resolve(root, args.data.workdir ?? ".")
  const dbUrl = args.data["db-url"] ?? vars.data.DATABASE_URL
  const engine = args.data.storage ?? vars.data.LMX_LOCAL_STORAGE ?? (dbUrl ? "postgres" : "pglite")
  let storage: StorageOptions
  if (engine === "postgres") {
    if (!dbUrl) throw new OptionsError("LMX_LOCAL_STORAGE=postgres needs DATABASE_URL or --db-url")
    storage = { engine, url: dbUrl }
  } else {
    const dataDir = args.data["data-dir"] ?? vars.data.LMX_LOCAL_DATA_DIR ?? ".local/db"
    storage = { engine, dataDir: path.resolve(projectRoot, dataDir) }
  }

  return {
    root: projectRoot,
    reset: args.data.reset,
    port: args.data.port,
    storage,
    jwtSecret: vars.data.SUPABASE_JWT_SECRET,
  }
}
