// `npm run supabase:local [-- --reset] [--port N] [--db-url URL]`: the local stack alone.
import { formatStatus, runUntilSignal } from "./run"

await runUntilSignal(process.argv.slice(2), {
  onReady(stack) {
    console.log(formatStatus(stack))
  },
})
