import type { Metadata } from "next"
import Link from "next/link"

import { AUTH_ERROR_COPY, parseAuthErrorKey } from "@/lib/auth/errors"
import { safeNextPath } from "@/lib/auth/safe-next-path"
import { enabledOAuthProviders, getAuthSettings } from "@/lib/auth/settings"
import { FormMessage } from "@/components/ui/form-message"

import { AuthCard } from "../_components/auth-card"
import { OAuthButtons } from "../_components/oauth-buttons"
import { PasskeySignIn } from "../_components/passkey-sign-in"
import { SignInTabs } from "../_components/sign-in-tabs"

export const metadata: Metadata = { title: "Sign in" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

function first(value: string | string[] | undefined) {
  return Array.isArray(value) ? value[0] : value
}

const SIGNED_OUT_COPY: Record<string, string> = {
  "1": "You are signed out.",
  everywhere: "You are signed out on every browser and device.",
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const next = safeNextPath(first(params.next))
  const errorKey = parseAuthErrorKey(first(params.error))
  const signedOut = SIGNED_OUT_COPY[first(params.signed_out) ?? ""]
  const tab = first(params.tab)
  const settings = await getAuthSettings()
  const providers = enabledOAuthProviders(settings)
  const nextQuery = next === "/" ? "" : `?next=${encodeURIComponent(next)}`

  return (
    <AuthCard
      title="Sign in to LMX Console"
      description="Your machines, chats and runs, in one place."
      footer={
        settings.disable_signup ? null : (
          <p>
            New to LMX Console?{" "}
            <Link
              href={`/sign-up${nextQuery}`}
              className="font-medium text-foreground underline underline-offset-4"
            >
              Create an account
            </Link>
          </p>
        )
      }
    >
      {errorKey ? (
        <FormMessage tone="error">{AUTH_ERROR_COPY[errorKey]}</FormMessage>
      ) : null}
      {signedOut ? <FormMessage tone="info">{signedOut}</FormMessage> : null}
      <SignInTabs
        next={next}
        initialTab={tab === "password" ? "password" : "email"}
        startWithCode={tab === "code"}
      />
      {settings.passkeys_enabled ? <PasskeySignIn next={next} /> : null}
      <OAuthButtons providers={providers} next={next} />
    </AuthCard>
  )
}
