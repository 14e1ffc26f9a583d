"use client"

import * as React from "react"
import {
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
} from "@tanstack/react-query"
import { MessagesSquare, Search, SearchX } from "lucide-react"

import { formatQuantity } from "@/lib/format"
import {
  hasNarrowingFilters,
  SESSION_VIEWS,
  type SessionFilters,
  type SessionView,
} from "@/lib/sessions/filters"
import {
  anySessionQueryOptions,
  sessionFilterOptionsQueryOptions,
  sessionListQueryOptions,
} from "@/lib/sessions/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Skeleton } from "@/components/ui/skeleton"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { useServerNow } from "@/components/shared/use-server-now"
import {
  CommandHint,
  EmptyState,
  LoadErrorState,
} from "@/components/shell/empty-state"

import { DeletedSessionList } from "./deleted-session-list"
import { SessionBulkBar } from "./session-bulk-bar"
import { SessionFiltersBar } from "./session-filters-bar"
import { SessionSearchResults } from "./session-search-results"
import { SessionTable } from "./session-table"
import { useSessionFilters } from "./use-session-filters"
import { useSessionsRealtime } from "./use-sessions-realtime"

export const SYNC_COMMAND = "npm run device -- sync"

const VIEW_LABELS: Record<SessionView, string> = {
  active: "Sessions",
  archived: "Archived",
  deleted: "Recently deleted",
}

/** Relative times tick once a minute; "updated" marks and new rows come from Realtime. */
const CLOCK_TICK_MS = 60_000
const SEARCH_DEBOUNCE_MS = 300

export function SessionList({
  userId,
  serverNow,
  className,
  ...props
}: React.ComponentProps<"div"> & { userId: string; serverNow: string }) {
  const { filters, setFilters } = useSessionFilters()
  const now = useServerNow(serverNow, CLOCK_TICK_MS)
  const options = useQuery(
    sessionFilterOptionsQueryOptions(createClient(), userId)
  )
  const projectIds = React.useMemo(
    () => (options.data?.projects ?? []).map((project) => project.id),
    [options.data]
  )
  const { state: live, updated } = useSessionsRealtime(userId, projectIds)

  return (
    <div className={cn("space-y-4", className)} {...props}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <SearchBox query={filters.q} onSearch={(q) => setFilters({ q })} />
        <LiveIndicator state={live} />
      </div>
      {filters.q ? (
        <SessionSearchResults userId={userId} query={filters.q} now={now} />
      ) : (
        <>
          <ViewSwitch
            view={filters.view}
            onChange={(view) => setFilters({ view })}
          />
          {filters.view === "deleted" ? (
            <DeletedSessionList userId={userId} now={now} />
          ) : (
            <>
              <SessionFiltersBar
                filters={filters}
                options={options.data}
                onChange={setFilters}
              />
              <SessionRows
                userId={userId}
                filters={filters}
                now={now}
                updated={updated}
                projects={options.data?.projects ?? []}
                onClearFilters={() =>
                  setFilters({
                    device: null,
                    model: null,
                    project: null,
                    from: null,
                    to: null,
                    tools: "any",
                  })
                }
              />
            </>
          )}
        </>
      )}
    </div>
  )
}

function SearchBox({
  query,
  onSearch,
}: {
  query: string
  onSearch: (query: string) => void
}) {
  const [text, setText] = React.useState(query)
  const [sent, setSent] = React.useState(query)
  const inputId = React.useId()
  // Follow the URL when it changes from outside (back button, a link), not when it catches up
  // with what was typed: that would drop the keys pressed meanwhile.
  const [lastQuery, setLastQuery] = React.useState(query)
  if (query !== lastQuery) {
    setLastQuery(query)
    if (query !== sent) {
      setSent(query)
      setText(query)
    }
  }
  const search = React.useCallback(
    (value: string) => {
      setSent(value)
      onSearch(value)
    },
    [onSearch]
  )

  React.useEffect(() => {
    if (text.trim() === sent) return
    const timer = setTimeout(() => search(text.trim()), SEARCH_DEBOUNCE_MS)

    return () => clearTimeout(timer)
  }, [text, sent, search])

  return (
    <form
      role="search"
      className="relative w-full max-w-md"
      onSubmit={(event) => {
        event.preventDefault()
        search(text.trim())
      }}
    >
      <label htmlFor={inputId} className="sr-only">
        Search sessions
      </label>
      <Search
        className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
        aria-hidden="true"
      />
      <Input
        id={inputId}
        type="search"
        value={text}
        maxLength={200}
        placeholder="Search titles and messages"
        className="pl-9"
        onChange={(event) => setText(event.target.value)}
      />
    </form>
  )
}

