// `npm run supabase:local [-- --reset] [--port N] [--db-url URL] [--workdir DIR]`: the local
// stack alone; `npm run supabase:local -- test [--workdir DIR] [--db-url URL]`: the project's
// pgTAP tests (pgtap.ts). bin/supabase-local.js loads this module (bundled) and calls main.
import { ConfigError } from "./config"
import { StorageError } from "./db/open"
import { ChangedMigrationError, SqlFileError } from "./migrate"
import { OptionsError, resolveStackOptions } from "./options"
import { PgTapError, runPgTap } from "./pgtap"
import { formatStatus, runUntilSignal } from "./run"

/** `before`: milliseconds of the phases before the stack's own boot (Node's start, the code). */
export async function main(argv: string[], before: Record<string, number> = {}) {
  if (argv[0] === "test") return test(argv.slice(1))
  await runUntilSignal(argv, {
    onReady(stack) {
      console.log(formatStatus(stack, before))
    },
  })
}

async function test(argv: string[]) {
  try {
    const options = resolveStackOptions(argv, process.env, process.cwd())
    const run = await runPgTap({
      root: options.root,
      storage: options.storage,
      print: (line) => console.log(line),
    })
    process.exitCode = run.passed ? 0 : 1
  } catch (error) {
    const known = [
      ConfigError,
      StorageError,
      SqlFileError,
      ChangedMigrationError,
      OptionsError,
      PgTapError,
    ]
    if (!known.some((kind) => error instanceof kind)) throw error
    console.error(`local stack test: ${(error as Error).message}`)
    process.exitCode = 1
  }
}
