// The console's Content-Security-Policy, built per request in proxy.ts with a fresh nonce, as
// Next 16 documents (guides/content-security-policy): Next reads the nonce back from the
// request's Content-Security-Policy header and puts it on every script it renders. Scripts run
// only with that nonce ('strict-dynamic' lets them load their own chunks); no inline script
// without it, no framing, no plugins.

import { tunnelOrigin } from "@/lib/chat/tunnel"

/** The request header through which the nonce reaches server components (the root layout). */
export const NONCE_HEADER = "x-nonce"

export type CaptchaProvider = "turnstile" | "hcaptcha"

/** Where each CAPTCHA provider's widget loads from and talks to. */
const CAPTCHA_ORIGINS: Record<CaptchaProvider, string[]> = {
  turnstile: ["https://challenges.cloudflare.com"],
  hcaptcha: ["https://hcaptcha.com", "https://*.hcaptcha.com"],
}

/** 128 random bits, base64: unguessable per response. */
export function createNonce(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)

  return btoa(String.fromCharCode(...bytes))
}

export function contentSecurityPolicy({
  nonce,
  supabaseUrl,
  captcha,
  development = false,
  deviceTunnels = [],
}: {
  nonce: string
  /** The browser client talks to Supabase directly: REST, Auth and the Realtime socket. */
  supabaseUrl: string
  captcha?: CaptchaProvider
  /** React's development build evaluates strings for its stack traces. */
  development?: boolean
  /**
   * The signed-in user's own device tunnels, on /chat only (lib/chat/tunnel.ts): the page may
   * call exactly these origins, never any other host.
   */
  deviceTunnels?: string[]
}): string {
  const supabase = new URL(supabaseUrl)
  const realtime = new URL(supabase)
  realtime.protocol = supabase.protocol === "https:" ? "wss:" : "ws:"
  const captchaOrigins = captcha ? CAPTCHA_ORIGINS[captcha] : []

  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": [
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(development ? ["'unsafe-eval'"] : []),
      ...captchaOrigins,
    ],
    // Styles only: Radix and sonner position their popovers with inline style attributes.
    "style-src": ["'self'", "'unsafe-inline'", ...captchaOrigins],
    // Avatars come from the OAuth providers' hosts; icons and charts use data: and blob:;
    // chat attachments are shown straight from Storage by signed URL (docs/storage.md).
    "img-src": ["'self'", "data:", "blob:", "https:", supabase.origin],
    "font-src": ["'self'", "data:"],
    "connect-src": [
      "'self'",
      supabase.origin,
      realtime.origin,
      ...captchaOrigins,
      // Parsed again here: a value that is not an http(s) origin never reaches the header.
      ...new Set(
        deviceTunnels.flatMap((url) => {
          const origin = tunnelOrigin(url)
          return origin ? [origin] : []
        })
      ),
    ],
    "frame-src": captchaOrigins.length > 0 ? captchaOrigins : ["'none'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  }

  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ")
}
