// The web server of the Playwright run: the local stack on a fresh in-memory database, a
// production build of the app pointed at it, then `next start`. Stops both on SIGTERM/SIGINT.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"

import { defaultServices } from "@lmx/supabase-local/services"
import { startLocalStack } from "@lmx/supabase-local/stack"
import { generousLimits } from "@lmx/supabase-local/testing/auth"

import { createE2eFixtureService } from "../e2e/fixtures/stack-fixtures"
import { E2E_APP_PORT, E2E_APP_URL, E2E_STACK_PORT } from "../e2e/fixtures/urls"

const root = path.resolve(import.meta.dirname, "..")
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next")
export const E2E_STATE_FILE = path.join(root, ".local", "e2e", "stack.json")

const stack = await startLocalStack({
  root,
  storage: { engine: "pglite" },
  port: E2E_STACK_PORT,
  // Test-only routes (e.g. expiring a pairing code) for the specs' fixtures.
  services: [...defaultServices, createE2eFixtureService],
  // Every spec signs its people in from 127.0.0.1, dozens within five minutes: one address
  // would pass config.toml's per-IP Auth limits only while the suite stays small. The limits
  // themselves are proven by packages/supabase-local/auth/brute-force.int.test.ts.
  // Passkeys need a domain origin (a WebAuthn relying party is never an IP address): the
  // passkey spec opens the app on localhost at the e2e port.
  configOverrides: (config) => ({
    ...config,
    auth: {
      ...generousLimits(config.auth),
      webauthn: {
        ...config.auth.webauthn,
        rp_origins: [`http://localhost:${E2E_APP_PORT}`],
      },
    },
  }),
  log: (line) => console.log(line),
})
mkdirSync(path.dirname(E2E_STATE_FILE), { recursive: true })
// The specs read the keys from here (service role only for fixtures, never in the app).
writeFileSync(
  E2E_STATE_FILE,
  JSON.stringify({
    url: stack.url,
    anonKey: stack.keys.anonKey,
    serviceRoleKey: stack.keys.serviceRoleKey,
    publishableKey: stack.keys.publishableKey,
    secretKey: stack.keys.secretKey,
    jwtSecret: stack.keys.jwtSecret,
  }),
  { mode: 0o600 }
)

const env = {
  ...process.env,
  NEXT_PUBLIC_SUPABASE_URL: stack.url,
  // The app runs on the new publishable key, as a new hosted project hands it out; the legacy
  // anon key stays beside it as the fallback lib/env.ts reads.
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: stack.keys.publishableKey,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: stack.keys.anonKey,
  NEXT_PUBLIC_SITE_URL: E2E_APP_URL,
  SUPABASE_JWT_SECRET: stack.keys.jwtSecret,
  NEXT_TELEMETRY_DISABLED: "1",
}

let child: ChildProcess | undefined
let stopping = false
async function stop(code: number) {
  if (stopping) return
  stopping = true
  child?.kill("SIGTERM")
  await stack.stop().catch(() => undefined)
  process.exit(code)
}
process.on("SIGTERM", () => void stop(0))
process.on("SIGINT", () => void stop(0))

function run(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    child = spawn(process.execPath, [nextBin, ...args], { cwd: root, env, stdio: "inherit" })
    child.on("exit", (code) => resolve(code ?? 1))
  })
}

if (!process.env.E2E_SKIP_BUILD) {
  const built = await run(["build"])
  if (built !== 0) await stop(built)
}
const code = await run(["start", "--port", String(E2E_APP_PORT), "--hostname", "127.0.0.1"])
await stop(code)
