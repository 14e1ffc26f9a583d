"use client"

import * as React from "react"
import Link from "next/link"
import { ArrowDown, ArrowUp } from "lucide-react"

import { formatCount, formatUsd } from "@/lib/format"
import {
  Table,
  TableBody,
  TableCell,
  TableFooter,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"

export type BreakdownRow = {
  key: string
  label: string
  /** Where a click drills down to. */
  href?: string
  messages: number
  input: number
  output: number
  cached: number
  cost: number
  local: number
  cloud: number
  savings: number | null
  localPerMillion: number | null
  tokensPerSecond: number | null
}

type Column = {
  key: Exclude<keyof BreakdownRow, "key" | "href">
  label: string
  format: (value: number) => string
}

const money = (value: number) => formatUsd(value)
const count = (value: number) => formatCount(value)

const COLUMNS: Column[] = [
  { key: "messages", label: "Messages", format: count },
  { key: "input", label: "Input", format: count },
  { key: "output", label: "Output", format: count },
  { key: "cached", label: "Cached", format: count },
  { key: "cost", label: "Cost", format: money },
  { key: "local", label: "Local cost", format: money },
  { key: "localPerMillion", label: "Local $/M out", format: money },
  { key: "cloud", label: "Cloud equivalent", format: money },
  { key: "savings", label: "Savings", format: money },
  { key: "tokensPerSecond", label: "Tokens/s", format: (v) => v.toFixed(1) },
]

/** A breakdown by one dimension, sortable by any column; the first column drills down. */
export function BreakdownTable({
  title,
  dimension,
  rows,
  total,
  totalLabel,
}: {
  title: string
  dimension: string
  rows: BreakdownRow[]
  total?: BreakdownRow
  totalLabel?: string
}) {
  const titleId = React.useId()
  const [sort, setSort] = React.useState<{
    key: Column["key"]
    descending: boolean
  }>({
    key: "cost",
    descending: true,
  })
  const sorted = React.useMemo(() => {
    const value = (row: BreakdownRow) => row[sort.key]
    const out = [...rows].sort((a, b) => {
      const x = value(a)
      const y = value(b)
      if (typeof x === "string" || typeof y === "string")
        return String(x).localeCompare(String(y))
      const difference = (x ?? -Infinity) - (y ?? -Infinity)

      return difference === 0 ? a.label.localeCompare(b.label) : difference
    })

    return sort.descending ? out.reverse() : out
  }, [rows, sort])

  const header = (key: Column["key"], label: string, alignRight = true) => {
    const active = sort.key === key

    return (
      <TableHead
        key={key}
        className={alignRight ? "text-right" : undefined}
        aria-sort={
          active ? (sort.descending ? "descending" : "ascending") : "none"
        }
      >
        <button
          type="button"
          className="inline-flex items-center gap-1 rounded-sm font-medium focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
          onClick={() =>
            setSort({
              key,
              descending: active ? !sort.descending : key !== "label",
            })
          }
        >
          {label}
          {active ? (
            sort.descending ? (
              <ArrowDown className="size-3" aria-hidden="true" />
            ) : (
              <ArrowUp className="size-3" aria-hidden="true" />
            )
          ) : null}
        </button>
      </TableHead>
    )
  }

  return (
    <section aria-labelledby={titleId} className="min-w-0 space-y-2">
      <h2 id={titleId} className="text-lg font-semibold">
        {title}
      </h2>
      <div className="overflow-x-auto rounded-xl border">
        <Table>
          <TableHeader>
            <TableRow>
              {header("label", dimension, false)}
              {COLUMNS.map((column) => header(column.key, column.label))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {sorted.map((row) => (
              <TableRow key={row.key}>
                <TableCell
                  className="max-w-48 truncate font-medium"
                  title={row.label}
                >
                  {row.href ? (
                    <Link
                      href={row.href}
                      className="underline-offset-4 hover:underline"
                    >
                      {row.label}
                    </Link>
                  ) : (
                    row.label
                  )}
                </TableCell>
                {COLUMNS.map((column) => {
                  const value = row[column.key]

                  return (
                    <TableCell
                      key={column.key}
                      className="text-right tabular-nums"
                    >
                      {typeof value === "number" ? column.format(value) : "—"}
                    </TableCell>
                  )
                })}
              </TableRow>
            ))}
          </TableBody>
          {total ? (
            <TableFooter>
              <TableRow>
                <TableCell>{totalLabel}</TableCell>
                {COLUMNS.map((column) => {
                  const value = total[column.key]

                  return (
                    <TableCell
                      key={column.key}
                      className="text-right tabular-nums"
                    >
                      {typeof value === "number" ? column.format(value) : "—"}
                    </TableCell>
                  )
                })}
              </TableRow>
            </TableFooter>
          ) : null}
        </Table>
      </div>
    </section>
  )
}
