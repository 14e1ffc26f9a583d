// `npm run device -- <command>`: the reference device agent. Pairs this machine with an
// LMX Console (RFC 8628 device flow), then reports heartbeats with its addresses, hardware
// and the health of the LLM server on its port. The logic lives in agent/.
import { runDeviceCli } from "@/agent/cli"

const args = process.argv.slice(2)
const stop = new AbortController()
// The worker stops the steps it runs before it exits: they run in their own process groups
// and would outlive it (docs/workflows.md, "The worker is stopped"). So for it, Ctrl-C or
// SIGTERM asks it to stop, a second one ends it at once, and it is ended anyway once its
// steps had their grace period (SIGTERM, then SIGKILL after 10 s). Every other command just
// stops.
const graceful = args[0] === "worker"
const STOP_GRACE_MS = 15_000
let stopping: number | null = null

function onSignal(signal: NodeJS.Signals) {
  const code = signal === "SIGINT" ? 130 : 143
  if (!graceful || stopping !== null) {
    console.error("\nStopped.")
    process.exit(code)
  }
  stopping = code
  console.error("\nStopping: ending the steps this worker runs…")
  stop.abort()
  setTimeout(() => process.exit(code), STOP_GRACE_MS).unref()
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

const code = await runDeviceCli(args, {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  env: process.env,
  signal: stop.signal,
})
if (stopping !== null) {
  console.error("Stopped.")
  // Whatever else is still open (a Realtime socket closing) does not hold the exit.
  process.exit(stopping)
}
process.exitCode = code
