import type { Metadata } from "next"
import Link from "next/link"

import { getCurrentProject } from "@/lib/projects/current-project"
import {
  listAdvisories,
  listProjectCatalogueAdvisories,
  listRecentRuns,
  listRecentSessions,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { AdvisoryList } from "@/components/projects/advisory-list"
import { CatalogueMatches } from "@/components/projects/catalogue-matches"
import { RelativeTime } from "@/components/shared/relative-time"
import { RecentList, RecentListItem } from "@/components/shell/recent-list"

export const metadata: Metadata = { title: "Project" }

export default async function ProjectOverviewPage({
  params,
}: {
  params: Promise<{ slug: string }>
}) {
  const { slug } = await params
  const project = await getCurrentProject(slug)
  const supabase = await createClient()
  const [runs, sessions, advisories, catalogueMatches] = await Promise.all([
    listRecentRuns(supabase, { projectId: project.id }),
    listRecentSessions(supabase, { projectId: project.id }),
    listAdvisories(supabase, {
      scope: { kind: "project", projectId: project.id },
      openOnly: true,
    }),
    listProjectCatalogueAdvisories(supabase, { projectId: project.id }),
  ])
  const now = new Date().getTime()
  const query = `?project=${encodeURIComponent(project.slug)}`

  return (
    <div className="space-y-8">
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {[
          ["Members", project.member_count],
          ["Workflows", project.workflow_count],
          ["Runs, last 7 days", project.runs_last_7_days],
          ["Open advisories", advisories.length],
        ].map(([label, value]) => (
          <div key={label} className="rounded-xl border p-3">
            <dt className="text-xs text-muted-foreground">{label}</dt>
            <dd className="text-2xl font-semibold tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      {catalogueMatches.length > 0 && (
        <CatalogueMatches matches={catalogueMatches} now={now} />
      )}
      {advisories.length > 0 && (
        <AdvisoryList
          title="Upgrade advisories for this project"
          advisories={advisories}
          now={now}
        />
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        <RecentList
          title="Recent runs"
          summary={
            runs.length
              ? "The newest runs of this project's workflows."
              : "No runs yet."
          }
        >
          {runs.map((run) => (
            <RecentListItem
              key={run.id}
              title={run.workflow?.name ?? "Workflow"}
              facts={
                <>
                  <span>{run.status}</span>
                  <span>
                    Queued <RelativeTime date={run.queued_at} now={now} />
                  </span>
                </>
              }
            />
          ))}
        </RecentList>
        <RecentList
          title="Recent shared sessions"
          summary={
            sessions.length
              ? "Chat sessions shared into this project."
              : "No sessions are shared into this project."
          }
        >
          {sessions.map((session) => (
            <RecentListItem
              key={session.id}
              title={session.title || "Untitled session"}
              facts={
                <>
                  {session.model && <span>{session.model}</span>}
                  <span>
                    Updated <RelativeTime date={session.updated_at} now={now} />
                  </span>
                </>
              }
            />
          ))}
        </RecentList>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button asChild variant="outline">
          <Link href={`/runs${query}`}>All runs</Link>
        </Button>
        <Button asChild variant="outline">
          <Link href={`/sessions${query}`}>Sessions</Link>
        </Button>
        <Button asChild variant="outline">
          <Link href={`/usage${query}&range=30d`}>Usage, last 30 days</Link>
        </Button>
      </div>
    </div>
  )
}
