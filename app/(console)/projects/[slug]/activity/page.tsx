import type { Metadata } from "next"
import Link from "next/link"
import { History } from "lucide-react"

import { ACTION_GROUPS, describeActivity } from "@/lib/projects/activity-format"
import { getCurrentProject } from "@/lib/projects/current-project"
import {
  activityFilterSchema,
  displayNames,
  listActivity,
  listMembers,
} from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { Button } from "@/components/ui/button"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState } from "@/components/shell/empty-state"

export const metadata: Metadata = { title: "Activity" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

const single = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value[0] : value

export default async function ProjectActivityPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>
  searchParams: SearchParams
}) {
  const { slug } = await params
  const raw = await searchParams
  const filter = activityFilterSchema.parse({
    actor: single(raw.actor) || undefined,
    action: single(raw.action) || undefined,
    before: single(raw.before) || undefined,
  })
  const project = await getCurrentProject(slug)
  const supabase = await createClient()
  const [page, members] = await Promise.all([
    listActivity(supabase, { projectId: project.id, filter }),
    listMembers(supabase, { projectId: project.id }),
  ])
  const subjectIds = page.entries.flatMap((entry) =>
    ["user_id", "to_user_id"].flatMap((key) => {
      const value = entry.details[key]
      return typeof value === "string" ? [value] : []
    })
  )
  const names = await displayNames(supabase, subjectIds)
  const now = new Date().getTime()
  const base = `/projects/${project.slug}/activity`
  const keep = new URLSearchParams()
  if (filter.actor) keep.set("actor", filter.actor)
  if (filter.action) keep.set("action", filter.action)
  const next = new URLSearchParams(keep)
  if (page.nextCursor) next.set("before", page.nextCursor)

  return (
    <div className="space-y-4">
      <form
        method="get"
        action={base}
        className="flex flex-col gap-3 sm:flex-row sm:items-end"
      >
        <label className="flex flex-col gap-1 text-sm">
          Who
          <select
            name="actor"
            defaultValue={filter.actor ?? ""}
            className="h-9 rounded-md border border-input bg-transparent px-3 text-sm dark:bg-input/30"
          >
            <option value="">Anyone</option>
            {members.map((member) => (
              <option key={member.user_id} value={member.user_id}>
                {member.display_name || member.email}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm">
          What
          <select
            name="action"
            defaultValue={filter.action ?? ""}
            className="h-9 rounded-md border border-input bg-transparent px-3 text-sm dark:bg-input/30"
          >
            <option value="">Everything</option>
            {ACTION_GROUPS.map((group) => (
              <option key={group.value} value={group.value}>
                {group.label}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
        <Button asChild variant="outline" className="sm:ml-auto">
          <a href={`${base}/export${keep.size ? `?${keep}` : ""}`} download>
            Export CSV
          </a>
        </Button>
      </form>
      {page.entries.length === 0 ? (
        <EmptyState
          icon={History}
          title={filter.before ? "No older entries" : "Nothing recorded"}
          description={
            filter.actor || filter.action
              ? "No entries match these filters."
              : "Role changes, invitations, runs and workflow changes will appear here."
          }
        />
      ) : (
        <ol className="divide-y rounded-xl border" aria-label="Activity">
          {page.entries.map((entry) => (
            <li
              key={entry.id}
              className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-3"
            >
              <p className="min-w-0 flex-1 text-sm break-words">
                <span className="font-medium">
                  {entry.actorName ??
                    (entry.actor_user_id ? "A former member" : "System")}
                </span>{" "}
                {describeActivity(entry.action, entry.details, names)}
              </p>
              <p className="flex shrink-0 gap-2 text-xs text-muted-foreground">
                <code>{entry.action}</code>
                <span>
                  {entry.actor_device_id ? "from a device" : "from the console"}
                </span>
                <RelativeTime date={entry.created_at} now={now} />
              </p>
            </li>
          ))}
        </ol>
      )}
      <nav aria-label="Activity pages" className="flex gap-2">
        {filter.before && (
          <Button asChild variant="outline">
            <Link href={`${base}${keep.size ? `?${keep}` : ""}`}>Newest</Link>
          </Button>
        )}
        {page.nextCursor && (
          <Button asChild variant="outline">
            <Link href={`${base}?${next}`}>Older</Link>
          </Button>
        )}
      </nav>
    </div>
  )
}
