import path from "node:path"

import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { type StackOptions } from "../stack"
import { startTestStack, type TestStack } from "./test-stack"

export const STORAGE_FIXTURE_MIGRATIONS = path.join(
  import.meta.dirname,
  "../storage/fixtures/migrations"
)

/** A stack over the Storage fixture project (buckets docs, open, big; folder policies). */
export function startStorageStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  return startTestStack({ migrationsDir: STORAGE_FIXTURE_MIGRATIONS, seedFiles: [], ...options })
}

const clientOptions = {
  auth: { persistSession: false, autoRefreshToken: false },
  // Node 20 has no global WebSocket; realtime-js insists on a transport even when unused.
  realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
}

/** An access token as Supabase Auth mints it, for a user id (and extra claims). */
export async function accessToken(
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

export function storageClient(stack: TestStack, token?: string): SupabaseClient {
  return createClient(stack.url, stack.keys.anonKey, {
    ...clientOptions,
    ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
  })
}

export function serviceClient(stack: TestStack): SupabaseClient {
  return createClient(stack.url, stack.keys.serviceRoleKey, clientOptions)
}
