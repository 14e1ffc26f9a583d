"use client"

import * as React from "react"
import Link from "next/link"

import { formatDuration, runDurationMs } from "@/lib/runs/format"
import { type RunListItem } from "@/lib/runs/queries"
import { cn } from "@/lib/utils"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import { RelativeTime } from "@/components/shared/relative-time"

import { QueueText } from "./queue-text"
import { RunStatusBadge } from "./run-status-badge"

type RunRowsProps = { runs: RunListItem[]; now: number }

/**
 * The list: a table from the lg breakpoint up, one card per run below it. Only one of the two
 * is displayed, so assistive tech and the keyboard meet each run once.
 */
export function RunTable({
  className,
  ...props
}: RunRowsProps & { className?: string }) {
  return (
    <div className={className}>
      <RunDesktopTable {...props} className="hidden lg:block" />
      <RunCards {...props} className="lg:hidden" />
    </div>
  )
}

function DeviceName({ run }: { run: RunListItem }) {
  if (!run.device_id) return <span className="text-muted-foreground">—</span>
  const name = run.device_name ?? "A member's device"

  // Only the owner has a page for a device; other members' devices are named, not linked.
  return run.device_is_mine ? (
    <Link
      href={`/devices/${run.device_id}`}
      className="block truncate underline-offset-4 hover:underline"
      title={name}
    >
      {name}
    </Link>
  ) : (
    <span className="block truncate" title={name}>
      {name}
    </span>
  )
}

function Duration({ run, now }: { run: RunListItem; now: number }) {
  const ms = runDurationMs(run, now)
  if (ms === null) return <span className="text-muted-foreground">—</span>

  return <span className="tabular-nums">{formatDuration(ms)}</span>
}

function Attempt({ run }: { run: RunListItem }) {
  if (run.attempts === 0)
    return <span className="text-muted-foreground">—</span>

  return (
    <span
      className="tabular-nums"
      title={`Attempt ${run.attempts} of at most ${run.max_attempts}`}
    >
      {run.attempts}/{run.max_attempts}
    </span>
  )
}

function RunDesktopTable({
  runs,
  now,
  className,
}: RunRowsProps & { className?: string }) {
  return (
    <div className={cn("rounded-xl border", className)}>
      <Table className="table-fixed">
        <TableHeader>
          <TableRow>
            <TableHead className="w-32">Status</TableHead>
            <TableHead>Workflow</TableHead>
            <TableHead className="w-36">Requested by</TableHead>
            <TableHead className="w-36">Device</TableHead>
            <TableHead className="w-28">Queued</TableHead>
            <TableHead className="w-28">Started</TableHead>
            <TableHead className="w-24">Duration</TableHead>
            <TableHead className="w-20">Attempt</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {runs.map((run) => (
            <TableRow key={run.id} data-run-id={run.id}>
              <TableCell>
                <RunStatusBadge status={run.status} />
              </TableCell>
              <TableCell className="min-w-0">
                <Link
                  href={`/runs/${run.id}`}
                  className="block truncate font-medium underline-offset-4 hover:underline"
                  title={run.workflow_name}
                >
                  {run.workflow_name}
                </Link>
                <p
                  className="truncate text-xs text-muted-foreground"
                  title={`${run.project_name} · ${run.workflow_kind}`}
                >
                  {run.project_name} · {run.workflow_kind}
                  {run.priority !== 0 ? ` · priority ${run.priority}` : ""}
                </p>
                <QueueText run={run} now={now} />
              </TableCell>
              <TableCell>
                <span
                  className="block truncate"
                  title={run.requested_by_name ?? undefined}
                >
                  {run.requested_by_name ?? "—"}
                </span>
              </TableCell>
              <TableCell>
                <DeviceName run={run} />
              </TableCell>
              <TableCell>
                <RelativeTime date={run.queued_at} now={now} />
              </TableCell>
              <TableCell>
                {run.started_at ? (
                  <RelativeTime date={run.started_at} now={now} />
                ) : (
                  <span className="text-muted-foreground">—</span>
                )}
              </TableCell>
              <TableCell>
                <Duration run={run} now={now} />
              </TableCell>
              <TableCell>
                <Attempt run={run} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  )
}

function RunCards({
  runs,
  now,
  className,
}: RunRowsProps & { className?: string }) {
  return (
    <ul className={cn("space-y-2", className)}>
      {runs.map((run) => (
        <li
          key={run.id}
          data-run-id={run.id}
          className="min-w-0 space-y-1 rounded-xl border p-3"
        >
          <div className="flex min-w-0 items-center justify-between gap-2">
            <Link
              href={`/runs/${run.id}`}
              className="min-w-0 truncate font-medium underline-offset-4 hover:underline"
              title={run.workflow_name}
            >
              {run.workflow_name}
            </Link>
            <RunStatusBadge status={run.status} />
          </div>
          <p
            className="truncate text-xs text-muted-foreground"
            title={run.project_name}
          >
            {run.project_name} · {run.workflow_kind}
            {run.requested_by_name ? ` · ${run.requested_by_name}` : ""}
          </p>
          <QueueText run={run} now={now} />
          <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
            <span>
              Queued <RelativeTime date={run.queued_at} now={now} />
            </span>
            {run.started_at ? (
              <span>
                took <Duration run={run} now={now} />
              </span>
            ) : null}
            {run.attempts > 0 ? (
              <span>
                attempt <Attempt run={run} />
              </span>
            ) : null}
            {run.device_id ? (
              <span className="max-w-full min-w-0 truncate">
                <DeviceName run={run} />
              </span>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  )
}
