import type { Metadata } from "next"
import Link from "next/link"
import { Check, MailX } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import {
  getInvitationPreview,
  invitationTokenParam,
} from "@/lib/projects/invitation-preview"
import { permissionsOf, ROLE_LABELS } from "@/lib/projects/permissions"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from "@/components/ui/card"
import { SignOutForm } from "@/components/auth/sign-out-form"
import { InvitationAccept } from "@/components/projects/invitation-accept"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState } from "@/components/shell/empty-state"

export const metadata: Metadata = {
  title: "Invitation",
  // The token is in this page's URL: keep it out of Referer headers and indexes.
  referrer: "no-referrer",
  robots: { index: false, follow: false },
}

const CLOSED_COPY = {
  expired:
    "This invitation has expired. Ask the person who invited you to resend it.",
  accepted: "This invitation was already accepted.",
  revoked: "This invitation was revoked or replaced by a newer link.",
  declined: "This invitation was declined.",
} as const

// Signed-out visitors never reach this page: proxy.ts sends them to sign-in with this path
// as `next`, and sign-in (or the email's link, which signs in and creates the account)
// brings them back here.
export default async function InvitationPage({
  params,
}: {
  params: Promise<{ token: string }>
}) {
  const { token: raw } = await params
  const user = await getCurrentUser()
  const parsed = invitationTokenParam.safeParse(raw)
  const invitation = parsed.success
    ? await getInvitationPreview(await createClient(), { token: parsed.data })
    : null

  if (!invitation || !parsed.success) {
    return (
      <EmptyState
        icon={MailX}
        title="This invitation link is not valid"
        description="It may have been revoked or replaced by a newer link. Ask the person who invited you to resend it."
      />
    )
  }
  const now = new Date().getTime()
  const wrongAccount =
    user.email.toLowerCase() !== invitation.email.toLowerCase()
      ? `This invitation was sent to ${invitation.email}, and you are signed in as ${user.email}. Sign in with ${invitation.email} to accept it.`
      : null

  return (
    <Card className="mx-auto max-w-2xl">
      <CardHeader>
        <CardTitle>
          <h1 className="text-xl break-words">
            Join {invitation.project_name}
          </h1>
        </CardTitle>
        <CardDescription>
          {invitation.inviter_name} invited {invitation.email} to join as{" "}
          <strong>{ROLE_LABELS[invitation.role]}</strong>.
          {invitation.status === "pending" && (
            <>
              {" "}
              The invitation expires{" "}
              <RelativeTime
                date={invitation.expires_at}
                now={now}
                allowFuture
              />
              .
            </>
          )}
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <section aria-labelledby="role-explained" className="space-y-2">
          <h2 id="role-explained" className="text-sm font-semibold">
            As {ROLE_LABELS[invitation.role]} you can
          </h2>
          <ul className="space-y-1 text-sm">
            {permissionsOf(invitation.role).map((permission) => (
              <li key={permission.label} className="flex gap-2">
                <Check
                  aria-hidden="true"
                  className="mt-0.5 size-4 shrink-0 text-emerald-600"
                />
                {permission.label}
              </li>
            ))}
          </ul>
        </section>
        {invitation.status === "pending" ? (
          <>
            {wrongAccount && (
              <div
                role="alert"
                className="space-y-2 rounded-md border border-destructive/40 bg-destructive/10 p-3 text-sm"
              >
                <p>{wrongAccount}</p>
                <SignOutForm scope="local">
                  <Button type="submit" size="sm" variant="outline">
                    Sign out
                  </Button>
                </SignOutForm>
              </div>
            )}
            <InvitationAccept
              token={parsed.data}
              invitationId={invitation.invitation_id}
              deniedReason={
                wrongAccount ? "Signed in with another email address." : null
              }
            />
          </>
        ) : (
          <div className="space-y-3">
            <p role="status" className="text-sm">
              {CLOSED_COPY[invitation.status]}
            </p>
            <Button asChild variant="outline">
              <Link href="/projects">Your projects</Link>
            </Button>
          </div>
        )}
      </CardContent>
    </Card>
  )
}
