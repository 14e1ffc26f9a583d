"use client"

import * as React from "react"
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts"

import { formatCount, formatUsd } from "@/lib/format"
import { type Stack } from "@/lib/usage/range"
import { Button } from "@/components/ui/button"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"

import { stackDays, type ChartDay, type ChartMetric } from "./chart-series"
import { OTHER_COLOUR, SERIES_COLOURS } from "./palette"
import { useUsageParams } from "./use-usage-params"

/**
 * Cost or tokens per day stacked by model, device or project: the largest series get their
 * own colour, the rest are "Other". Every chart has a table view with the same numbers.
 */
export function UsageChart({
  days,
  otherDays,
  keyCount,
  allDays,
  stack,
  labelOf,
}: {
  days: ChartDay[]
  /** The keys the database already folded into "Other" (usage_dashboard), per day. */
  otherDays: Omit<ChartDay, "key">[]
  /** How many keys there are in all, the folded ones included. */
  keyCount: number
  allDays: string[]
  stack: Stack
  labelOf: Record<string, string>
}) {
  const { setUsageParams } = useUsageParams()
  const [metric, setMetric] = React.useState<ChartMetric>("cost")
  const [view, setView] = React.useState<"chart" | "table">("chart")
  const titleId = React.useId()

  const { series, rows } = React.useMemo(
    () => stackDays({ days, otherDays, keyCount, allDays, metric }),
    [days, otherDays, keyCount, allDays, metric]
  )

  const name = (key: string) =>
    key === "other"
      ? "Other"
      : key === "none"
        ? `No ${stack}`
        : (labelOf[key] ?? key)
  const format = (value: number) =>
    metric === "cost" ? formatUsd(value) : formatCount(value)

  return (
    <section
      aria-labelledby={titleId}
      className="min-w-0 space-y-3 rounded-xl border p-4"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={titleId} className="text-lg font-semibold">
          {metric === "cost" ? "Cost" : "Tokens"} per day by {stack}
        </h2>
        <div className="flex flex-wrap gap-2">
          <div role="group" aria-label="Measure" className="flex gap-1">
            {(["cost", "tokens"] as const).map((value) => (
              <Button
                key={value}
                size="sm"
                variant={metric === value ? "default" : "outline"}
                aria-pressed={metric === value}
                onClick={() => setMetric(value)}
              >
                {value === "cost" ? "Cost" : "Tokens"}
              </Button>
            ))}
          </div>
          <div role="group" aria-label="Stack by" className="flex gap-1">
            {(["model", "device", "project"] as const).map((value) => (
              <Button
                key={value}
                size="sm"
                variant={stack === value ? "default" : "outline"}
                aria-pressed={stack === value}
                onClick={() => void setUsageParams({ stack: value })}
              >
                By {value}
              </Button>
            ))}
          </div>
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={view === "table"}
            onClick={() => setView(view === "chart" ? "table" : "chart")}
          >
            {view === "chart" ? "Show as table" : "Show as chart"}
          </Button>
        </div>
      </div>
      {view === "chart" ? (
        // The chart is keyboard-reachable (Recharts' accessibilityLayer moves the tooltip
        // with the arrow keys) and described by its table view.
        <div className="h-72 w-full" tabIndex={-1}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={rows}
              accessibilityLayer
              aria-label={`${metric === "cost" ? "Cost" : "Tokens"} per day by ${stack}`}
            >
              <CartesianGrid
                strokeDasharray="3 3"
                stroke="currentColor"
                strokeOpacity={0.15}
              />
              <XAxis
                dataKey="day"
                tick={{ fill: "currentColor", fontSize: 11 }}
                tickFormatter={(d: string) => d.slice(5)}
                minTickGap={16}
              />
              <YAxis
                tick={{ fill: "currentColor", fontSize: 11 }}
                tickFormatter={(v: number) => format(v)}
                width={72}
              />
              <Tooltip
                formatter={(value, key) => [
                  format(Number(value)),
                  name(String(key)),
                ]}
                contentStyle={{
                  background: "var(--popover)",
                  color: "var(--popover-foreground)",
                  borderColor: "var(--border)",
                }}
              />
              {/* Names of any length: cut short, whole on hover, so the legend never widens the page. */}
              <Legend
                formatter={(key: string) => (
                  <span
                    className="inline-block max-w-[14rem] truncate align-bottom"
                    title={name(key)}
                  >
                    {name(key)}
                  </span>
                )}
              />
              {series.map((key, index) => (
                <Bar
                  key={key}
                  dataKey={key}
                  name={key}
                  stackId="usage"
                  fill={
                    key === "other"
                      ? OTHER_COLOUR
                      : SERIES_COLOURS[index % SERIES_COLOURS.length]
                  }
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <div className="max-h-96 overflow-auto">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Day</TableHead>
                {series.map((key) => (
                  <TableHead key={key} className="text-right">
                    {name(key)}
                  </TableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((row) => (
                <TableRow key={String(row.day)}>
                  <TableCell>{String(row.day)}</TableCell>
                  {series.map((key) => (
                    <TableCell key={key} className="text-right tabular-nums">
                      {format(Number(row[key] ?? 0))}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </section>
  )
}
