import type { Metadata } from "next"
import { redirect } from "next/navigation"

import { afterSignInPath } from "@/lib/auth/redirects"
import { safeNextPath } from "@/lib/auth/safe-next-path"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { SignOutForm } from "@/components/auth/sign-out-form"

import { AuthCard } from "../../_components/auth-card"
import { SecondFactorForm } from "../../_components/second-factor-form"

export const metadata: Metadata = { title: "Second step" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

/**
 * The second sign-in step for an account with an authenticator app. Signed-out visitors never
 * get here (the proxy sends them to sign-in); console pages send a session that still owes
 * its second step here (lib/auth/current-user.ts).
 */
export default async function SecondStepPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const raw = Array.isArray(params.next) ? params.next[0] : params.next
  const next = safeNextPath(raw)
  // Nothing owed (no app, or this session passed it already): straight on.
  const { data: owed } = await (
    await createClient()
  ).rpc("mfa_step_up_required")
  if (owed !== true) redirect(afterSignInPath(next))

  return (
    <AuthCard
      title="One more step"
      description="Your account asks for a code from your authenticator app."
      footer={
        <SignOutForm scope="local">
          <Button type="submit" variant="link" className="h-auto p-0">
            Sign out instead
          </Button>
        </SignOutForm>
      }
    >
      <SecondFactorForm next={next} />
    </AuthCard>
  )
}
