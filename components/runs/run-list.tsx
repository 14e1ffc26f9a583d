"use client"

import * as React from "react"
import {
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query"
import { SearchX, Workflow } from "lucide-react"

import { formatQuantity } from "@/lib/format"
import { hasRunFilters, type RunFilters } from "@/lib/runs/filters"
import { nextLeaseExpiry } from "@/lib/runs/leases"
import {
  anyRunQueryOptions,
  runFilterOptionsQueryOptions,
  runKeys,
  runListQueryOptions,
} from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Skeleton } from "@/components/ui/skeleton"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { useServerNow } from "@/components/shared/use-server-now"
import { EmptyState, LoadErrorState } from "@/components/shell/empty-state"

import { NO_RUN_FILTERS, RunFiltersBar } from "./run-filters-bar"
import { RunTable } from "./run-table"
import { LEASE_SETTLE_MARGIN_MS } from "./runs-list-sync"
import { StartRunDialog } from "./start-run-dialog"
import { useRunFilters } from "./use-run-filters"
import { useRunsRealtime } from "./use-runs-realtime"

/** Durations and waits of running and queued runs tick every second. */
const CLOCK_TICK_MS = 1_000
/** Rows in the server's HTML: more than a tall screen shows. */
const SERVER_ROWS = 20

export function RunList({
  userId,
  serverNow,
  devices,
  className,
  ...props
}: React.ComponentProps<"div"> & {
  userId: string
  serverNow: string
  devices: { id: string; name: string }[]
}) {
  const { filters, setFilters } = useRunFilters()
  const live = useRunsRealtime(userId)
  const now = useServerNow(serverNow, CLOCK_TICK_MS)
  const options = useQuery(runFilterOptionsQueryOptions(createClient(), userId))

  return (
    <div className={cn("space-y-4", className)} {...props}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <LiveIndicator state={live} />
        {options.data ? (
          <StartRunDialog
            userId={userId}
            workflows={options.data.startable}
            projects={options.data.projects}
          />
        ) : (
          <Skeleton className="h-9 w-36" />
        )}
      </div>
      <RunFiltersBar
        filters={filters}
        options={options.data}
        devices={devices}
        onChange={setFilters}
      />
      <RunRows
        userId={userId}
        filters={filters}
        now={now}
        onClearFilters={() => setFilters(NO_RUN_FILTERS)}
      />
    </div>
  )
}

function RunRows({
  userId,
  filters,
  now,
  onClearFilters,
}: {
  userId: string
  filters: RunFilters
  now: number
  onClearFilters: () => void
}) {
  const supabase = createClient()
  const list = useInfiniteQuery({
    ...runListQueryOptions(supabase, userId, filters),
    placeholderData: keepPreviousData,
  })
  const runs = React.useMemo(
    () => list.data?.pages.flatMap((page) => page.runs) ?? [],
    [list.data]
  )
  // A listed run whose worker stopped renewing its lease: once the lease is past, read the
  // list again, which settles the run (back in the queue, or failed), so an open tab shows it
  // without a reload even when no worker is left to claim. Once per expiry.
  const queryClient = useQueryClient()
  const leaseDue = nextLeaseExpiry(runs)
  const leaseOverdue =
    leaseDue !== null && now >= leaseDue + LEASE_SETTLE_MARGIN_MS
  React.useEffect(() => {
    if (leaseOverdue)
      void queryClient.invalidateQueries({ queryKey: runKeys.lists(userId) })
  }, [leaseOverdue, leaseDue, queryClient, userId])
  const isEmpty = list.isSuccess && runs.length === 0
  const narrowed = hasRunFilters(filters)
  // "No runs yet" is a claim about every project: ask before making it.
  const anyRun = useQuery({
    ...anyRunQueryOptions(supabase, userId),
    enabled: isEmpty && !narrowed,
  })

  // The server's HTML (and the hydrating render, which must match it) holds the first screen
  // of rows; the rest of the page's rows follow once it is live. Each row is drawn twice (the
  // table, and the cards a phone shows), so this halves the first response.
  const mounted = React.useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false
  )
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
      <div role="status" aria-label="Loading runs" className="space-y-2">
        {Array.from({ length: 6 }, (_, index) => (
          <Skeleton key={index} className="h-12 w-full" />
        ))}
      </div>
    )
  }
  if (list.isError) return <LoadErrorState what="runs" />

  if (isEmpty) {
    if (narrowed || anyRun.data === true) {
      return (
        <EmptyState
          icon={SearchX}
          title="No runs match these filters"
          description="Change or clear the filters to see more runs."
        >
          <Button variant="outline" onClick={onClearFilters}>
            Clear filters
          </Button>
        </EmptyState>
      )
    }
    if (anyRun.isPending) return <Skeleton className="h-40 w-full" />
    if (anyRun.isError) return <LoadErrorState what="runs" />

    return (
      <EmptyState
        icon={Workflow}
        title="No runs yet"
        description="Runs appear here, live, when someone in one of your projects runs a workflow: use “Run workflow” above."
      />
    )
  }

  return (
    <div
      className={cn("space-y-3", list.isPlaceholderData && "opacity-70")}
      aria-busy={list.isPlaceholderData || list.isFetchingNextPage}
    >
      <p className="sr-only" aria-live="polite">
        {formatQuantity(runs.length, "run")} shown
        {list.hasNextPage ? ", more below" : ""}
      </p>
      <RunTable runs={mounted ? runs : runs.slice(0, SERVER_ROWS)} now={now} />
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
          {formatQuantity(runs.length, "run")}, all shown
        </p>
      )}
    </div>
  )
}

// Nothing to subscribe to: useSyncExternalStore only tells the server's snapshot (and the
// hydrating render's) from the live one.
function subscribeNever() {
  return () => {}
}
