// `npm run dev`: the local stack (unless NEXT_PUBLIC_SUPABASE_URL points elsewhere) and
// `next dev`, wired together through the environment; Ctrl-C stops both.
import { spawn } from "node:child_process"
import path from "node:path"

import { formatStatus, runUntilSignal } from "@lmx/supabase-local/run"
import { type LocalStack } from "@lmx/supabase-local/stack"

import { runDemoHeartbeat } from "./dev-demo-heartbeat"
import { queueDemoRunIfIdle, runDemoWorker } from "./dev-demo-worker"
import { echoDevOutput, echoesEveryDeviceCall } from "./dev-output"

const root = path.resolve(import.meta.dirname, "..")
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next")
const appPort = process.env.PORT ?? "3000"
const siteUrl = process.env.NEXT_PUBLIC_SITE_URL ?? `http://localhost:${appPort}`
const everyDeviceCall = echoesEveryDeviceCall(process.env)

function startNext(env: NodeJS.ProcessEnv, onExit: (code: number) => void) {
  const child = spawn(process.execPath, [nextBin, "dev", "--port", appPort], {
    cwd: root,
    // Piped, next dev would drop its colours; keep them when the terminal has them.
    env: process.stdout.isTTY && !env.NO_COLOR ? { FORCE_COLOR: "1", ...env } : env,
    stdio: ["inherit", everyDeviceCall ? "inherit" : "pipe", "inherit"],
  })
  if (child.stdout) echoDevOutput(child.stdout, process.stdout)
  child.on("exit", (code, signal) => onExit(code ?? (signal ? 0 : 1)))

  return child
}

async function waitForHealth(url: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ok = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the local stack at ${url} did not answer /health`)
}

async function demoAccountLines(stack: LocalStack): Promise<string[]> {
  const demo = await stack.db
    .query<{ email: string }>("select email from auth.users where email = 'demo@lmx.local' limit 1")
    .catch(() => ({ rows: [] }))
  if (!demo.rows[0]) return []

  return [`Demo account: demo@lmx.local / lmx-demo-password`]
}

if (process.env.NEXT_PUBLIC_SUPABASE_URL) {
  console.log(`Using the Supabase project at ${process.env.NEXT_PUBLIC_SUPABASE_URL}`)
  startNext({ ...process.env, NEXT_PUBLIC_SITE_URL: siteUrl }, (code) => process.exit(code))
} else {
  const app: { next?: ReturnType<typeof startNext> } = {}
  // The stack handles SIGINT/SIGTERM itself (flushing PGlite, then exiting); next dev gets
  // the same Ctrl-C from the terminal, and SIGTERM is forwarded to it here.
  process.on("SIGTERM", () => app.next?.kill("SIGTERM"))
  const stack = await runUntilSignal(process.argv.slice(2), {
    root,
    onReady(stack) {
      console.log(formatStatus(stack))
    },
  })
  await waitForHealth(stack.url)
  const demoLines = await demoAccountLines(stack)
  for (const line of demoLines) console.log(line)
  console.log(`\nStarting the console on ${siteUrl} …`)
  if (!everyDeviceCall) {
    console.log(
      "(Successful device heartbeats, claims and log appends are not echoed; LMX_DEV_LOG_DEVICE_API=1 echoes them.)"
    )
  }
  console.log("")
  app.next = startNext(
    {
      ...process.env,
      NEXT_PUBLIC_SUPABASE_URL: stack.url,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: stack.keys.publishableKey,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: stack.keys.anonKey,
      NEXT_PUBLIC_SITE_URL: siteUrl,
      SUPABASE_JWT_SECRET: stack.keys.jwtSecret,
    },
    (code) => {
      // next dev ended on its own (port in use, crash): take the stack down with it.
      void stack.stop().finally(() => process.exit(code))
    }
  )
  // The seeded demo LLM host reports in like a real agent, so it is online in the demo.
  if (demoLines.length > 0) {
    void runDemoHeartbeat({ appUrl: `http://localhost:${appPort}` }).catch((error: unknown) =>
      console.error("Demo heartbeat failed:", error)
    )
    // …and works the demo's "Live Demo" run, whose log keeps growing on its run page.
    await queueDemoRunIfIdle(stack.db).catch((error: unknown) =>
      console.error("Demo run not queued:", error)
    )
    void runDemoWorker({ appUrl: `http://localhost:${appPort}`, root }).catch((error: unknown) =>
      console.error("Demo worker failed:", error)
    )
  }
}
