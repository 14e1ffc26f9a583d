// `npm run device -- <command>`: the reference device agent. Pairs this machine with an
// LMX Console (RFC 8628 device flow), then reports heartbeats with its addresses, hardware
// and the health of the LLM server on its port. The logic lives in agent/.
import { runDeviceCli } from "@/agent/cli"

process.on("SIGINT", () => {
  console.error("\nStopped.")
  process.exit(130)
})

process.exitCode = await runDeviceCli(process.argv.slice(2), {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  env: process.env,
})
