import type { Metadata } from "next"
import { FolderKanban } from "lucide-react"

import { EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Projects" }

export default function ProjectsPage() {
  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects you belong to, with their members, roles, invitations and audit log."
      />
      <EmptyState
        icon={FolderKanban}
        title="No projects yet"
        description="Projects you create or are invited to will be listed here."
      />
    </>
  )
}
