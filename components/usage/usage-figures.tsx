"use client"

import { useSuspenseQuery } from "@tanstack/react-query"
import { ChartColumn } from "lucide-react"

import { createClient } from "@/lib/supabase/client"
import { derive, type UsageTotals } from "@/lib/usage/dashboard"
import { type SessionRange } from "@/lib/usage/queries"
import {
  usageDashboardQueryOptions,
  usageSessionCountQueryOptions,
  usageSpeedsQueryOptions,
  type UsageView,
} from "@/lib/usage/query-options"
import { eachDay } from "@/lib/usage/range"
import { usageLink } from "@/lib/usage/url"
import { EmptyState } from "@/components/shell/empty-state"

import { BreakdownTable, type BreakdownRow } from "./breakdown-table"
import { Headline } from "./headline"
import { SpeedChart } from "./speed-chart"
import { UsageChart } from "./usage-chart"
import { UsageSessionList } from "./usage-session-list"

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

/**
 * Everything /usage shows for the range: headline, chart, breakdowns, speeds and sessions,
 * read from the queries the server page prefetched (hydrated, so the first paint needs no
 * request from the browser).
 */
export function UsageFigures({
  view,
  sessions,
  previousSessions,
  query,
  deviceNames,
  projectNames,
  emptyTitle,
}: {
  view: UsageView
  sessions: SessionRange
  previousSessions: SessionRange
  /** The page's query string, for the drill-down links. */
  query: string
  deviceNames: Record<string, string>
  projectNames: Record<string, string>
  emptyTitle: string
}) {
  const supabase = createClient()
  const { data: dashboard } = useSuspenseQuery(
    usageDashboardQueryOptions(supabase, view)
  )
  const { data: speeds } = useSuspenseQuery(
    usageSpeedsQueryOptions(supabase, view)
  )
  const { data: sessionCount } = useSuspenseQuery(
    usageSessionCountQueryOptions(supabase, sessions)
  )
  const { data: previousSessionCount } = useSuspenseQuery(
    usageSessionCountQueryOptions(supabase, previousSessions)
  )

  if (dashboard.totals.messages === 0) {
    return (
      <EmptyState
        icon={ChartColumn}
        title={emptyTitle}
        description="Usage is counted from the messages your machines sync, so it starts with the first synced session. Try a longer range or fewer filters."
      />
    )
  }

  const deviceName = (id: string | null) =>
    id ? (deviceNames[id] ?? "Another member's device") : "No device"
  const projectName = (id: string | null) =>
    id ? (projectNames[id] ?? "A project") : "No project"
  const labelOf: Record<string, string> = { ...deviceNames, ...projectNames }

  const modelRows = dashboard.byModel.map((g) =>
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
      <Headline
        totals={dashboard.totals}
        previous={dashboard.previous}
        sessions={{ current: sessionCount, previous: previousSessionCount }}
      />
      <UsageChart
        stack={view.stack}
        allDays={eachDay(view.range.from, view.range.to)}
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
      <BreakdownTable title="By device" dimension="Device" rows={deviceRows} />
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
      <section aria-labelledby="usage-sessions" className="min-w-0 space-y-2">
        <h2 id="usage-sessions" className="text-lg font-semibold">
          Sessions active in the range
        </h2>
        <p className="text-sm text-muted-foreground">
          The costliest first, with each session&apos;s whole totals; opening
          one jumps to its most expensive message.
        </p>
        <UsageSessionList range={sessions} total={sessionCount} />
      </section>
    </>
  )
}
