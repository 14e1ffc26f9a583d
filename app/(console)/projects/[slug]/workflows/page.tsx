import type { Metadata } from "next"
import { Workflow } from "lucide-react"

import { getCurrentProject } from "@/lib/projects/current-project"
import { can, PERMISSIONS } from "@/lib/projects/permissions"
import { listWorkflows } from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { WorkflowEditorDialog } from "@/components/projects/workflow-editor"
import { WorkflowList } from "@/components/projects/workflow-list"
import { EmptyState } from "@/components/shell/empty-state"

export const metadata: Metadata = { title: "Workflows" }

export default async function ProjectWorkflowsPage({
  params,
}: {
  params: Promise<{ slug: string }>
}) {
  const { slug } = await params
  const project = await getCurrentProject(slug)
  const workflows = await listWorkflows(await createClient(), {
    projectId: project.id,
  })
  const editDenied = can(project.my_role, "editWorkflows")
    ? null
    : PERMISSIONS.editWorkflows.deniedReason

  return (
    <div className="space-y-4">
      <div className="flex justify-end">
        <WorkflowEditorDialog
          projectId={project.id}
          deniedReason={editDenied}
        />
      </div>
      {workflows.length === 0 ? (
        <EmptyState
          icon={Workflow}
          title="No workflows yet"
          description="Workflows are the builds, tests, deploys and backups your devices run for this project."
        />
      ) : (
        <WorkflowList
          projectId={project.id}
          workflows={workflows}
          myRole={project.my_role}
          now={new Date().getTime()}
        />
      )}
    </div>
  )
}
