import { ConfigError } from "./config"
import { StorageError } from "./db/open"
import { ChangedMigrationError, SqlFileError } from "./migrate"
import { OptionsError, resolveStackOptions } from "./options"
import { startLocalStack, type LocalStack } from "./stack"

const KNOWN_ERRORS = [ConfigError, StorageError, SqlFileError, ChangedMigrationError, OptionsError]

/**
 * The status block, aligned like `supabase status`. `before` are the phases before the stack's
 * own boot (Node's start, loading the code), when the caller measured them.
 */
export function formatStatus(stack: LocalStack, before: Record<string, number> = {}): string {
  const lines = stack.statusLines().map((line) => {
    const at = line.indexOf(": ")
    return [line.slice(0, at), line.slice(at + 2)] as const
  })
  const width = Math.max(...lines.map(([label]) => label.length))
  const body = lines.map(([label, value]) => `${label.padStart(width)}: ${value}`).join("\n")
  const warnings = stack.warnings.map((warning) => `\nwarning: ${warning}`).join("")

  const phases = Object.entries(stack.timings)
    .filter(([phase]) => phase !== "total")
    .map(([phase, ms]) => `${phase} ${ms} ms`)
    .join(", ")
  const earlier = Object.entries(before)
    .map(([phase, ms]) => `${phase} ${ms} ms`)
    .join(", ")
  const total = Object.values(before).reduce((sum, ms) => sum + ms, stack.timings.total ?? 0)
  const started =
    earlier === ""
      ? `Local stack started in ${stack.timings.total} ms (${phases}).`
      : `Local stack started in ${total} ms from process start (${earlier}, ${phases}).`

  return `${started}\n\n${body}\n${warnings}`
}

/**
 * The line printed once the services that came up behind the open port are ready, with their
 * phases and the status lines they add (servicesInBackground in stack.ts).
 */
export function formatServices(
  stack: LocalStack,
  phases: Record<string, number>,
  afterListenMs: number
): string {
  const listed = Object.entries(phases)
    .map(([phase, ms]) => `${phase} ${ms} ms`)
    .join(", ")

  return [
    `Services ready ${Math.round(afterListenMs)} ms after the port opened (${listed}).`,
    ...stack.serviceStatusLines(),
  ].join("\n")
}

/**
 * Starts the stack from command-line flags and the environment, and stops it cleanly on
 * SIGINT/SIGTERM (PGlite is flushed before the process exits). Known misconfigurations end
 * the process with one clear line and exit code 1.
 */
export async function runUntilSignal(
  argv: string[],
  { onReady, root = process.cwd() }: { onReady(stack: LocalStack): void; root?: string }
): Promise<LocalStack> {
  let stack: LocalStack
  try {
    const options = resolveStackOptions(argv, process.env, root)
    stack = await startLocalStack({
      root: options.root,
      storage: options.storage,
      port: options.port,
      reset: options.reset,
      jwtSecret: options.jwtSecret,
      migratedTemplate: true,
      servicesInBackground: true,
      log: (line) => console.log(line),
    })
  } catch (error) {
    if (KNOWN_ERRORS.some((kind) => error instanceof kind)) {
      console.error(`local stack: ${(error as Error).message}`)
      process.exit(1)
    }
    throw error
  }
  onReady(stack)
  const listenedAt = performance.now()
  stack.ready.then(
    (phases) => console.log(formatServices(stack, phases, performance.now() - listenedAt)),
    async (error: unknown) => {
      console.error(`local stack: a service did not start: ${String(error)}`)
      await stack.stop().catch(() => undefined)
      process.exit(1)
    }
  )

  const shutdown = (signal: string) => {
    console.log(`\n${signal}: stopping the local stack…`)
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("local stack: error while stopping:", error)
        process.exit(1)
      }
    )
  }
  process.once("SIGINT", () => shutdown("SIGINT"))
  process.once("SIGTERM", () => shutdown("SIGTERM"))

  return stack
}
