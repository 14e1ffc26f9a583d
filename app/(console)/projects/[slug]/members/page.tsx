import type { Metadata } from "next"

import { getCurrentUser } from "@/lib/auth/current-user"
import { getCurrentProject } from "@/lib/projects/current-project"
import { listMembers } from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { MembersTable } from "@/components/projects/members-table"
import { PermissionMatrix } from "@/components/projects/permission-matrix"

export const metadata: Metadata = { title: "Members" }

export default async function ProjectMembersPage({
  params,
}: {
  params: Promise<{ slug: string }>
}) {
  const { slug } = await params
  const [user, project] = await Promise.all([
    getCurrentUser(),
    getCurrentProject(slug),
  ])
  const supabase = await createClient()
  const members = await listMembers(supabase, { projectId: project.id })

  return (
    <div className="space-y-8">
      <MembersTable
        projectId={project.id}
        projectName={project.name}
        members={members}
        myRole={project.my_role}
        myUserId={user.id}
        now={new Date().getTime()}
      />
      <PermissionMatrix />
    </div>
  )
}
