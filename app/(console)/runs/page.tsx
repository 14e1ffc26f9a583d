import type { Metadata } from "next"
import { Workflow } from "lucide-react"

import { CommandHint, EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Runs" }

export default function RunsPage() {
  return (
    <>
      <PageHeader
        title="Runs"
        description="Ops workflow runs: the queue, runs in progress with live logs, and their history."
      />
      <EmptyState
        icon={Workflow}
        title="No runs yet"
        description="Runs appear here when a project queues a workflow. A paired machine picks them up as a worker."
      >
        <CommandHint command="npm run device -- worker" />
      </EmptyState>
    </>
  )
}
