import type { Metadata } from "next"
import { MailPlus } from "lucide-react"

import { getCurrentProject } from "@/lib/projects/current-project"
import { can, PERMISSIONS } from "@/lib/projects/permissions"
import { listInvitations } from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { InvitationList } from "@/components/projects/invitation-list"
import { InviteForm } from "@/components/projects/invite-form"
import { EmptyState } from "@/components/shell/empty-state"

export const metadata: Metadata = { title: "Invitations" }

export default async function ProjectInvitationsPage({
  params,
}: {
  params: Promise<{ slug: string }>
}) {
  const { slug } = await params
  const project = await getCurrentProject(slug)
  const now = new Date()
  const isAdmin = can(project.my_role, "inviteMembers")
  const invitations = isAdmin
    ? await listInvitations(await createClient(), {
        projectId: project.id,
        now,
      })
    : []

  return (
    <div className="space-y-6">
      <InviteForm projectId={project.id} myRole={project.my_role} />
      {!isAdmin ? (
        <p className="text-sm text-muted-foreground">
          {PERMISSIONS.inviteMembers.deniedReason} They also see the
          invitations.
        </p>
      ) : invitations.length === 0 ? (
        <EmptyState
          icon={MailPlus}
          title="No invitations yet"
          description="Invitations you send appear here with their state, including expired and failed ones."
        />
      ) : (
        <InvitationList
          invitations={invitations}
          myRole={project.my_role}
          now={now.getTime()}
        />
      )}
    </div>
  )
}
