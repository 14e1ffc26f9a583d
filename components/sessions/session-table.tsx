"use client"

import * as React from "react"
import Link from "next/link"
import { Pin, Wrench } from "lucide-react"

import { formatCount, formatQuantity, formatUsd } from "@/lib/format"
import { sessionModels, type SessionListItem } from "@/lib/sessions/queries"
import { cn } from "@/lib/utils"
import { Badge } from "@/components/ui/badge"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import { RelativeTime } from "@/components/shared/relative-time"

import { SessionRowActions } from "./session-row-actions"
import { sessionTitle } from "./session-title"

type SessionRowsProps = {
  userId: string
  sessions: SessionListItem[]
  now: number
  selected: ReadonlySet<string>
  updated: ReadonlySet<string>
  onToggle: (id: string, checked: boolean) => void
  onToggleAll: (checked: boolean) => void
}

/**
 * The list: a table from the md breakpoint up, one card per session below it (a phone has
 * no room for eight columns). Only one of the two is displayed, so assistive tech and the
 * keyboard meet each session once.
 */
export function SessionTable({
  className,
  ...props
}: SessionRowsProps & { className?: string }) {
  return (
    <div className={className}>
      <SessionDesktopTable {...props} className="hidden md:block" />
      <SessionCards {...props} className="md:hidden" />
    </div>
  )
}

function SelectBox({
  label,
  checked,
  onChange,
  indeterminate = false,
}: {
  label: string
  checked: boolean
  onChange: (checked: boolean) => void
  indeterminate?: boolean
}) {
  const ref = React.useRef<HTMLInputElement>(null)
  React.useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate
  }, [indeterminate])

  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={label}
      checked={checked}
      onChange={(event) => onChange(event.target.checked)}
      className="size-4 cursor-pointer rounded border-input accent-primary focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
    />
  )
}

