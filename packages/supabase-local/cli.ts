// `npm run supabase:local [-- --reset] [--port N] [--db-url URL]`: the local stack alone.
// bin/supabase-local.js loads this module (bundled) and calls main.
import { formatStatus, runUntilSignal } from "./run"

/** `before`: milliseconds of the phases before the stack's own boot (Node's start, the code). */
export async function main(argv: string[], before: Record<string, number> = {}) {
  await runUntilSignal(argv, {
    onReady(stack) {
      console.log(formatStatus(stack, before))
    },
  })
}
