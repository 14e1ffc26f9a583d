// What the page benches share (bench:sessions:detail, bench:runs:pages): their arguments, a
// throwaway Postgres database behind a local stack on the e2e ports, the production build
// served by `next start`, a user signed in as a browser is (cookies), the server response of
// a page timed to its last byte, raw SQL as that user under RLS for the same-run yardsticks,
// and first contentful paint in Chromium.
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { parseArgs } from "node:util"

import { startLocalStack, type LocalStack } from "@lmx/supabase-local/stack"
import { createThrowawayDatabase } from "@lmx/supabase-local/testing/throwaway-database"
import { type BrowserContext } from "@playwright/test"
import { createServerClient } from "@supabase/ssr"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import type pg from "pg"
import WebSocket from "ws"
import { z } from "zod"

import { E2E_APP_PORT, E2E_APP_URL, E2E_STACK_PORT } from "../../e2e/fixtures/urls"
import { type Database } from "../../lib/database.types"
import { sessionCookieOptions } from "../../lib/supabase/cookie-options"

const root = path.resolve(import.meta.dirname, "../..")
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next")
// Node 20 has no global WebSocket, and supabase-js builds its Realtime client eagerly.
export const transport = WebSocket as unknown as typeof globalThis.WebSocket

/** `-- --requests 40 --paints 7 --build`, checked. */
export function pageBenchArgs() {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "40" },
      paints: { type: "string", default: "7" },
      build: { type: "boolean", default: false },
    },
  })

  return {
    requests: z.coerce.number().int().min(5).max(1000).parse(values.requests),
    paints: z.coerce.number().int().min(1).max(50).parse(values.paints),
    build: values.build,
  }
}

function runNext(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [nextBin, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  })
}

async function waitForUrl(url: string, child: ChildProcess) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`next exited with ${child.exitCode}`)
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) })

      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  }
  throw new Error(`${url} did not answer`)
}

export type PageBench = {
  stack: LocalStack
  /** The throwaway database's URL (an admin connection: seed with it). */
  databaseUrl: string
  user: SupabaseClient<Database>
  userId: string
  /** Starts `next start` on the e2e app port with the signed-in session's cookies ready. */
  startNext(): Promise<void>
  /** A page's server response as a browser gets it: first bytes and the whole body. */
  timePage(
    url: string,
    mustContain: string
  ): Promise<{ total: number; firstChunk: number; bytes: number }>
  /** Raw SQL as the signed-in user under RLS, in its own transaction on `sql`. */
  asUser(sql: pg.Client, text: string, params?: unknown[]): Promise<{ ms: number; rows: number }>
  /** A Chromium context carrying the session's cookies; closed after `body`. */
  withChromium<T>(body: (context: BrowserContext) => Promise<T>): Promise<T>
  stop(): Promise<void>
}

/**
 * A stack on a throwaway database of DATABASE_URL, the app built if needed (`--build`, or no
 * e2e run's build to reuse), and a new user signed in. Call `stop()` in a finally.
 */
