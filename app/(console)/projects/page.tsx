import type { Metadata } from "next"
import { FolderKanban } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import { formatQuantity } from "@/lib/format"
import {
  listProjects,
  type ProjectListItem,
  type ProjectRole,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"
import { RecentList, RecentListItem } from "@/components/shell/recent-list"

export const metadata: Metadata = { title: "Projects" }

const ROLE_LABELS: Record<ProjectRole, string> = {
  owner: "Owner",
  admin: "Admin",
  developer: "Developer",
  viewer: "Viewer",
}

export default async function ProjectsPage() {
  const user = await getCurrentUser()
  // The server client is untyped; the rows it returns are the generated Database's.
  const supabase = await createClient()
  let projects: ProjectListItem[] | null = null
  try {
    projects = await listProjects(supabase, { userId: user.id })
  } catch (error) {
    console.error("[projects]", error)
  }
  const now = new Date().getTime()

  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects you belong to, with their members, roles, invitations and audit log."
      />
      {!projects ? (
        <LoadErrorState what="projects" />
      ) : projects.length === 0 ? (
        <EmptyState
          icon={FolderKanban}
          title="No projects yet"
          description="Projects you create or are invited to will be listed here."
        />
      ) : (
        <RecentList
          title="Your projects"
          summary={`You belong to ${formatQuantity(projects.length, "project")}.`}
        >
          {projects.map((project) => (
            <RecentListItem
              key={project.id}
              title={project.name}
              facts={
                <>
                  <span>
                    Your role:{" "}
                    {project.role ? ROLE_LABELS[project.role] : "none"}
                  </span>
                  <span>{formatQuantity(project.memberCount, "member")}</span>
                  <span>
                    Updated <RelativeTime date={project.updatedAt} now={now} />
                  </span>
                </>
              }
            />
          ))}
        </RecentList>
      )}
    </>
  )
}
