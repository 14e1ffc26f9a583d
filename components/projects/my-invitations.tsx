"use client"

import { useRouter } from "next/navigation"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { acceptInvitation, declineInvitation } from "@/lib/projects/actions"
import { ROLE_LABELS } from "@/lib/projects/permissions"
import { type MyInvitation } from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { RelativeTime } from "@/components/shared/relative-time"

export function MyInvitations({
  invitations,
  now,
}: {
  invitations: MyInvitation[]
  now: number
}) {
  return (
    <section
      aria-labelledby="my-invitations"
      className="space-y-3 rounded-lg border p-4"
    >
      <h2 id="my-invitations" className="text-base font-semibold">
        Invitations for you
      </h2>
      <ul className="divide-y">
        {invitations.map((invitation) => (
          <InvitationRow
            key={invitation.invitation_id}
            invitation={invitation}
            now={now}
          />
        ))}
      </ul>
    </section>
  )
}

function InvitationRow({
  invitation,
  now,
}: {
  invitation: MyInvitation
  now: number
}) {
  const router = useRouter()
  const accept = useAction(acceptInvitation, {
    onSuccess: (data) => {
      toast.success(`You joined ${invitation.project_name}.`)
      if (data.slug) router.push(`/projects/${data.slug}`)
    },
  })
  const decline = useAction(declineInvitation, {
    onSuccess: () =>
      toast.success(`Declined the invitation to ${invitation.project_name}.`),
  })
  const busy = accept.isPending || decline.isPending

  return (
    <li className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0 space-y-0.5">
        <p className="font-medium break-words">{invitation.project_name}</p>
        <p className="text-sm text-muted-foreground">
          {invitation.inviter_name} invited you as{" "}
          {ROLE_LABELS[invitation.role]} · expires{" "}
          <RelativeTime date={invitation.expires_at} now={now} allowFuture />
        </p>
        <FormMessage tone="error">
          {formMessage(accept.result) ?? formMessage(decline.result)}
        </FormMessage>
      </div>
      <div className="flex shrink-0 gap-2">
        <Button
          disabled={busy}
          onClick={() => accept.run({ invitationId: invitation.invitation_id })}
          aria-label={`Accept the invitation to ${invitation.project_name}`}
        >
          Accept
        </Button>
        <Button
          variant="outline"
          disabled={busy}
          onClick={() =>
            decline.run({ invitationId: invitation.invitation_id })
          }
          aria-label={`Decline the invitation to ${invitation.project_name}`}
        >
          Decline
        </Button>
      </div>
    </li>
  )
}
