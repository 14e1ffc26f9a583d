"use client"

import { useRouter } from "next/navigation"
import { toast } from "sonner"

import { formMessage } from "@/lib/action-result"
import {
  changeRole,
  removeMember,
  transferOwnership,
} from "@/lib/projects/actions"
import {
  assignableRoles,
  can,
  canManageRole,
  PERMISSIONS,
  ROLE_LABELS,
  type ProjectRole,
} from "@/lib/projects/permissions"
import { type ProjectMember } from "@/lib/projects/queries"
import { useAction } from "@/lib/use-action"
import { FormMessage } from "@/components/ui/form-message"
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { RelativeTime } from "@/components/shared/relative-time"

import { ConfirmAction } from "./confirm-action"
import { DeniedHint } from "./denied-hint"
import { MemberAvatar } from "./member-avatar"
import { useMembersRealtime } from "./use-members-realtime"

type MembersTableProps = {
  projectId: string
  projectName: string
  members: ProjectMember[]
  myRole: ProjectRole | null
  myUserId: string
  now: number
}

export function MembersTable({
  projectId,
  projectName,
  members,
  myRole,
  myUserId,
  now,
}: MembersTableProps) {
  const live = useMembersRealtime(projectId)
  const ownerCount = members.filter((member) => member.role === "owner").length

  return (
    <section aria-labelledby="members-heading" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="members-heading" className="text-lg font-semibold">
          Members ({members.length})
        </h2>
        <LiveIndicator state={live} />
      </div>
      <ul className="divide-y rounded-xl border" aria-label="Members">
        {members.map((member) => (
          <MemberRow
            key={member.membership_id}
            member={member}
            projectId={projectId}
            projectName={projectName}
            myRole={myRole}
            isMe={member.user_id === myUserId}
            ownerCount={ownerCount}
            now={now}
          />
        ))}
      </ul>
    </section>
  )
}

function roleChangeDenied(
  myRole: ProjectRole | null,
  member: ProjectMember,
  isMe: boolean
): string | null {
  if (!can(myRole, "changeRoles")) return PERMISSIONS.changeRoles.deniedReason
  if (isMe) return "Ask another admin or owner to change your own role."
  if (!canManageRole(myRole, member.role)) {
    return "Admins manage roles up to admin; only an owner changes an owner's role."
  }

  return null
}

function MemberRow({
  member,
  projectId,
  projectName,
  myRole,
  isMe,
  ownerCount,
  now,
}: {
  member: ProjectMember
  projectId: string
  projectName: string
  myRole: ProjectRole | null
  isMe: boolean
  ownerCount: number
  now: number
}) {
  const router = useRouter()
  const name = member.display_name || member.email
  const roleChange = useAction<
    { membershipId: string; role: ProjectRole },
    null
  >(changeRole, {
    onSuccess: (_, payload) =>
      toast.success(`${name} is now ${ROLE_LABELS[payload.role]}.`),
  })
  const roleDenied = roleChangeDenied(myRole, member, isMe)
  const removeDenied = !can(myRole, "removeMembers")
    ? PERMISSIONS.removeMembers.deniedReason
    : !canManageRole(myRole, member.role)
      ? "Only an owner can remove an owner."
      : null
  const leaveDenied =
    member.role === "owner" && ownerCount <= 1
      ? "You are the last owner: transfer ownership before leaving."
      : null
  const transferDenied = !can(myRole, "transferOwnership")
    ? PERMISSIONS.transferOwnership.deniedReason
    : null
  const roles = assignableRoles(myRole)

  return (
    <li className="flex flex-col gap-3 px-4 py-3 md:flex-row md:items-center">
      <div className="flex min-w-0 flex-1 items-center gap-3">
        <MemberAvatar
          name={member.display_name}
          email={member.email}
          avatarUrl={member.avatar_url}
        />
        <div className="min-w-0">
          <p className="truncate text-sm font-medium" title={name}>
            {name}
            {isMe && <span className="text-muted-foreground"> (you)</span>}
          </p>
          <p
            className="truncate text-xs text-muted-foreground"
            title={member.email}
          >
            {member.email} · joined{" "}
            <RelativeTime date={member.joined_at} now={now} />
          </p>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <DeniedHint reason={roleDenied}>
          <Select
            value={member.role}
            disabled={roleDenied !== null || roleChange.isPending}
            onValueChange={(value) => {
              const role = roles.find((candidate) => candidate === value)
              if (role)
                roleChange.run({ membershipId: member.membership_id, role })
            }}
          >
            <SelectTrigger className="w-36" aria-label={`Role of ${name}`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {(roleDenied ? [member.role] : roles).map((role) => (
                <SelectItem key={role} value={role}>
                  {ROLE_LABELS[role]}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </DeniedHint>
        {isMe ? (
          <ConfirmAction
            label="Leave"
            triggerLabel={`Leave ${projectName}`}
            title={`Leave ${projectName}?`}
            description="You lose access at once; your queued runs in this project are canceled. An admin can invite you again."
            confirmLabel="Leave project"
            pendingLabel="Leaving…"
            action={removeMember}
            payload={{ membershipId: member.membership_id }}
            success={`You left ${projectName}.`}
            deniedReason={leaveDenied}
            destructive
            onSuccess={() => router.push("/projects")}
          />
        ) : (
          <>
            {member.role !== "owner" && myRole === "owner" && (
              <ConfirmAction
                label="Make owner"
                triggerLabel={`Transfer ownership to ${name}`}
                title={`Transfer ownership to ${name}?`}
                description="They become an owner and you become an admin, in one step."
                confirmLabel="Transfer ownership"
                pendingLabel="Transferring…"
                action={transferOwnership}
                payload={{ projectId, userId: member.user_id }}
                success={`${name} now owns ${projectName}.`}
                deniedReason={transferDenied}
              />
            )}
            <ConfirmAction
              label="Remove"
              triggerLabel={`Remove ${name}`}
              title={`Remove ${name}?`}
              description="They lose access at once and their queued runs in this project are canceled. Nothing of theirs outside the project changes."
              confirmLabel="Remove member"
              pendingLabel="Removing…"
              action={removeMember}
              payload={{ membershipId: member.membership_id }}
              success={`${name} was removed.`}
              deniedReason={removeDenied}
              destructive
            />
          </>
        )}
      </div>
      <FormMessage tone="error" className="md:basis-full">
        {formMessage(roleChange.result)}
      </FormMessage>
    </li>
  )
}