export async function startPageBench({
  databasePrefix,
  userPrefix,
  build,
}: {
  databasePrefix: string
  userPrefix: string
  build: boolean
}): Promise<PageBench> {
  const adminUrl = process.env.DATABASE_URL
  if (!adminUrl)
    throw new Error("Set DATABASE_URL to a Postgres server (the bench makes a throwaway database).")

  // The build inlines NEXT_PUBLIC_SUPABASE_URL and the anon key: reuse the identity (same
  // port, same shared secret, so the same anon key verifies) of the stack the build in .next
  // was made for, as this bench's last --build recorded it beside that build's id, else the
  // e2e run's.
  const buildIdFile = path.join(root, ".next", "BUILD_ID")
  const builtFor = z.object({
    anonKey: z.string(),
    jwtSecret: z.string(),
    // The app runs on the publishable key (scripts/e2e-server.ts), inlined by the build: a
    // fresh database must answer to the same one, or every request is "Invalid API key".
    publishableKey: z.string().optional(),
    secretKey: z.string().optional(),
    buildId: z.string().optional(),
  })
  const readState = (file: string) =>
    existsSync(file) ? builtFor.parse(JSON.parse(readFileSync(file, "utf8"))) : null
  const benchStateFile = path.join(root, ".local", "bench", "page-stack.json")
  const benchState = readState(benchStateFile)
  const currentBuild = existsSync(buildIdFile) ? readFileSync(buildIdFile, "utf8") : null
  const e2eState =
    benchState && benchState.buildId === currentBuild
      ? benchState
      : readState(path.join(root, ".local", "e2e", "stack.json"))

  const database = await createThrowawayDatabase(adminUrl, databasePrefix)
  let stack: LocalStack | undefined
  let next: ChildProcess | undefined
  const stop = async () => {
    next?.kill("SIGTERM")
    if (next && next.exitCode === null) await new Promise((resolve) => next!.once("exit", resolve))
    await stack?.stop()
    await database.drop()
  }
  try {
    stack = await startLocalStack({
      root,
      storage: { engine: "postgres", url: database.url, poolSize: 10 },
      port: E2E_STACK_PORT,
      jwtSecret: e2eState?.jwtSecret,
      apiKeys:
        e2eState?.publishableKey && e2eState.secretKey
          ? { publishableKey: e2eState.publishableKey, secretKey: e2eState.secretKey }
          : undefined,
    })
    const anonKey = e2eState?.anonKey ?? stack.keys.anonKey
    const env = {
      ...process.env,
      NEXT_PUBLIC_SUPABASE_URL: stack.url,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: stack.keys.publishableKey,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: anonKey,
      NEXT_PUBLIC_SITE_URL: E2E_APP_URL,
      SUPABASE_JWT_SECRET: stack.keys.jwtSecret,
      NEXT_TELEMETRY_DISABLED: "1",
    }
    if (build || !e2eState || !existsSync(path.join(root, ".next", "BUILD_ID"))) {
      console.log("Building the app (next build)…")
      const building = runNext(["build"], env)
      const code = await new Promise<number>((resolve) =>
        building.on("exit", (c) => resolve(c ?? 1))
      )
      if (code !== 0) throw new Error(`next build exited with ${code}`)
      // Later runs without --build serve this build against a stack with the same identity.
      mkdirSync(path.dirname(benchStateFile), { recursive: true })
      writeFileSync(
        benchStateFile,
        JSON.stringify({
          anonKey,
          jwtSecret: stack.keys.jwtSecret,
          publishableKey: stack.keys.publishableKey,
          secretKey: stack.keys.secretKey,
          buildId: readFileSync(buildIdFile, "utf8"),
        })
      )
    }

    const email = `${userPrefix}-${Date.now().toString(36)}@example.com`
    const password = `${userPrefix}-password`
    const created = await fetch(`${stack.url}/auth/v1/admin/users`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        apikey: stack.keys.serviceRoleKey,
        authorization: `Bearer ${stack.keys.serviceRoleKey}`,
      },
      body: JSON.stringify({ email, password, email_confirm: true }),
    })
    if (!created.ok) throw new Error(`creating the bench user failed: ${created.status}`)
    const user = createClient<Database>(stack.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport },
    })
    const signedIn = await user.auth.signInWithPassword({ email, password })
    if (signedIn.error) throw signedIn.error
    const userId = signedIn.data.user.id

    // The same session as cookies, as the browser holds it after signing in.
    const jar = new Map<string, string>()
    const ssr = createServerClient(stack.url, anonKey, {
      realtime: { transport },
      cookieOptions: sessionCookieOptions(E2E_APP_URL),
      cookies: {
        getAll: () => [...jar].map(([name, value]) => ({ name, value })),
        setAll: (cookies) => {
          for (const { name, value } of cookies) {
            if (value) jar.set(name, value)
            else jar.delete(name)
          }
        },
      },
    })
    const ssrSignIn = await ssr.auth.signInWithPassword({ email, password })
    if (ssrSignIn.error) throw ssrSignIn.error
    await ssr.auth.getSession()
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ")
    const claims = JSON.stringify({ sub: userId, role: "authenticated" })

    return {
      stack,
      databaseUrl: database.url,
      user,
      userId,
      async startNext() {
        next = runNext(["start", "--port", String(E2E_APP_PORT), "--hostname", "127.0.0.1"], env)
        await waitForUrl(`${E2E_APP_URL}/sign-in`, next)
      },
      async timePage(url, mustContain) {
        const started = performance.now()
        const response = await fetch(url, { headers: { cookie }, redirect: "manual" })
        const reader = response.body!.getReader()
        const decoder = new TextDecoder()
        let html = ""
        let firstChunk = Number.NaN
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          if (Number.isNaN(firstChunk)) firstChunk = performance.now() - started
          html += decoder.decode(value, { stream: true })
        }
        const total = performance.now() - started
        if (response.status !== 200 || !html.includes(mustContain))
          throw new Error(
            `${url} answered ${response.status} without "${mustContain}" (signed out?)`
          )

        return { total, firstChunk, bytes: html.length }
      },
      async asUser(sql, text, params = []) {
        const started = performance.now()
        await sql.query("begin")
        await sql.query("set local role authenticated")
        await sql.query("select set_config('request.jwt.claims', $1, true)", [claims])
        const result = await sql.query(text, params)
        await sql.query("commit")

        return { ms: performance.now() - started, rows: result.rowCount ?? 0 }
      },
      async withChromium(body) {
        const { chromium } = await import("@playwright/test")
        const browser = await chromium.launch({
          executablePath:
            process.env.PLAYWRIGHT_CHROMIUM_PATH ??
            (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined),
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-sync",
            "--no-first-run",
          ],
        })
        try {
          const context = await browser.newContext()
          await context.addCookies(
            [...jar].map(([name, value]) => ({
              name,
              value,
              domain: "127.0.0.1",
              path: "/",
              sameSite: "Lax" as const,
            }))
          )

          return await body(context)
        } finally {
          await browser.close()
        }
      },
      stop,
    }
  } catch (error) {
    await stop().catch((failure: unknown) =>
      console.error(`[bench] cleaning up after a failed start: ${String(failure)}`)
    )
    throw error
  }
}
