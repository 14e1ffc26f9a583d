import path from "node:path"

import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { restService } from "../rest"
import { startTestStack, type TestStack } from "./test-stack"

export const ALICE = "00000000-0000-0000-0000-00000000000a"
export const BOB = "00000000-0000-0000-0000-00000000000b"
export const MAX_ROWS = 100

/** The REST API alone over the conformance fixture schema (no Auth: tokens are minted here). */
export async function startConformanceStack(): Promise<TestStack> {
  return startTestStack({
    migrationsDir: path.join(import.meta.dirname, "../rest/conformance/migrations"),
    seedFiles: [path.join(import.meta.dirname, "../rest/conformance/seed.sql")],
    services: [restService],
    configOverrides: (config) => ({
      ...config,
      api: { ...config.api, schemas: ["public", "library"], max_rows: MAX_ROWS },
    }),
  })
}

const clientOptions = {
  auth: { persistSession: false, autoRefreshToken: false },
  // Node 20 has no global WebSocket; realtime-js insists on a transport even when unused.
  realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
}

export function anonClient(stack: TestStack, schema = "public") {
  return createClient(stack.url, stack.keys.anonKey, { ...clientOptions, db: { schema } })
}

export async function userToken(
  stack: TestStack,
  sub: string,
  extra: Record<string, unknown> = {}
) {
  const now = Math.floor(Date.now() / 1000)
  return stack.keys.signAccessToken({
    sub,
    role: "authenticated",
    aud: "authenticated",
    iat: now,
    exp: now + 3600,
    ...extra,
  })
}

export function tokenClient(stack: TestStack, token: string, schema = "public") {
  return createClient(stack.url, stack.keys.anonKey, {
    ...clientOptions,
    db: { schema },
    global: { headers: { Authorization: `Bearer ${token}` } },
  })
}

export async function userClient(stack: TestStack, sub: string) {
  return tokenClient(stack, await userToken(stack, sub))
}

/** supabase-js's own fetch, recording the last response's headers for header assertions. */
export function recordingClient(stack: TestStack, token?: string) {
  let last: Response | undefined
  const client = createClient(stack.url, stack.keys.anonKey, {
    ...clientOptions,
    global: {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      fetch: async (input, init) => {
        last = await fetch(input, init)
        return last
      },
    },
  })

  return {
    client,
    header(name: string) {
      return last?.headers.get(name) ?? null
    },
  }
}
