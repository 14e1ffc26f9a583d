"use client"

import * as React from "react"
import { useSuspenseInfiniteQuery } from "@tanstack/react-query"

import { formatQuantity, formatUsd } from "@/lib/format"
import { createClient } from "@/lib/supabase/client"
import { type SessionRange } from "@/lib/usage/queries"
import { usageSessionsQueryOptions } from "@/lib/usage/query-options"
import { showingText } from "@/lib/usage/wording"
import { Button } from "@/components/ui/button"

/**
 * The range's sessions, costliest first: one page at first (a phone would otherwise scroll
 * past every session of a year), "Show more" reads the next page from the database.
 */
export function UsageSessionList({
  range,
  total,
}: {
  range: SessionRange
  /** How many sessions the range has in all (the headline's count). */
  total: number
}) {
  const list = useSuspenseInfiniteQuery(
    usageSessionsQueryOptions(createClient(), range)
  )
  const sessions = list.data.pages.flatMap((page) => page.sessions)
  // After "Show more", focus moves to the first session it added (as its link mounts), so a
  // keyboard user goes on reading where the list grew rather than from the button.
  const focusIndex = React.useRef<number | null>(null)
  const statusId = React.useId()

  async function handleShowMore() {
    focusIndex.current = sessions.length
    const result = await list.fetchNextPage()
    if (result.isError) focusIndex.current = null
  }

  if (sessions.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        No session matches these filters.
      </p>
    )
  }

  return (
    <div className="space-y-2">
      <ul className="divide-y rounded-xl border" aria-describedby={statusId}>
        {sessions.map((session, index) => (
          <li
            key={session.id}
            className="flex flex-wrap items-center justify-between gap-2 p-3 text-sm"
          >
            {/* A full navigation, not a client one: the route redirects to a #m- fragment, which
                a client-side fetch would drop. */}
            <a
              ref={(element) => {
                if (element && focusIndex.current === index) {
                  focusIndex.current = null
                  element.focus()
                }
              }}
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
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p
          id={statusId}
          role="status"
          className="text-sm text-muted-foreground tabular-nums"
        >
          {showingText(sessions.length, total)}
        </p>
        {list.hasNextPage ? (
          <Button
            variant="outline"
            size="sm"
            disabled={list.isFetchingNextPage}
            onClick={() => void handleShowMore()}
          >
            {list.isFetchingNextPage ? "Loading…" : "Show more"}
          </Button>
        ) : null}
      </div>
      {list.isFetchNextPageError ? (
        <p role="alert" className="text-sm text-destructive">
          Could not load more sessions. Try again.
        </p>
      ) : null}
    </div>
  )
}
