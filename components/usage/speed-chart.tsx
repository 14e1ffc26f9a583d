"use client"

import * as React from "react"
import {
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts"

import { Button } from "@/components/ui/button"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"

import { SERIES_COLOURS } from "./palette"

export type SpeedItem = {
  label: string
  hours: number
  p10: number
  p50: number
  p90: number
}

/**
 * Tokens per second per model on each device: a floating bar from the 10th to the 90th
 * percentile of hourly averages, the median in the table view and tooltip.
 */
export function SpeedChart({ items }: { items: SpeedItem[] }) {
  const [view, setView] = React.useState<"chart" | "table">("chart")
  const titleId = React.useId()
  const data = items.map((item) => ({
    ...item,
    range: [Math.round(item.p10), Math.round(item.p90)] as [number, number],
  }))

  return (
    <section
      aria-labelledby={titleId}
      className="min-w-0 space-y-3 rounded-xl border p-4"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={titleId} className="text-lg font-semibold">
          Tokens per second by model and device
        </h2>
        <Button
          size="sm"
          variant="ghost"
          aria-pressed={view === "table"}
          onClick={() => setView(view === "chart" ? "table" : "chart")}
        >
          {view === "chart" ? "Show as table" : "Show as chart"}
        </Button>
      </div>
      <p className="text-sm text-muted-foreground">
        The spread of hourly averages: 10th to 90th percentile, median on hover.
      </p>
      {items.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          No messages in this range reported a speed.
        </p>
      ) : view === "chart" ? (
        <div
          style={{ height: Math.max(160, items.length * 28 + 40) }}
          className="w-full"
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={data}
              layout="vertical"
              accessibilityLayer
              aria-label="Tokens per second by model and device"
            >
              <CartesianGrid
                strokeDasharray="3 3"
                stroke="currentColor"
                strokeOpacity={0.15}
              />
              <XAxis
                type="number"
                tick={{ fill: "currentColor", fontSize: 11 }}
                unit=" t/s"
              />
              <YAxis
                type="category"
                dataKey="label"
                width={180}
                tick={{ fill: "currentColor", fontSize: 11 }}
              />
              <Tooltip
                formatter={(_value, _key, entry) => {
                  const item = entry.payload as SpeedItem

                  return [
                    `${Math.round(item.p10)}–${Math.round(item.p90)} t/s, median ${Math.round(item.p50)}`,
                    "Speed",
                  ]
                }}
                contentStyle={{
                  background: "var(--popover)",
                  color: "var(--popover-foreground)",
                  borderColor: "var(--border)",
                }}
              />
              <Bar
                dataKey="range"
                fill={SERIES_COLOURS[0]}
                isAnimationActive={false}
              />
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Model on device</TableHead>
              <TableHead className="text-right">Hours</TableHead>
              <TableHead className="text-right">p10</TableHead>
              <TableHead className="text-right">Median</TableHead>
              <TableHead className="text-right">p90</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <TableRow key={item.label}>
                <TableCell>{item.label}</TableCell>
                <TableCell className="text-right tabular-nums">
                  {item.hours}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {item.p10.toFixed(1)}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {item.p50.toFixed(1)}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {item.p90.toFixed(1)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  )
}
