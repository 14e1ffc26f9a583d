import type { Metadata } from "next"
import Link from "next/link"
import { dehydrate, HydrationBoundary } from "@tanstack/react-query"

import { getCurrentUser } from "@/lib/auth/current-user"
import { formatCount, formatUsd } from "@/lib/format"
import { getQueryClient } from "@/lib/query-client"
import { createClient } from "@/lib/supabase/server"
import {
  checkBudgets,
  getProfileTimezone,
  getUsageNames,
  getUserAnalytics,
  listRecentActivity,
  rangeInstants,
  resolveProject,
} from "@/lib/usage/queries"
import {
  usageDashboardQueryOptions,
  usageSessionCountQueryOptions,
  usageSessionsQueryOptions,
  usageSpeedsQueryOptions,
} from "@/lib/usage/query-options"
import {
  firstValues,
  PRESET_LABELS,
  previousRange,
  resolveRange,
  usageSearchSchema,
} from "@/lib/usage/range"
import { Button } from "@/components/ui/button"
import { RelativeTime } from "@/components/shared/relative-time"
import { PageHeader } from "@/components/shell/page-header"
import { BrowserTimezone } from "@/components/usage/browser-timezone"
import { BudgetProgress } from "@/components/usage/budget-progress"
import { UsageFigures } from "@/components/usage/usage-figures"
import { UsageToolbar } from "@/components/usage/usage-toolbar"

export const metadata: Metadata = { title: "Usage" }

