"use client"

import * as React from "react"
import Link from "next/link"
import { keepPreviousData, useQuery } from "@tanstack/react-query"
import { SearchX } from "lucide-react"

import { formatQuantity } from "@/lib/format"
import { sessionSearchQueryOptions } from "@/lib/sessions/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Skeleton } from "@/components/ui/skeleton"
import { RelativeTime } from "@/components/shared/relative-time"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"

import { HighlightedExcerpt } from "./highlighted-excerpt"
import { sessionTitle } from "./session-title"

/**
 * Search results grouped by session: each matching message as a link to that message in the
 * session (`#m-<id>`), with its highlighted excerpt. Archived sessions are searched too.
 */
export function SessionSearchResults({
  userId,
  query,
  now,
  className,
  ...props
}: React.ComponentProps<"section"> & {
  userId: string
  query: string
  now: number
}) {
  const { data, isPending, isError, isPlaceholderData } = useQuery({
    ...sessionSearchQueryOptions(createClient(), userId, query),
    placeholderData: keepPreviousData,
  })
  const headingId = React.useId()

  if (isPending) {
    return (
      <div className="space-y-3" aria-busy="true" aria-label="Searching">
        <Skeleton className="h-20 w-full" />
        <Skeleton className="h-20 w-full" />
      </div>
    )
  }
  if (isError) return <LoadErrorState what="search results" />
  if (data.length === 0) {
    return (
      <EmptyState
        icon={SearchX}
        title="No sessions match"
        description={`Nothing in your sessions' titles or messages matches “${query}”. Try fewer or other words; quote a phrase with "…".`}
      />
    )
  }
  const hits = data.reduce((sum, group) => sum + group.hits.length, 0)

  return (
    <section
      aria-labelledby={headingId}
      aria-busy={isPlaceholderData}
      className={cn("space-y-3", isPlaceholderData && "opacity-70", className)}
      {...props}
    >
      <h2 id={headingId} className="text-sm text-muted-foreground">
        {formatQuantity(data.length, "session")} and{" "}
        {formatQuantity(hits, "message")} match “{query}”
      </h2>
      <ul className="space-y-3" aria-label="Search results">
        {data.map((group) => (
          <li
            key={group.sessionId}
            className="min-w-0 rounded-xl border bg-card p-4 text-card-foreground"
          >
            <Link
              href={`/sessions/${group.sessionId}`}
              className="font-medium wrap-anywhere underline-offset-4 hover:underline"
            >
              {sessionTitle(group.title)}
            </Link>
            {group.titleMatched && group.hits.length === 0 ? (
              <p className="text-xs text-muted-foreground">Title matches</p>
            ) : null}
            {group.hits.length > 0 ? (
              <ol className="mt-2 space-y-2">
                {group.hits.map((hit) => (
                  <li key={hit.messageId} className="text-sm">
                    <Link
                      href={`/sessions/${group.sessionId}#m-${hit.messageId}`}
                      className="block rounded-md p-2 hover:bg-muted focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
                    >
                      <span className="mb-1 flex gap-2 text-xs text-muted-foreground capitalize">
                        {hit.role}
                      </span>
                      <HighlightedExcerpt excerpt={hit.excerpt} />
                    </Link>
                    <span className="px-2 text-xs text-muted-foreground">
                      <RelativeTime date={hit.createdAt} now={now} />
                    </span>
                  </li>
                ))}
              </ol>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
