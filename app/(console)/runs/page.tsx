import type { Metadata } from "next"
import { Workflow } from "lucide-react"

import {
  listRecentRuns,
  type RecentRuns,
  type RunStatus,
} from "@/lib/runs/queries"
import { createClient } from "@/lib/supabase/server"
import { cn } from "@/lib/utils"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"
import {
  Fact,
  RecentList,
  RecentListItem,
} from "@/components/shell/recent-list"

export const metadata: Metadata = { title: "Runs" }

const STATUS_LABELS: Record<RunStatus, string> = {
  queued: "Queued",
  claimed: "Claimed",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
}

function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span
      className={cn(
        "shrink-0 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
        status === "succeeded" &&
          "border-emerald-500/40 text-emerald-700 dark:text-emerald-400",
        status === "failed" &&
          "border-red-500/40 text-red-700 dark:text-red-400",
        (status === "running" || status === "claimed") &&
          "border-sky-500/40 text-sky-700 dark:text-sky-400"
      )}
    >
      {STATUS_LABELS[status]}
    </span>
  )
}

export default async function RunsPage() {
  // The server client is untyped; the rows it returns are the generated Database's.
  const supabase = await createClient()
  let result: RecentRuns | null = null
  try {
    result = await listRecentRuns(supabase)
  } catch (error) {
    console.error("[runs]", error)
  }
  const now = new Date().getTime()

  return (
    <>
      <PageHeader
        title="Runs"
        description="Ops workflow runs: the queue, runs in progress with live logs, and their history."
      />
      {!result ? (
        <LoadErrorState what="runs" />
      ) : result.total === 0 ? (
        <EmptyState
          icon={Workflow}
          title="No runs yet"
          description="Runs appear here when a project you belong to queues a workflow."
        />
      ) : (
        <RecentList
          title="Latest runs"
          summary={`${result.total.toLocaleString("en")} run${result.total === 1 ? "" : "s"} in your projects; the ${result.runs.length} newest:`}
        >
          {result.runs.map((run) => (
            <RecentListItem
              key={run.id}
              title={run.workflow?.name ?? "Unknown workflow"}
              aside={<RunStatusBadge status={run.status} />}
              facts={
                <>
                  <Fact text={run.project?.name ?? "Unknown project"} />
                  <span>
                    Created <RelativeTime date={run.created_at} now={now} />
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