function TitleCell({
  session,
  isUpdated,
}: {
  session: SessionListItem
  isUpdated: boolean
}) {
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <div className="flex min-w-0 items-center gap-2">
        {session.pinned_at ? (
          <Pin
            className="size-3.5 shrink-0 text-muted-foreground"
            aria-label="Pinned"
          />
        ) : null}
        <Link
          href={`/sessions/${session.id}`}
          title={sessionTitle(session.title)}
          className="truncate font-medium underline-offset-4 hover:underline focus-visible:underline"
        >
          {sessionTitle(session.title)}
        </Link>
        {isUpdated ? (
          <Badge
            variant="outline"
            className="shrink-0 border-emerald-500/50 text-emerald-700 dark:text-emerald-400"
          >
            Updated
          </Badge>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
        {session.project_name ? (
          <Badge variant="secondary">{session.project_name}</Badge>
        ) : null}
        {session.archived_at ? <Badge variant="outline">Archived</Badge> : null}
        {session.has_tool_calls ? (
          <span className="inline-flex items-center gap-1">
            <Wrench className="size-3" aria-hidden="true" />
            Tool calls
          </span>
        ) : null}
      </div>
    </div>
  )
}

function Models({ session }: { session: SessionListItem }) {
  const models = sessionModels(session)
  if (models.length === 0)
    return <span className="text-muted-foreground">Not reported</span>

  return (
    <span title={models.join(", ")}>
      {models.slice(0, 2).join(", ")}
      {models.length > 2 ? ` +${models.length - 2}` : ""}
    </span>
  )
}

function SessionDesktopTable({
  userId,
  sessions,
  now,
  selected,
  updated,
  onToggle,
  onToggleAll,
  className,
}: SessionRowsProps & { className?: string }) {
  const selectable = sessions.filter((session) => session.is_mine)
  const allSelected =
    selectable.length > 0 && selectable.every((s) => selected.has(s.id))
  const someSelected = selectable.some((s) => selected.has(s.id))

  return (
    <div className={cn("rounded-xl border", className)}>
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead className="w-10">
              <SelectBox
                label="Select all sessions shown"
                checked={allSelected}
                indeterminate={someSelected && !allSelected}
                onChange={onToggleAll}
              />
            </TableHead>
            <TableHead>Title</TableHead>
            <TableHead>Device</TableHead>
            <TableHead>Model</TableHead>
            <TableHead className="text-right">Messages</TableHead>
            <TableHead className="text-right">Tokens</TableHead>
            <TableHead className="text-right">Cost</TableHead>
            <TableHead>Last activity</TableHead>
            <TableHead>
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {sessions.map((session) => (
            <TableRow
              key={session.id}
              data-state={selected.has(session.id) ? "selected" : undefined}
            >
              <TableCell>
                {session.is_mine ? (
                  <SelectBox
                    label={`Select ${sessionTitle(session.title)}`}
                    checked={selected.has(session.id)}
                    onChange={(checked) => onToggle(session.id, checked)}
                  />
                ) : null}
              </TableCell>
              <TableCell className="max-w-80">
                <TitleCell
                  session={session}
                  isUpdated={updated.has(session.id)}
                />
              </TableCell>
              <TableCell className="max-w-40 truncate">
                {session.device_name ?? (
                  <span className="text-muted-foreground">No device</span>
                )}
              </TableCell>
              <TableCell className="max-w-56 truncate">
                <Models session={session} />
              </TableCell>
              <TableCell className="text-right tabular-nums">
                {session.message_count.toLocaleString("en")}
              </TableCell>
              <TableCell
                className="text-right tabular-nums"
                title={`${session.token_count.toLocaleString("en")} tokens`}
              >
                {formatCount(session.token_count)}
              </TableCell>
              <TableCell className="text-right tabular-nums">
                {formatUsd(session.cost_usd)}
              </TableCell>
              <TableCell>
                <RelativeTime date={session.last_activity_at} now={now} />
              </TableCell>
              <TableCell>
                <SessionRowActions userId={userId} session={session} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  )
}

function SessionCards({
  userId,
  sessions,
  now,
  selected,
  updated,
  onToggle,
  className,
}: SessionRowsProps & { className?: string }) {
  return (
    <ul aria-label="Sessions" className={cn("grid gap-3", className)}>
      {sessions.map((session) => (
        <li
          key={session.id}
          className="flex min-w-0 gap-3 rounded-xl border bg-card p-4 text-card-foreground data-[state=selected]:border-primary"
          data-state={selected.has(session.id) ? "selected" : undefined}
        >
          {session.is_mine ? (
            <div className="pt-0.5">
              <SelectBox
                label={`Select ${sessionTitle(session.title)}`}
                checked={selected.has(session.id)}
                onChange={(checked) => onToggle(session.id, checked)}
              />
            </div>
          ) : null}
          <div className="min-w-0 flex-1 space-y-2">
            <TitleCell session={session} isUpdated={updated.has(session.id)} />
            <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs [&>dd]:min-w-0 [&>dd]:wrap-anywhere">
              <dt className="text-muted-foreground">Device</dt>
              <dd>{session.device_name ?? "No device"}</dd>
              <dt className="text-muted-foreground">Model</dt>
              <dd>
                <Models session={session} />
              </dd>
              <dt className="text-muted-foreground">Messages</dt>
              <dd>{formatQuantity(session.message_count, "message")}</dd>
              <dt className="text-muted-foreground">Tokens · cost</dt>
              <dd>
                {formatCount(session.token_count)} ·{" "}
                {formatUsd(session.cost_usd)}
              </dd>
              <dt className="text-muted-foreground">Last activity</dt>
              <dd>
                <RelativeTime date={session.last_activity_at} now={now} />
              </dd>
            </dl>
            <SessionRowActions
              userId={userId}
              session={session}
              className="-ml-2"
            />
          </div>
        </li>
      ))}
    </ul>
  )
}
