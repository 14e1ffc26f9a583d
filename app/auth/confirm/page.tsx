import type { Metadata } from "next"
import Link from "next/link"

import { confirmEmailLink } from "@/lib/auth/actions"
import { confirmSchema, type EmailOtpType } from "@/lib/auth/schema"
import { Button } from "@/components/ui/button"
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from "@/components/ui/card"
import { SubmitButton } from "@/components/auth/submit-button"
import { Brand } from "@/components/shell/brand"

export const metadata: Metadata = {
  title: "Confirm",
  // The token hash is in this page's URL: keep it out of Referer headers and
  // search indexes.
  referrer: "no-referrer",
  robots: { index: false, follow: false },
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>

// What the link confirms, in the words of the email it came from: a sign-up's
// confirmation (type signup, supabase/templates/confirmation.html) is not a sign-in.
const LINK_COPY: Record<EmailOtpType, { title: string; description: string }> =
  {
    email: {
      title: "Sign in to LMX Console",
      description: "Press Continue to sign in. The link works once.",
    },
    magiclink: {
      title: "Sign in to LMX Console",
      description: "Press Continue to sign in. The link works once.",
    },
    signup: {
      title: "Confirm your email",
      description:
        "Press Continue to confirm this address and finish creating your account. The link works once.",
    },
    invite: {
      title: "Accept the invitation",
      description:
        "Press Continue to accept the invitation and open your account. The link works once.",
    },
    recovery: {
      title: "Reset your password",
      description:
        "Press Continue, then choose a new password. The link works once.",
    },
    email_change: {
      title: "Confirm your new email",
      description:
        "Press Continue to confirm the change of your sign-in address. The link works once.",
    },
  }

// Rendering this page spends nothing: mail scanners and link previews fetch
// email links with GET, so the single-use token is only verified when the
// person presses Continue (a POST, through a server action).
export default async function ConfirmPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const single = (value: string | string[] | undefined) =>
    Array.isArray(value) ? value[0] : value
  const parsed = confirmSchema.safeParse({
    token_hash: single(params.token_hash),
    type: single(params.type),
    next: single(params.next),
  })
  const copy = parsed.success ? LINK_COPY[parsed.data.type] : undefined

  return (
    <div className="flex min-h-svh flex-col">
      <header className="flex h-14 items-center px-4 md:px-6">
        <Brand />
      </header>
      <main className="flex flex-1 items-center justify-center p-4">
        <Card className="w-full max-w-sm">
          <CardHeader>
            <CardTitle>
              <h1 className="text-xl">
                {copy ? copy.title : "This link is not valid"}
              </h1>
            </CardTitle>
            <CardDescription>
              {copy
                ? copy.description
                : "It may be incomplete or mistyped. Request a new one, or use the 6-digit code from the same email."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {parsed.success ? (
              <form action={confirmEmailLink}>
                <input
                  type="hidden"
                  name="token_hash"
                  value={parsed.data.token_hash}
                />
                <input type="hidden" name="type" value={parsed.data.type} />
                <input type="hidden" name="next" value={parsed.data.next} />
                <SubmitButton className="w-full" pendingLabel="Confirming…">
                  Continue
                </SubmitButton>
              </form>
            ) : (
              <Button asChild className="w-full">
                <Link href="/sign-in?tab=code">Go to sign in</Link>
              </Button>
            )}
          </CardContent>
        </Card>
      </main>
    </div>
  )
}
