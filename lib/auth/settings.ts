import "server-only"

import { getPublicEnv } from "@/lib/env"

import {
  authSettingsSchema,
  OAUTH_PROVIDERS,
  type AuthSettings,
  type OAuthProvider,
} from "./schema"

const FALLBACK: AuthSettings = {
  external: {},
  disable_signup: false,
  passkeys_enabled: false,
}

/**
 * Auth's public settings (which providers are on, whether sign-ups are open),
 * fetched on the server. When Auth cannot be reached the forms still render,
 * with no OAuth buttons rather than buttons that would fail.
 */
export async function getAuthSettings(): Promise<AuthSettings> {
  const env = getPublicEnv()
  try {
    const response = await fetch(
      `${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/settings`,
      {
        headers: { apikey: env.supabaseKey },
        next: { revalidate: 300 },
      }
    )
    if (!response.ok) {
      console.error(`[auth] settings answered ${response.status}`)
      return FALLBACK
    }

    return authSettingsSchema.parse(await response.json())
  } catch (error) {
    console.error("[auth] settings could not be fetched", error)
    return FALLBACK
  }
}

export function enabledOAuthProviders(settings: AuthSettings): OAuthProvider[] {
  return (Object.keys(OAUTH_PROVIDERS) as OAuthProvider[]).filter(
    (provider) => settings.external[provider] === true
  )
}
