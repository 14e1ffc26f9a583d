import type { Metadata } from "next"
import Link from "next/link"
import { FolderKanban } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import { formatQuantity } from "@/lib/format"
import {
  listMyInvitations,
  listProjects,
  type MyInvitation,
  type ProjectSummary,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { CreateProjectDialog } from "@/components/projects/create-project-form"
import { MyInvitations } from "@/components/projects/my-invitations"
import { RoleBadge } from "@/components/projects/role-badge"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"
import { RecentList, RecentListItem } from "@/components/shell/recent-list"

export const metadata: Metadata = { title: "Projects" }

export default async function ProjectsPage() {
  await getCurrentUser()
  const supabase = await createClient()
  let projects: ProjectSummary[] | null = null
  let invitations: MyInvitation[] = []
  try {
    ;[projects, invitations] = await Promise.all([
      listProjects(supabase),
      listMyInvitations(supabase),
    ])
  } catch (error) {
    console.error("[projects]", error)
  }
  const now = new Date().getTime()

  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects you belong to, with their members, roles, invitations and audit log."
      >
        <div className="flex flex-wrap gap-2">
          <Button asChild variant="outline">
            <Link href="/catalogue">Tools and advisories</Link>
          </Button>
          <CreateProjectDialog />
        </div>
      </PageHeader>
      {invitations.length > 0 && (
        <MyInvitations invitations={invitations} now={now} />
      )}
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
              aside={
                <Button asChild variant="outline" size="sm">
                  <Link
                    href={`/projects/${project.slug}`}
                    aria-label={`Open ${project.name}`}
                  >
                    Open
                  </Link>
                </Button>
              }
              facts={
                <>
                  <span className="inline-flex items-center gap-1">
                    Your role:{" "}
                    {project.my_role ? (
                      <RoleBadge role={project.my_role} />
                    ) : (
                      "none"
                    )}
                  </span>
                  <span>{formatQuantity(project.member_count, "member")}</span>
                  <span>
                    {formatQuantity(project.workflow_count, "workflow")}
                  </span>
                  <span>
                    {formatQuantity(project.runs_last_7_days, "run")} in the
                    last 7 days
                  </span>
                  <span>
                    Last activity{" "}
                    <RelativeTime date={project.last_activity_at} now={now} />
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
