import { EnvError, getPublicEnv, getServerEnv } from "@/lib/env"

// Runs once when a server instance starts. A missing or malformed variable
// stops start-up here, with a message naming it, instead of surfacing as a 500
// on the first request that needs it.
export async function register() {
  try {
    getPublicEnv()
    getServerEnv()
  } catch (error) {
    // Next only logs a throwing register() and goes on serving 500s, so exit.
    // NEXT_RUNTIME is a build-time switch (not configuration), written out
    // literally so the edge bundle drops the Node-only process.exit.
    if (error instanceof EnvError && process.env.NEXT_RUNTIME === "nodejs") {
      console.error(`LMX Console cannot start. ${error.message}`)
      process.exit(1)
    }
    throw error
  }
  // The device API's per-address limits and the pair page's "asked from" need the socket's
  // address; route handlers only see headers (app/api/device/v1/_lib/peer-address.ts).
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { recordPeerAddresses } =
      await import("@/app/api/device/v1/_lib/peer-address")
    recordPeerAddresses()
  }
}