export default async function UsagePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>
}) {
  const raw = firstValues(await searchParams)
  const search = usageSearchSchema.parse(raw)
  const user = await getCurrentUser()
  const supabase = await createClient()
  const query = new URLSearchParams(
    Object.entries(raw).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string"
    )
  ).toString()

  const [savedTimezone, names] = await Promise.all([
    getProfileTimezone(supabase, user.id),
    getUsageNames(supabase),
  ])
  const timezone = search.tz ?? savedTimezone ?? "UTC"
  // Recent activity says "3 minutes ago" (the exact time on hover), as every list does.
  const now = new Date().getTime()
  const range = resolveRange(search, timezone)
  const before = previousRange(range)
  const projectId = resolveProject(search.project, names)
  const filters = {
    projectId,
    deviceId: search.device ?? null,
    model: search.model ?? null,
  }
  const instants = rangeInstants(range, timezone)
  const previousInstants = rangeInstants(before, timezone)
  const sessionFilter = { userId: user.id, ...filters }
  const sessionRange = { ...sessionFilter, ...instants }
  const previousSessionRange = { ...sessionFilter, ...previousInstants }
  const view = {
    userId: user.id,
    range,
    timezone,
    filters,
    stack: search.stack,
  }
  const queryClient = getQueryClient()

  // Everything the figures show goes to their client component through the cache, awaited:
  // a failed read reaches error.tsx rather than a browser retry without the session cookie.
  const [dashboard, analytics, activity, budgets] = await Promise.all([
    queryClient.fetchQuery(usageDashboardQueryOptions(supabase, view)),
    getUserAnalytics(supabase),
    listRecentActivity(supabase),
    checkBudgets(supabase, timezone),
    queryClient.fetchQuery(usageSpeedsQueryOptions(supabase, view)),
    queryClient.fetchQuery(
      usageSessionCountQueryOptions(supabase, sessionRange)
    ),
    queryClient.fetchQuery(
      usageSessionCountQueryOptions(supabase, previousSessionRange)
    ),
    queryClient.fetchInfiniteQuery(
      usageSessionsQueryOptions(supabase, sessionRange)
    ),
  ])

  const deviceName = (id: string | null) =>
    id ? (names.devices.get(id) ?? "Another member's device") : "No device"
  const projectName = (id: string | null) =>
    id ? (names.projects.get(id) ?? "A project") : "No project"
  const rangeLabel =
    range.preset === "custom"
      ? `${range.from} to ${range.to}`
      : PRESET_LABELS[range.preset].toLowerCase()
  const emptyTitle =
    range.preset === "30d"
      ? "No usage in the last 30 days"
      : `No usage in ${range.preset === "custom" ? "this range" : rangeLabel}`

  return (
    <>
      {search.tz || savedTimezone ? null : <BrowserTimezone />}
      <PageHeader
        title="Usage"
        description="Tokens, cost, local hardware cost and the cloud equivalent by day, model, device, project and session."
      >
        <Button asChild variant="outline">
          <Link href="/usage/prices">Prices and budgets</Link>
        </Button>
      </PageHeader>
      <div className="space-y-6">
        <UsageToolbar
          preset={range.preset}
          from={range.from}
          to={range.to}
          timezone={timezone}
          timezoneIsSaved={savedTimezone === timezone}
          projects={[...names.projects].map(([value, label]) => ({
            value,
            label,
          }))}
          devices={[...names.devices].map(([value, label]) => ({
            value,
            label,
          }))}
          models={[
            ...new Set([
              ...dashboard.byModel.map((g) => g.model ?? "unknown"),
              ...(search.model ? [search.model] : []),
            ]),
          ]
            .sort()
            .map((value) => ({ value, label: value }))}
          selected={{
            project: projectId ?? undefined,
            device: search.device,
            model: search.model,
          }}
        />
        <p className="text-sm text-muted-foreground" id="usage-range">
          {range.from} to {range.to}, days in <strong>{timezone}</strong>
          {projectId ? `, project ${projectName(projectId)}` : ""}
          {search.device ? `, device ${deviceName(search.device)}` : ""}
          {search.model ? `, model ${search.model}` : ""}. Compared with{" "}
          {before.from} to {before.to}.
        </p>
        <BudgetProgress
          budgets={budgets}
          projectName={(id) => projectName(id)}
          timezone={timezone}
        />
        <HydrationBoundary state={dehydrate(queryClient)}>
          <UsageFigures
            view={view}
            sessions={sessionRange}
            previousSessions={previousSessionRange}
            query={query}
            deviceNames={Object.fromEntries(names.devices)}
            projectNames={Object.fromEntries(names.projects)}
            emptyTitle={emptyTitle}
          />
        </HydrationBoundary>
        <div className="grid gap-6 lg:grid-cols-2">
          {analytics ? (
            <section
              aria-labelledby="usage-overview"
              className="min-w-0 space-y-2"
            >
              <h2 id="usage-overview" className="text-lg font-semibold">
                All time
              </h2>
              <dl className="grid grid-cols-2 gap-3">
                {[
                  ["Sessions", formatCount(analytics.session_count)],
                  ["Messages", formatCount(analytics.message_count)],
                  ["Cost", formatUsd(analytics.cost_usd)],
                  ["Devices", formatCount(analytics.device_count)],
                  ["Active days (30 d)", String(analytics.active_days_30d)],
                  ["Top model", analytics.top_model ?? "—"],
                ].map(([label, value]) => (
                  <div key={label} className="min-w-0 rounded-xl border p-3">
                    <dt className="text-xs text-muted-foreground">{label}</dt>
                    <dd className="truncate font-semibold" title={value}>
                      {value}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ) : null}
          <section
            aria-labelledby="usage-activity"
            className="min-w-0 space-y-2"
          >
            <h2 id="usage-activity" className="text-lg font-semibold">
              Recent activity
            </h2>
            {activity.length === 0 ? (
              <p className="text-sm text-muted-foreground">
                No activity recorded yet.
              </p>
            ) : (
              <ul className="divide-y rounded-xl border text-sm">
                {activity.map((item) => (
                  <li
                    key={`${item.kind}:${item.id}`}
                    className="flex justify-between gap-2 p-2"
                  >
                    <span className="min-w-0 truncate">
                      {item.kind === "session" ? (
                        <Link
                          className="underline-offset-4 hover:underline"
                          href={`/sessions/${item.id}`}
                        >
                          {item.summary || "Untitled session"}
                        </Link>
                      ) : (
                        item.summary
                      )}
                    </span>
                    <RelativeTime
                      date={item.at}
                      now={now}
                      className="shrink-0 text-muted-foreground"
                    />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
    </>
  )
}
