import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type Client } from "@/lib/supabase/types"

// A device's tunnel_url, called straight from the browser when its owner prefers it to the
// relay (docs/chat-relay.md, "Calling the tunnel directly"). Only the owner's own devices:
// public.chat_devices() deliberately gives project members no addresses, and the devices
// policies let only the owner read tunnel_url. The page's CSP connect-src lists exactly these
// origins (proxy.ts), so the browser can reach no other host.

/** The origin of an http(s) tunnel URL, or null for anything else. */
export function tunnelOrigin(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null
    if (parsed.username || parsed.password) return null

    return parsed.origin
  } catch {
    return null
  }
}

/** The base the OpenAI-compatible API is called at: the tunnel URL without a trailing "/" or "/v1". */
export function tunnelApiBase(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "")
}

const tunnelRowSchema = z.object({ id: dbId, tunnel_url: z.string() })

export type ChatTunnel = { deviceId: string; url: string; origin: string }

/** The caller's own devices with a usable tunnel (RLS: the owner's rows only). */
export async function listChatTunnels(supabase: Client): Promise<ChatTunnel[]> {
  const { data, error } = await supabase
    .from("devices")
    .select("id, tunnel_url")
    .not("tunnel_url", "is", null)
    .is("revoked_at", null)
    .limit(200)
  if (error) throw new Error(`listChatTunnels: ${error.message}`)

  return z
    .array(tunnelRowSchema)
    .parse(data ?? [])
    .flatMap((row) => {
      const origin = tunnelOrigin(row.tunnel_url)
      return origin
        ? [{ deviceId: row.id, url: tunnelApiBase(row.tunnel_url), origin }]
        : []
    })
}
