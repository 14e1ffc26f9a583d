import type { Metadata } from "next"
import { redirect } from "next/navigation"

import { afterSignInPath } from "@/lib/auth/redirects"
import { safeNextPath } from "@/lib/auth/safe-next-path"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { SignOutForm } from "@/components/auth/sign-out-form"

import { AuthCard } from "../../_components/auth-card"
import { SecondFactorForm } from "../../_components/second-factor-form"
import { SecurityKeyStep } from "../../_components/security-key-step"

export const metadata: Metadata = { title: "Second step" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

/**
 * The second sign-in step for an account with an authenticator app or a security key (the
 * person picks when it has both). Signed-out visitors never get here (the proxy sends them to
 * sign-in); console pages send a session that still owes its second step here
 * (lib/auth/current-user.ts).
 */
export default async function SecondStepPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const raw = Array.isArray(params.next) ? params.next[0] : params.next
  const next = safeNextPath(raw)
  const supabase = await createClient()
  // Nothing owed (no second factor, or this session passed it already): straight on.
  const [{ data: owed }, { data: factors }] = await Promise.all([
    supabase.rpc("mfa_step_up_required"),
    supabase.auth.mfa.listFactors(),
  ])
  if (owed !== true) redirect(afterSignInPath(next))
  // Both ways are offered when the factors could not be listed: either may be the account's.
  const hasApp = !factors || factors.totp.length > 0
  const hasKey = !factors || factors.webauthn.length > 0

  return (
    <AuthCard
      title="One more step"
      description={
        hasApp && hasKey
          ? "Your account asks for a code from your authenticator app or your security key."
          : hasKey
            ? "Your account asks for your security key."
            : "Your account asks for a code from your authenticator app."
      }
      footer={
        <SignOutForm scope="local">
          <Button type="submit" variant="link" className="h-auto p-0">
            Sign out instead
          </Button>
        </SignOutForm>
      }
    >
      <div className="grid gap-4">
        {hasApp ? <SecondFactorForm next={next} /> : null}
        {hasApp && hasKey ? (
          <p className="text-center text-sm text-muted-foreground">or</p>
        ) : null}
        {hasKey ? <SecurityKeyStep next={next} primary={!hasApp} /> : null}
      </div>
    </AuthCard>
  )
}
