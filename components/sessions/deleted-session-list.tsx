"use client"

import * as React from "react"
import { useQuery } from "@tanstack/react-query"
import { RotateCcw, Trash2 } from "lucide-react"

import { formatExactTime, formatQuantity } from "@/lib/format"
import { restoreSessions } from "@/lib/sessions/actions"
import {
  RESTORE_WINDOW_DAYS,
  type DeletedSession,
} from "@/lib/sessions/queries"
import { deletedSessionsQueryOptions } from "@/lib/sessions/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Skeleton } from "@/components/ui/skeleton"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"

import { sessionTitle } from "./session-title"
import { useSessionAction } from "./use-session-action"

/** The caller's sessions deleted in the last 30 days, each with Restore. */
export function DeletedSessionList({
  userId,
  now,
  className,
  ...props
}: React.ComponentProps<"section"> & { userId: string; now: number }) {
  const { data, isPending, isError } = useQuery(
    deletedSessionsQueryOptions(createClient(), userId)
  )
  const headingId = React.useId()

  if (isPending) return <Skeleton className="h-32 w-full" />
  if (isError) return <LoadErrorState what="deleted sessions" />
  if (data.length === 0) {
    return (
      <EmptyState
        icon={Trash2}
        title="Nothing deleted recently"
        description={`Sessions you delete stay here for ${RESTORE_WINDOW_DAYS} days, so you can restore them.`}
      />
    )
  }

  return (
    <section
      aria-labelledby={headingId}
      className={cn("space-y-3", className)}
      {...props}
    >
      <h2 id={headingId} className="text-sm text-muted-foreground">
        Recently deleted: {formatQuantity(data.length, "session")}, restorable
        for {RESTORE_WINDOW_DAYS} days after deletion
      </h2>
      <ul className="grid gap-3" aria-label="Recently deleted sessions">
        {data.map((session) => (
          <DeletedSessionItem
            key={session.id}
            userId={userId}
            session={session}
            now={now}
          />
        ))}
      </ul>
    </section>
  )
}

function DeletedSessionItem({
  userId,
  session,
  now,
}: {
  userId: string
  session: DeletedSession
  now: number
}) {
  const title = sessionTitle(session.title)
  const restore = useSessionAction({
    userId,
    action: restoreSessions,
    done: () => `Restored “${title}”`,
  })
  const until =
    Date.parse(session.deleted_at) + RESTORE_WINDOW_DAYS * 86_400_000

  return (
    <li className="flex min-w-0 flex-wrap items-center justify-between gap-3 rounded-xl border bg-card p-4 text-card-foreground">
      <div className="min-w-0 space-y-1">
        <p className="font-medium wrap-anywhere">{title}</p>
        <p className="text-xs text-muted-foreground">
          {formatQuantity(session.message_count, "message")} · deleted{" "}
          <RelativeTime date={session.deleted_at} now={now} /> · restorable
          until <span suppressHydrationWarning>{formatExactTime(until)}</span>
        </p>
        {restore.result && !restore.result.ok ? (
          <p role="alert" className="text-xs text-destructive">
            {restore.result.message}
          </p>
        ) : null}
      </div>
      <Button
        variant="outline"
        size="sm"
        aria-label={`Restore ${title}`}
        disabled={restore.isPending}
        onClick={() => restore.run({ ids: [session.id] })}
      >
        <RotateCcw aria-hidden="true" />
        Restore
      </Button>
    </li>
  )
}
