// `npm run bench:auth`: median and p95 of password sign-in, refresh, and reading the signed-in
// user two ways: getClaims() (verified locally against the cached JWKS, no request) versus a
// getUser() round trip to /auth/v1/user. One in-memory PGlite stack; client and server share
// this process, so the figures include both sides.
import path from "node:path"

import { startLocalStack } from "@lmx/supabase-local/stack"
import { AUTH_FIXTURE_MIGRATIONS } from "@lmx/supabase-local/testing/auth"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { record } from "./report"
import { formatMs, median, percentile } from "./stats"

const root = path.resolve(import.meta.dirname, "../..")
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40)
const WARMUP = 3
const PASSWORD = "bench-passphrase-123"

async function measure(
  label: string,
  run: () => Promise<void>
): Promise<{ label: string; samples: number[] }> {
  for (let i = 0; i < WARMUP; i += 1) await run()
  const samples: number[] = []
  for (let i = 0; i < ROUNDS; i += 1) {
    const started = performance.now()
    await run()
    samples.push(performance.now() - started)
  }

  return { label, samples }
}

async function main() {
  const stack = await startLocalStack({
    root,
    port: 0,
    storage: { engine: "pglite" },
    migrationsDir: AUTH_FIXTURE_MIGRATIONS,
    seedFiles: [],
    configOverrides: (config) => ({
      ...config,
      auth: {
        ...config.auth,
        rate_limit: {
          ...config.auth.rate_limit,
          sign_in_sign_ups: 100_000,
          token_refresh: 100_000,
        },
      },
    }),
  })
  try {
    const supabase = createClient(stack.url, stack.keys.anonKey, {
      auth: {
        persistSession: false,
        autoRefreshToken: false,
        detectSessionInUrl: false,
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const email = "bench@example.com"
    const admin = createClient(stack.url, stack.keys.serviceRoleKey, {
      auth: {
        persistSession: false,
        autoRefreshToken: false,
        detectSessionInUrl: false,
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const { error: createError } = await admin.auth.admin.createUser({
      email,
      password: PASSWORD,
      email_confirm: true,
    })
    if (createError) throw createError

    const signIn = await measure("password sign-in (POST /token?grant_type=password)", async () => {
      const { error } = await supabase.auth.signInWithPassword({
        email,
        password: PASSWORD,
      })
      if (error) throw error
    })

    let refreshToken = (await supabase.auth.getSession()).data.session!.refresh_token
    const refresh = await measure("refresh (POST /token?grant_type=refresh_token)", async () => {
      const { data, error } = await supabase.auth.refreshSession({
        refresh_token: refreshToken,
      })
      if (error) throw error
      refreshToken = data.session!.refresh_token
    })

    const accessToken = (await supabase.auth.getSession()).data.session!.access_token
    const claims = await measure(
      "getClaims() (local ES256 verification, cached JWKS)",
      async () => {
        const { error } = await supabase.auth.getClaims(accessToken)
        if (error) throw error
      }
    )
    const user = await measure("getUser() (GET /auth/v1/user round trip)", async () => {
      const { error } = await supabase.auth.getUser(accessToken)
      if (error) throw error
    })

    console.log(
      `Auth benchmark: ${ROUNDS} rounds each after ${WARMUP} warm-up, in-memory PGlite, bcrypt cost 10`
    )
    const width = Math.max(...[signIn, refresh, claims, user].map((result) => result.label.length))
    for (const { label, samples } of [signIn, refresh, claims, user]) {
      console.log(
        `  ${label.padEnd(width)}  median ${formatMs(median(samples)).padStart(9)}  p95 ${formatMs(percentile(samples, 95)).padStart(9)}`
      )
    }
    const ratio = median(user.samples) / median(claims.samples)
    console.log(`  getClaims() is ${ratio.toFixed(1)}x faster than getUser() at the median`)
    record({
      name: "auth.get_claims.median",
      label: "getClaims() median (yardstick: the getUser() round trip)",
      value: median(claims.samples),
      unit: "ms",
      yardstick: median(user.samples),
    })
    record({
      name: "auth.sign_in.median",
      label: "password sign-in median (yardstick: refresh)",
      value: median(signIn.samples),
      unit: "ms",
      yardstick: median(refresh.samples),
    })
  } finally {
    await stack.stop()
  }
}

await main()
