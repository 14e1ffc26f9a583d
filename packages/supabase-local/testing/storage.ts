import path from "node:path"

import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { type StackConfig } from "../config"
import { type LocalStack, type StackOptions } from "../stack"
import { startTestStack, type TestStack } from "./test-stack"

export const STORAGE_FIXTURE_MIGRATIONS = path.join(
  import.meta.dirname,
  "../storage/fixtures/migrations"
)

export const STORAGE_FIXTURE_OBJECTS = path.join(import.meta.dirname, "../storage/fixtures/objects")

/** A stack over the Storage fixture project (buckets docs, open, big; folder policies). */
/**
 * The fixture's buckets instead of the app's: one declared in config, seeded from a folder
 * ([storage.buckets.*]); the app's buckets (and their demo objects_path) stay out.
 */
export function storageFixtureConfig(config: StackConfig): StackConfig {
  return {
    ...config,
    storage: {
      ...config.storage,
      buckets: {
        seeded: {
          public: true,
          file_size_limit: "1MiB",
          allowed_mime_types: ["text/plain"],
          objects_path: STORAGE_FIXTURE_OBJECTS,
        },
      },
    },
  }
}

/** No config buckets at all: a suite that counts objects sees only its own. */
export function withoutConfigBuckets(config: StackConfig): StackConfig {
  return { ...config, storage: { ...config.storage, buckets: {} } }
}

export function startStorageStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  return startTestStack({
    migrationsDir: STORAGE_FIXTURE_MIGRATIONS,
    seedFiles: [],
    configOverrides: storageFixtureConfig,
    ...options,
  })
}

/** What a client needs of a stack (a test stack, or one a suite started itself). */
type StackLike = Pick<LocalStack, "url" | "keys">

const clientOptions = {
  auth: { persistSession: false, autoRefreshToken: false },
  // Node 20 has no global WebSocket; realtime-js insists on a transport even when unused.
  realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
}

/** An access token as Supabase Auth mints it, for a user id (and extra claims). */
export async function accessToken(
  stack: StackLike,
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

export function storageClient(stack: StackLike, token?: string): SupabaseClient {
  return createClient(stack.url, stack.keys.anonKey, {
    ...clientOptions,
    ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
  })
}

export function serviceClient(stack: StackLike): SupabaseClient {
  return createClient(stack.url, stack.keys.serviceRoleKey, clientOptions)
}
