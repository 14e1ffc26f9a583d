import "server-only"

import { createClient as createSupabaseClient } from "@supabase/supabase-js"
import { SignJWT } from "jose"

import { type Database } from "@/lib/database.types"
import { getPublicEnv, getServerEnv } from "@/lib/env"
import { DEVICE_API_ROLE } from "@/lib/supabase/device-api-role"
import { serverRealtimeOptions } from "@/lib/supabase/server-realtime"

/** How long a device JWT lives: long enough for one API call, short enough that nothing keeps it. */
export const DEVICE_JWT_TTL_SECONDS = 300

const NO_SESSION = {
  persistSession: false,
  autoRefreshToken: false,
  detectSessionInUrl: false,
} as const

/** Raised when the server has no SUPABASE_JWT_SECRET, so it cannot act for devices or itself. */
export class DeviceJwtUnavailableError extends Error {
  constructor() {
    super(
      "SUPABASE_JWT_SECRET is not set: the device API cannot mint device JWTs"
    )
    this.name = "DeviceJwtUnavailableError"
  }
}

export type DeviceIdentity = { deviceId: string; userId: string }

/** Signs the short-lived JWT a device acts with: the owner's id, plus the device_id claim RLS checks. */
export async function mintDeviceJwt(
  { deviceId, userId }: DeviceIdentity,
  now = Math.floor(Date.now() / 1000)
): Promise<string> {
  const secret = getServerEnv().SUPABASE_JWT_SECRET
  if (!secret) throw new DeviceJwtUnavailableError()

  return new SignJWT({
    role: "authenticated",
    device_id: deviceId,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setAudience("authenticated")
    .setIssuedAt(now)
    .setExpirationTime(now + DEVICE_JWT_TTL_SECONDS)
    .sign(new TextEncoder().encode(secret))
}

/**
 * A Supabase client acting as one device (RLS sees the owner plus `device_id`), for device
 * API route handlers after `authenticateDevice`. Console code uses `./server` instead; calls
 * made before a device has credentials use `createDeviceApiClient`.
 */
export async function createDeviceClient(identity: DeviceIdentity) {
  const env = getPublicEnv()
  const token = await mintDeviceJwt(identity)

  return createSupabaseClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    {
      auth: NO_SESSION,
      realtime: serverRealtimeOptions,
      global: { headers: { Authorization: `Bearer ${token}` } },
    }
  )
}

/** How long the device API's own JWT lives: one request's worth of calls. */
export const DEVICE_API_JWT_TTL_SECONDS = 60

/** Signs the short-lived JWT the device API acts with before a device has credentials. */
export async function mintDeviceApiJwt(
  now = Math.floor(Date.now() / 1000)
): Promise<string> {
  const secret = getServerEnv().SUPABASE_JWT_SECRET
  if (!secret) throw new DeviceJwtUnavailableError()

  return new SignJWT({ role: DEVICE_API_ROLE })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + DEVICE_API_JWT_TTL_SECONDS)
    .sign(new TextEncoder().encode(secret))
}

/**
 * A Supabase client acting as the device API itself, for the pairing and device-authentication
 * functions that run before a device has a JWT of its own. Everything else uses
 * `createDeviceClient`.
 */
export async function createDeviceApiClient() {
  const env = getPublicEnv()
  const token = await mintDeviceApiJwt()

  return createSupabaseClient<Database>(
    env.NEXT_PUBLIC_SUPABASE_URL,
    env.supabaseKey,
    {
      auth: NO_SESSION,
      realtime: serverRealtimeOptions,
      global: { headers: { Authorization: `Bearer ${token}` } },
    }
  )
}
