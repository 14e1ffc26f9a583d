"use client"

import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import { resendInvitation, revokeInvitation } from "@/lib/projects/actions"
import {
  canManageRole,
  ROLE_LABELS,
  type ProjectRole,
} from "@/lib/projects/permissions"
import {
  type InvitationStatus,
  type ProjectInvitation,
} from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { FormMessage } from "@/components/ui/form-message"
import { RelativeTime } from "@/components/shared/relative-time"

import { ConfirmAction } from "./confirm-action"
import { DeniedHint } from "./denied-hint"

const STATUS_LABELS: Record<InvitationStatus, string> = {
  pending: "Pending",
  expired: "Expired",
  accepted: "Accepted",
  revoked: "Revoked",
  declined: "Declined",
}

export function InvitationList({
  invitations,
  myRole,
  now,
}: {
  invitations: ProjectInvitation[]
  myRole: ProjectRole | null
  now: number
}) {
  return (
    <ul className="divide-y rounded-xl border" aria-label="Invitations">
      {invitations.map((invitation) => (
        <InvitationRow
          key={invitation.id}
          invitation={invitation}
          myRole={myRole}
          now={now}
        />
      ))}
    </ul>
  )
}

function InvitationRow({
  invitation,
  myRole,
  now,
}: {
  invitation: ProjectInvitation
  myRole: ProjectRole | null
  now: number
}) {
  const resend = useAction<{ invitationId: string }, { emailSent: boolean }>(
    resendInvitation,
    {
      onSuccess: (data) =>
        data.emailSent
          ? toast.success(
              `Sent a new link to ${invitation.email}; the old one no longer works.`
            )
          : toast.error(
              `Renewed, but the email to ${invitation.email} could not be sent.`
            ),
    }
  )
  const open =
    invitation.status === "pending" || invitation.status === "expired"
  const denied = canManageRole(myRole, invitation.role)
    ? null
    : `Only an owner can manage an invitation as ${ROLE_LABELS[invitation.role]}.`

  return (
    <li className="flex flex-col gap-2 px-4 py-3 md:flex-row md:items-center">
      <div className="min-w-0 flex-1 space-y-1">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
          <span className="truncate" title={invitation.email}>
            {invitation.email}
          </span>
          <Badge
            variant={invitation.status === "pending" ? "default" : "secondary"}
          >
            {STATUS_LABELS[invitation.status]}
          </Badge>
          {invitation.email_failed_at && open && (
            <Badge
              variant="destructive"
              title={invitation.email_error ?? undefined}
            >
              Email failed
            </Badge>
          )}
        </p>
        <p className="flex flex-wrap gap-x-3 text-xs text-muted-foreground">
          <span>{ROLE_LABELS[invitation.role]}</span>
          <span>Invited by {invitation.inviterName ?? "a former member"}</span>
          <span>
            Sent <RelativeTime date={invitation.last_sent_at} now={now} />
            {invitation.send_count > 1 && ` (${invitation.send_count} times)`}
          </span>
          {open && (
            <span>
              {invitation.status === "expired" ? "Expired " : "Expires "}
              <RelativeTime
                date={invitation.expires_at}
                now={now}
                allowFuture
              />
            </span>
          )}
          {invitation.email_error && open && (
            <span>{invitation.email_error}</span>
          )}
        </p>
        <FormMessage tone="error">{formMessage(resend.result)}</FormMessage>
      </div>
      {open && (
        <div className="flex shrink-0 gap-2">
          <DeniedHint reason={denied}>
            <Button
              size="sm"
              variant="secondary"
              disabled={denied !== null || resend.isPending}
              onClick={() => resend.run({ invitationId: invitation.id })}
              aria-label={`Resend the invitation to ${invitation.email}`}
            >
              {resend.isPending ? "Resending…" : "Resend"}
            </Button>
          </DeniedHint>
          <ConfirmAction
            label="Revoke"
            triggerLabel={`Revoke the invitation to ${invitation.email}`}
            title={`Revoke the invitation to ${invitation.email}?`}
            description="Its link stops working at once. You can invite the address again later."
            confirmLabel="Revoke invitation"
            pendingLabel="Revoking…"
            action={revokeInvitation}
            payload={{ invitationId: invitation.id }}
            success={`The invitation to ${invitation.email} was revoked.`}
            deniedReason={denied}
            destructive
          />
        </div>
      )}
    </li>
  )
}