function ViewSwitch({
  view,
  onChange,
}: {
  view: SessionView
  onChange: (view: SessionView) => void
}) {
  return (
    <div
      role="group"
      aria-label="Show"
      className="inline-flex flex-wrap gap-1 rounded-lg bg-muted p-1"
    >
      {SESSION_VIEWS.map((item) => (
        <Button
          key={item}
          size="sm"
          variant={item === view ? "secondary" : "ghost"}
          aria-pressed={item === view}
          className={cn(item === view && "bg-background shadow-sm")}
          onClick={() => onChange(item)}
        >
          {VIEW_LABELS[item]}
        </Button>
      ))}
    </div>
  )
}

function SessionRows({
  userId,
  filters,
  now,
  updated,
  projects,
  onClearFilters,
}: {
  userId: string
  filters: SessionFilters
  now: number
  updated: ReadonlySet<string>
  projects: React.ComponentProps<typeof SessionBulkBar>["projects"]
  onClearFilters: () => void
}) {
  const supabase = createClient()
  const list = useInfiniteQuery({
    ...sessionListQueryOptions(supabase, userId, filters),
    placeholderData: keepPreviousData,
  })
  const [selected, setSelected] = React.useState<ReadonlySet<string>>(
    () => new Set()
  )
  const sessions = React.useMemo(
    () => list.data?.pages.flatMap((page) => page.sessions) ?? [],
    [list.data]
  )
  const isEmpty = list.isSuccess && sessions.length === 0
  const narrowed = hasNarrowingFilters(filters) || filters.view !== "active"
  // "Nothing synced yet" is a claim about the whole account: ask before making it.
  const anySession = useQuery({
    ...anySessionQueryOptions(supabase, userId),
    enabled: isEmpty && !narrowed,
  })

  // A selection holds only rows still on screen (a filter change or a sync moves them).
  const shownIds = React.useMemo(
    () => new Set(sessions.map((session) => session.id)),
    [sessions]
  )
  const selectedIds = [...selected].filter((id) => shownIds.has(id))

  const sentinel = React.useRef<HTMLDivElement>(null)
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list
  React.useEffect(() => {
    const element = sentinel.current
    if (!element || !hasNextPage) return
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage)
        void fetchNextPage()
    })
    observer.observe(element)

    return () => observer.disconnect()
  }, [hasNextPage, isFetchingNextPage, fetchNextPage])

  if (list.isPending) {
    return (
      <div role="status" aria-label="Loading sessions" className="space-y-2">
        {Array.from({ length: 6 }, (_, index) => (
          <Skeleton key={index} className="h-12 w-full" />
        ))}
      </div>
    )
  }
  if (list.isError) return <LoadErrorState what="sessions" />

  if (isEmpty) {
    if (narrowed || anySession.data === true) {
      return (
        <EmptyState
          icon={SearchX}
          title={
            filters.view === "archived"
              ? "No archived sessions match"
              : "No sessions match these filters"
          }
          description={
            filters.view === "archived"
              ? "Archive a session from the list to keep it out of the way; it stays searchable."
              : "Change or clear the filters to see more sessions."
          }
        >
          {hasNarrowingFilters(filters) ? (
            <Button variant="outline" onClick={onClearFilters}>
              Clear filters
            </Button>
          ) : null}
        </EmptyState>
      )
    }
    if (anySession.isPending) return <Skeleton className="h-40 w-full" />
    if (anySession.isError) return <LoadErrorState what="sessions" />

    return (
      <EmptyState
        icon={MessagesSquare}
        title="No sessions synced yet"
        description="Sessions appear here, live, once a paired machine syncs its chats (LM Studio, Open WebUI, a ChatGPT export or our JSONL). On that machine, in the console's repository, run:"
      >
        <CommandHint command={SYNC_COMMAND} />
      </EmptyState>
    )
  }

  const toggle = (id: string, checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current)
      if (checked) next.add(id)
      else next.delete(id)

      return next
    })
  const toggleAll = (checked: boolean) =>
    setSelected(
      checked
        ? new Set(sessions.filter((s) => s.is_mine).map((s) => s.id))
        : new Set()
    )

  return (
    <div
      className={cn("space-y-3", list.isPlaceholderData && "opacity-70")}
      aria-busy={list.isPlaceholderData || list.isFetchingNextPage}
    >
      <p className="sr-only" aria-live="polite">
        {formatQuantity(sessions.length, "session")} shown
        {list.hasNextPage ? ", more below" : ""}
      </p>
      <SessionTable
        userId={userId}
        sessions={sessions}
        now={now}
        selected={selected}
        updated={updated}
        onToggle={toggle}
        onToggleAll={toggleAll}
      />
      {list.hasNextPage ? (
        <div ref={sentinel} className="flex justify-center">
          <Button
            variant="outline"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      ) : (
        <p className="text-center text-xs text-muted-foreground">
          {formatQuantity(sessions.length, "session")}, all shown
        </p>
      )}
      {selectedIds.length > 0 ? (
        <SessionBulkBar
          userId={userId}
          ids={selectedIds}
          archived={filters.view === "archived"}
          projects={projects}
          onDone={() => setSelected(new Set())}
        />
      ) : null}
    </div>
  )
}
