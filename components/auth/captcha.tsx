"use client"

import * as React from "react"

import { CAPTCHA_FIELD } from "@/lib/auth/browser-auth"
import { getPublicEnv } from "@/lib/env"
import { type CaptchaProvider } from "@/lib/security/content-security-policy"

// Supabase Auth's CAPTCHA (Turnstile or hCaptcha), shown only when the deployment configures
// one (NEXT_PUBLIC_CAPTCHA_PROVIDER and NEXT_PUBLIC_CAPTCHA_SITE_KEY, matching [auth.captcha]):
// the provider's widget, rendered explicitly from its own script, writes its token into a
// hidden field that lib/auth/browser-auth.ts sends as captchaToken. A token is good for one
// request, so the widget starts over whenever `resetKey` changes (a form's new result).

type Widget = {
  render(
    element: HTMLElement,
    options: {
      sitekey: string
      callback: (token: string) => void
      "expired-callback": () => void
      "error-callback": () => void
    }
  ): string
  reset(id: string): void
  remove(id: string): void
}

const SCRIPTS: Record<CaptchaProvider, { src: string; global: string }> = {
  turnstile: {
    src: "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit",
    global: "turnstile",
  },
  hcaptcha: {
    src: "https://js.hcaptcha.com/1/api.js?render=explicit",
    global: "hcaptcha",
  },
}

const loading = new Map<CaptchaProvider, Promise<Widget>>()

function widgetOf(provider: CaptchaProvider): Widget | undefined {
  // The provider's script defines this global; nothing else types it.
  return (window as unknown as Record<string, Widget | undefined>)[
    SCRIPTS[provider].global
  ]
}

/** Loads the provider's script once per page; 'strict-dynamic' lets our code add it. */
function loadWidget(provider: CaptchaProvider): Promise<Widget> {
  const existing = loading.get(provider)
  if (existing) return existing
  const promise = new Promise<Widget>((resolve, reject) => {
    const script = document.createElement("script")
    script.src = SCRIPTS[provider].src
    script.async = true
    script.onload = () => {
      const widget = widgetOf(provider)
      if (widget) resolve(widget)
      else reject(new Error(`${provider} did not load`))
    }
    script.onerror = () => reject(new Error(`${provider} did not load`))
    document.head.append(script)
  })
  loading.set(provider, promise)

  return promise
}

export function Captcha({ resetKey }: { resetKey?: unknown }) {
  const env = getPublicEnv()
  const provider = env.NEXT_PUBLIC_CAPTCHA_PROVIDER
  const siteKey = env.NEXT_PUBLIC_CAPTCHA_SITE_KEY
  const container = React.useRef<HTMLDivElement>(null)
  const widgetId = React.useRef<string | null>(null)
  const [token, setToken] = React.useState("")
  const [failed, setFailed] = React.useState(false)

  React.useEffect(() => {
    if (!provider || !siteKey || !container.current) return
    let cancelled = false
    const element = container.current
    loadWidget(provider)
      .then((widget) => {
        if (cancelled) return
        widgetId.current = widget.render(element, {
          sitekey: siteKey,
          callback: setToken,
          "expired-callback": () => setToken(""),
          "error-callback": () => setFailed(true),
        })
      })
      .catch(() => {
        if (!cancelled) setFailed(true)
      })

    return () => {
      cancelled = true
      const id = widgetId.current
      widgetId.current = null
      if (id !== null) widgetOf(provider)?.remove(id)
    }
  }, [provider, siteKey])

  React.useEffect(() => {
    if (resetKey === undefined || !provider || widgetId.current === null) return
    setToken("")
    widgetOf(provider)?.reset(widgetId.current)
  }, [resetKey, provider])

  if (!provider || !siteKey) return null

  return (
    <div className="grid gap-2">
      <div ref={container} />
      <input type="hidden" name={CAPTCHA_FIELD} value={token} />
      {failed ? (
        <p role="alert" className="text-sm text-destructive">
          The check that you are a person could not load. Reload the page, or
          try again later.
        </p>
      ) : null}
    </div>
  )
}
