import Link from "next/link"
import { ChevronLeft } from "lucide-react"

import { getCurrentProject } from "@/lib/projects/current-project"
import { ProjectTabs } from "@/components/projects/project-tabs"
import { RoleBadge } from "@/components/projects/role-badge"

export default async function ProjectLayout({
  params,
  children,
}: {
  params: Promise<{ slug: string }>
  children: React.ReactNode
}) {
  const { slug } = await params
  const project = await getCurrentProject(slug)

  return (
    <div className="space-y-6">
      <div className="space-y-2">
        <Link
          href="/projects"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ChevronLeft aria-hidden="true" className="size-4" />
          Projects
        </Link>
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="text-2xl font-semibold tracking-tight break-words">
            {project.name}
          </h1>
          {project.my_role && <RoleBadge role={project.my_role} />}
        </div>
        {project.description && (
          <p className="text-sm text-muted-foreground">{project.description}</p>
        )}
      </div>
      <ProjectTabs slug={project.slug} />
      {children}
    </div>
  )
}
