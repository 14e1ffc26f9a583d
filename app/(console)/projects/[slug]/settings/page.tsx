import type { Metadata } from "next"

import { getCurrentProject } from "@/lib/projects/current-project"
import {
  DeleteProjectForm,
  ProjectSettingsForm,
} from "@/components/projects/project-settings-form"

export const metadata: Metadata = { title: "Project settings" }

export default async function ProjectSettingsPage({
  params,
}: {
  params: Promise<{ slug: string }>
}) {
  const { slug } = await params
  const project = await getCurrentProject(slug)

  return (
    <div className="space-y-6">
      <ProjectSettingsForm project={project} myRole={project.my_role} />
      <DeleteProjectForm project={project} myRole={project.my_role} />
    </div>
  )
}
