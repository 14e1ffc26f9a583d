import type { Metadata } from "next"
import Link from "next/link"

import { safeNextPath } from "@/lib/auth/safe-next-path"
import { getAuthSettings } from "@/lib/auth/settings"
import { FormMessage } from "@/components/ui/form-message"

import { AuthCard } from "../_components/auth-card"
import { SignUpForm } from "../_components/sign-up-form"

export const metadata: Metadata = { title: "Create an account" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const next = safeNextPath(
    Array.isArray(params.next) ? params.next[0] : params.next
  )
  const settings = await getAuthSettings()
  const nextQuery = next === "/" ? "" : `?next=${encodeURIComponent(next)}`

  return (
    <AuthCard
      title="Create your account"
      description="Pair your machines and see your local models' chats, runs and costs."
      footer={
        <p>
          Already have an account?{" "}
          <Link
            href={`/sign-in${nextQuery}`}
            className="font-medium text-foreground underline underline-offset-4"
          >
            Sign in
          </Link>
        </p>
      }
    >
      {settings.disable_signup ? (
        <FormMessage tone="info">
          New accounts cannot be created right now. If you already have one,
          sign in.
        </FormMessage>
      ) : (
        <SignUpForm next={next} />
      )}
    </AuthCard>
  )
}
