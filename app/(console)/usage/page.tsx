import type { Metadata } from "next"
import Link from "next/link"
import { ChartColumn } from "lucide-react"

import { getCurrentUser } from "@/lib/auth/current-user"
import { formatCount, formatQuantity, formatUsd } from "@/lib/format"
import { createClient } from "@/lib/supabase/server"
import {
  derive,
  getUsageDashboard,
  getUsageSpeeds,
  type UsageGroup,
  type UsageTotals,
} from "@/lib/usage/dashboard"
import {
  checkBudgets,
  countSessionsInRange,
  getProfileTimezone,
  getUsageNames,
  getUserAnalytics,
  listRecentActivity,
  listSessionsInRange,
  rangeInstants,
  resolveProject,
} from "@/lib/usage/queries"
import {
  eachDay,
  firstValues,
  PRESET_LABELS,
  previousRange,
  resolveRange,
  usageSearchSchema,
} from "@/lib/usage/range"
import { usageLink } from "@/lib/usage/url"
import { Button } from "@/components/ui/button"
import { EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"
import {
  BreakdownTable,
  type BreakdownRow,
} from "@/components/usage/breakdown-table"
import { BrowserTimezone } from "@/components/usage/browser-timezone"
import { BudgetProgress } from "@/components/usage/budget-progress"
import { Headline } from "@/components/usage/headline"
import { SpeedChart } from "@/components/usage/speed-chart"
import { UsageChart } from "@/components/usage/usage-chart"
import { UsageToolbar } from "@/components/usage/usage-toolbar"

export const metadata: Metadata = { title: "Usage" }

function row(
  key: string,
  label: string,
  totals: UsageTotals,
  href?: string
): BreakdownRow {
  const figures = derive(totals)

  return {
    key,
    label,
    href,
    messages: totals.messages,
    input: totals.input,
    output: totals.output,
    cached: totals.cached,
    cost: totals.cost,
    local: totals.local,
    cloud: totals.cloud,
    savings: figures.savings,
    localPerMillion: totals.local > 0 ? figures.localPerMillion : null,
    tokensPerSecond: figures.tokensPerSecond,
  }
}

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

  const [
    dashboard,
    speeds,
    sessions,
    sessionCount,
    previousSessionCount,
    analytics,
    activity,
    budgets,
  ] = await Promise.all([
    getUsageDashboard(supabase, {
      range,
      timezone,
      filters,
      stack: search.stack,
    }),
    getUsageSpeeds(supabase, { range, timezone, filters }),
    listSessionsInRange(supabase, { ...sessionFilter, ...instants }),
    countSessionsInRange(supabase, { ...sessionFilter, ...instants }),
    countSessionsInRange(supabase, { ...sessionFilter, ...previousInstants }),
    getUserAnalytics(supabase),
    listRecentActivity(supabase),
    checkBudgets(supabase, timezone),
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
  const labelOf: Record<string, string> = {}
  for (const [id, name] of names.devices) labelOf[id] = name
  for (const [id, name] of names.projects) labelOf[id] = name

  const modelRows = dashboard.byModel.map((g: UsageGroup) =>
    row(
      g.model ?? "unknown",
      g.model ?? "unknown",
      g.totals,
      usageLink(query, { model: g.model })
    )
  )
  const deviceRows = dashboard.byDevice.map((g) =>
    row(
      g.deviceId ?? "none",
      deviceName(g.deviceId),
      g.totals,
      g.deviceId ? usageLink(query, { device: g.deviceId }) : undefined
    )
  )
  const projectRows = dashboard.byProject.map((g) =>
    row(
      g.projectId ?? "none",
      projectName(g.projectId),
      g.totals,
      g.projectId ? usageLink(query, { project: g.projectId }) : undefined
    )
  )
  const modelDeviceRows = dashboard.byModelDevice.map((g) =>
    row(
      `${g.model}:${g.deviceId}`,
      `${g.model} on ${deviceName(g.deviceId)}`,
      g.totals
    )
  )
  const total = row("total", "All models", dashboard.totals)

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
        {dashboard.totals.messages === 0 ? (
          <EmptyState
            icon={ChartColumn}
            title={emptyTitle}
            description="Usage is counted from the messages your machines sync, so it starts with the first synced session. Try a longer range or fewer filters."
          />
        ) : (
          <>
            <Headline
              totals={dashboard.totals}
              previous={dashboard.previous}
              sessions={{
                current: sessionCount,
                previous: previousSessionCount,
              }}
            />
            <UsageChart
              stack={search.stack}
              allDays={eachDay(range.from, range.to)}
              labelOf={labelOf}
              days={dashboard.days}
              otherDays={dashboard.otherDays}
              keyCount={dashboard.keyCount}
            />
            <BreakdownTable
              title="By model"
              dimension="Model"
              rows={modelRows}
              total={total}
              totalLabel="All models"
            />
            <BreakdownTable
              title="By device"
              dimension="Device"
              rows={deviceRows}
            />
            <BreakdownTable
              title="By project"
              dimension="Project"
              rows={projectRows}
            />
            <BreakdownTable
              title="By model on each device"
              dimension="Model on device"
              rows={modelDeviceRows}
            />
            <SpeedChart
              items={speeds.map((s) => ({
                label: `${s.model} on ${deviceName(s.deviceId)}`,
                hours: s.hours,
                p10: s.p10,
                p50: s.p50,
                p90: s.p90,
              }))}
            />
            <section
              aria-labelledby="usage-sessions"
              className="min-w-0 space-y-2"
            >
              <h2 id="usage-sessions" className="text-lg font-semibold">
                Sessions active in the range
              </h2>
              <p className="text-sm text-muted-foreground">
                The costliest first, with each session&apos;s whole totals;
                opening one jumps to its most expensive message.
              </p>
              {sessions.length === 0 ? (
                <p className="text-sm text-muted-foreground">
                  No session matches these filters.
                </p>
              ) : (
                <ul className="divide-y rounded-xl border">
                  {sessions.map((session) => (
                    <li
                      key={session.id}
                      className="flex flex-wrap items-center justify-between gap-2 p-3 text-sm"
                    >
                      {/* A full navigation, not a client one: the route redirects to a #m- fragment, which
                          a client-side fetch would drop. */}
                      <a
                        href={`/usage/sessions/${session.id}`}
                        className="min-w-0 truncate font-medium underline-offset-4 hover:underline"
                      >
                        {session.title || "Untitled session"}
                      </a>
                      <span className="flex max-w-full min-w-0 items-center gap-1 text-muted-foreground tabular-nums">
                        <span
                          className="min-w-0 truncate"
                          title={session.model ?? undefined}
                        >
                          {session.model ?? "unknown model"}
                        </span>
                        <span className="shrink-0">
                          · {formatQuantity(session.message_count, "message")} ·{" "}
                          {formatUsd(session.cost_usd)}
                        </span>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </>
        )}
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
                    <time
                      dateTime={item.at}
                      title={item.at}
                      className="shrink-0 text-muted-foreground"
                    >
                      {new Date(item.at).toLocaleString("en", {
                        timeZone: timezone,
                        dateStyle: "medium",
                        timeStyle: "short",
                      })}
                    </time>
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
