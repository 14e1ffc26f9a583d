"use client"

import * as React from "react"
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query"
import { useVirtualizer } from "@tanstack/react-virtual"
import {
  ArrowDownToLine,
  ChevronDown,
  ChevronRight,
  ChevronUp,
  Download,
  Search,
} from "lucide-react"

import { ansiToSegments, type AnsiSegment } from "@/lib/runs/ansi"
import {
  formatLogClock,
  formatSinceStart,
  formatStepDuration,
} from "@/lib/runs/format"
import {
  buildLogLayout,
  groupsAround,
  type LogGroup,
  type RunEventLike,
} from "@/lib/runs/log-outline"
import {
  LOG_CHUNK_LINES,
  LOG_TAIL_LINES,
  type LogLine,
} from "@/lib/runs/queries"
import {
  runKeys,
  runLogChunkQueryOptions,
  runLogOutlineQueryOptions,
  runLogSearchQueryOptions,
} from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Skeleton } from "@/components/ui/skeleton"

import { useLogRows } from "./use-log-rows"

const ROW_HEIGHT = 20
const SEARCH_DEBOUNCE_MS = 250
type TimeMode = "off" | "clock" | "since"

const chunkOf = (line: number) => Math.floor((line - 1) / LOG_CHUNK_LINES)

/** Splits segments so each case-insensitive occurrence of `needle` becomes a <mark>. */
function highlight(segments: AnsiSegment[], needle: string): React.ReactNode[] {
  if (!needle) return segments.map(renderSegment)
  const text = segments.map((segment) => segment.text).join("")
  const lower = text.toLowerCase()
  const target = needle.toLowerCase()
  const ranges: [number, number][] = []
  for (
    let at = lower.indexOf(target);
    at >= 0;
    at = lower.indexOf(target, at + target.length)
  )
    ranges.push([at, at + target.length])
  if (ranges.length === 0) return segments.map(renderSegment)

  const nodes: React.ReactNode[] = []
  let offset = 0
  segments.forEach((segment, index) => {
    const start = offset
    const end = offset + segment.text.length
    offset = end
    let cursor = start
    const parts: React.ReactNode[] = []
    for (const [from, to] of ranges) {
      if (to <= cursor || from >= end) continue
      if (from > cursor)
        parts.push(segment.text.slice(cursor - start, from - start))
      const stop = Math.min(to, end)
      parts.push(
        <mark
          key={`${index}-${from}`}
          className="rounded-sm bg-yellow-300/70 text-inherit dark:bg-yellow-500/40"
        >
          {segment.text.slice(Math.max(from, cursor) - start, stop - start)}
        </mark>
      )
      cursor = stop
    }
    if (cursor < end) parts.push(segment.text.slice(cursor - start))
    nodes.push(
      <span key={index} className={segment.className || undefined}>
        {parts}
      </span>
    )
  })

  return nodes
}

function renderSegment(segment: AnsiSegment, index: number) {
  return (
    <span key={index} className={segment.className || undefined}>
      {segment.text}
    </span>
  )
}

/**
 * A run's log (docs/runs.md): the tail first, streaming live, virtualised so 100,000 lines
 * scroll as smoothly as 100. Rows are laid out from the outline alone (step groups, attempts,
 * the last line); the lines themselves are read in fixed chunks of 1,000 as they scroll into
 * view. Colours come from ANSI codes through ansiToSegments (text nodes and our classes, never
 * markup from the log).
 */
export function RunLog({
  userId,
  runId,
  startedAt,
  events,
  live,
}: {
  userId: string
  runId: string
  startedAt: string | null
  events: readonly RunEventLike[]
  live: boolean
}) {
  const supabase = createClient()
  const queryClient = useQueryClient()
  const outline = useQuery(runLogOutlineQueryOptions(supabase, userId, runId))
  const layout = React.useMemo(
    () => buildLogLayout(outline.data ?? [], events),
    [outline.data, events]
  )
  const { rows, isExpanded, toggle, reveal } = useLogRows(layout)

  // The server's HTML (and the hydrating render, which must match it) holds the log's last
  // rows only, in plain flow and bottom-aligned (a column-reverse scroller starts at its end),
  // so the page opens at the tail before any script runs. Once live, the virtualised list
  // takes over and follow mode keeps it at the bottom.
  const mounted = React.useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false
  )
  const scrollRef = React.useRef<HTMLDivElement>(null)
  // The virtualizer's functions change with every scroll: React Compiler skips this component
  // (it says so), which is what a virtualised list needs anyway.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 40,
    initialRect: { width: 800, height: 600 },
    // Opens at the tail, as the server's rows do (follow mode then pins it there).
    initialOffset: () => Math.max(0, rows.length * ROW_HEIGHT - 600),
  })
  const items = virtualizer.getVirtualItems()

  const tailRows = React.useMemo(() => rows.slice(-LOG_TAIL_LINES), [rows])
  // The chunks the rows on screen need, read (or kept) through React Query.
  const neededChunks = React.useMemo(() => {
    const chunks = new Set<number>()
    const shown = mounted ? items.map((item) => rows[item.index]) : tailRows
    for (const row of shown) {
      if (row !== undefined && row > 0) chunks.add(chunkOf(row))
    }

    return [...chunks].sort((a, b) => a - b)
  }, [mounted, items, rows, tailRows])
  const chunkQueries = useQueries({
    queries: neededChunks.map((chunk) =>
      runLogChunkQueryOptions(supabase, userId, runId, chunk)
    ),
  })
  const lines = new Map<number, LogLine>()
  chunkQueries.forEach((query) => {
    for (const line of query.data ?? []) lines.set(line.line_no, line)
  })
  // A chunk that lacks a line the outline says exists was read before the line arrived (or
  // the stream dropped it): read it again, at most once a second per chunk.
  const repairs = React.useRef(new Map<number, number>())
  React.useEffect(() => {
    neededChunks.forEach((chunk, index) => {
      const query = chunkQueries[index]
      if (!query?.data || query.isFetching) return
      const first = chunk * LOG_CHUNK_LINES + 1
      const last = Math.min(layout.lastLine, (chunk + 1) * LOG_CHUNK_LINES)
      if (query.data.length >= last - first + 1) return
      const previous = repairs.current.get(chunk) ?? 0
      if (Date.now() - previous < 1000) return
      repairs.current.set(chunk, Date.now())
      void queryClient.invalidateQueries({
        queryKey: runKeys.chunk(userId, runId, chunk),
      })
    })
  })

  // Follow mode: stay at the bottom while lines arrive, until the reader scrolls up.
  const [following, setFollowing] = React.useState(true)
  const lastScrollTop = React.useRef(0)
  const handleScroll = () => {
    const element = scrollRef.current
    if (!element) return
    const atBottom =
      element.scrollHeight - element.scrollTop - element.clientHeight <
      ROW_HEIGHT * 2
    if (element.scrollTop < lastScrollTop.current && !atBottom)
      setFollowing(false)
    else if (atBottom) setFollowing(true)
    lastScrollTop.current = element.scrollTop
  }
  const [target, setTarget] = React.useState<number | null>(null)
  React.useEffect(() => {
    if (mounted && following && target === null && rows.length > 0)
      virtualizer.scrollToIndex(rows.length - 1, { align: "end" })
  }, [mounted, following, target, rows.length, virtualizer])

  // Line permalinks: #L1234 unfolds its groups, scrolls to it and marks it.
  React.useEffect(() => {
    const read = () => {
      const match = /^#L(\d+)$/.exec(window.location.hash)
      if (match) setTarget(Number(match[1]))
    }
    read()
    window.addEventListener("hashchange", read)

    return () => window.removeEventListener("hashchange", read)
  }, [])
  const goTo = React.useCallback(
    (line: number) => {
      setFollowing(false)
      reveal(groupsAround(layout, line))
      setTarget(line)
    },
    [layout, reveal]
  )
  React.useEffect(() => {
    if (target === null) return
    const index = rows.indexOf(target)
    if (index >= 0) {
      setFollowing(false)
      virtualizer.scrollToIndex(index, { align: "center" })
    } else if (target <= layout.lastLine) {
      reveal(groupsAround(layout, target))
    }
  }, [target, rows, layout, reveal, virtualizer])

  // Search: server-side over the log's FTS column, next/previous through the hits.
  const [text, setText] = React.useState("")
  const [query, setQuery] = React.useState("")
  const [hit, setHit] = React.useState(0)
  React.useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(text.trim())
      setHit(0)
    }, SEARCH_DEBOUNCE_MS)

    return () => clearTimeout(timer)
  }, [text])
  const search = useQuery({
    ...runLogSearchQueryOptions(supabase, userId, runId, query),
    enabled: query.length > 0,
  })
  const hits = React.useMemo(() => search.data?.lines ?? [], [search.data])
  const total = search.data?.total ?? 0
  const move = (step: number) => {
    if (hits.length === 0) return
    const next = (hit + step + hits.length) % hits.length
    setHit(next)
    goTo(hits[next]!)
  }
  React.useEffect(() => {
    if (hits.length > 0) goTo(hits[0]!)
  }, [hits, goTo])

  const [timeMode, setTimeMode] = React.useState<TimeMode>("off")
  const start = startedAt ? Date.parse(startedAt) : null
  const searchId = React.useId()
  const timeId = React.useId()

  if (outline.isPending)
    return <Skeleton className="h-96 w-full" aria-label="Loading the log" />
  if (outline.isError)
    return (
      <p role="alert" className="text-sm text-destructive">
        Could not load the log. Reload the page to try again.
      </p>
    )

  const currentHitLine = hits[hit]
  const renderRow = (row: number, style: React.CSSProperties) => {
    if (row < 0)
      return (
        <div
          key={`attempt-${row}`}
          style={style}
          className="flex w-full items-center border-y border-dashed bg-muted/60 px-3 font-sans text-xs font-medium"
        >
          Attempt {-row}
        </div>
      )
    const group = layout.groups.get(row)
    const line = lines.get(row)

    return group ? (
      <GroupHeader
        key={row}
        style={style}
        group={group}
        expanded={isExpanded(row)}
        onToggle={() => toggle(row)}
        marked={row === target}
      />
    ) : (
      <LogRow
        key={row}
        style={style}
        lineNo={row}
        line={line}
        depth={depthOf(layout.groups, line, row, layout)}
        timeMode={timeMode}
        start={start}
        needle={query}
        current={row === currentHitLine}
        marked={row === target}
      />
    )
  }

  return (
    <section
      aria-labelledby={`${searchId}-title`}
      className="min-w-0 space-y-2"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${searchId}-title`} className="text-base font-semibold">
          Log
        </h2>
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <form
            role="search"
            className="flex min-w-0 items-center gap-1"
            onSubmit={(event) => {
              event.preventDefault()
              move(1)
            }}
          >
            <label htmlFor={searchId} className="sr-only">
              Search the log
            </label>
            <div className="relative min-w-0">
              <Search
                aria-hidden="true"
                className="pointer-events-none absolute top-1/2 left-2 size-4 -translate-y-1/2 text-muted-foreground"
              />
              <Input
                id={searchId}
                type="search"
                value={text}
                maxLength={200}
                placeholder="Search the log"
                className="h-8 w-44 pl-8 sm:w-56"
                onChange={(event) => setText(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" && event.shiftKey) {
                    event.preventDefault()
                    move(-1)
                  }
                }}
              />
            </div>
            <span
              role="status"
              aria-live="polite"
              className="min-w-16 text-xs text-muted-foreground tabular-nums"
            >
              {query
                ? search.isPending
                  ? "Searching…"
                  : total === 0
                    ? "No matches"
                    : `${hit + 1} of ${total.toLocaleString("en")}`
                : ""}
            </span>
            <Button
              type="button"
              size="icon"
              variant="ghost"
              className="size-8"
              aria-label="Previous match"
              disabled={hits.length === 0}
              onClick={() => move(-1)}
            >
              <ChevronUp aria-hidden="true" />
            </Button>
            <Button
              type="button"
              size="icon"
              variant="ghost"
              className="size-8"
              aria-label="Next match"
              disabled={hits.length === 0}
              onClick={() => move(1)}
            >
              <ChevronDown aria-hidden="true" />
            </Button>
          </form>
          <label htmlFor={timeId} className="sr-only">
            Timestamps
          </label>
          <select
            id={timeId}
            value={timeMode}
            onChange={(event) => setTimeMode(event.target.value as TimeMode)}
            className="h-8 rounded-md border border-input bg-transparent px-2 text-xs dark:bg-input/30"
          >
            <option value="off">No timestamps</option>
            <option value="clock">Time of day</option>
            <option value="since">Since start</option>
          </select>
          <Button asChild size="sm" variant="outline" className="h-8">
            <a href={`/runs/${runId}/raw`} download>
              <Download aria-hidden="true" />
              Raw
            </a>
          </Button>
        </div>
      </div>
      <div className="relative">
        <div
          ref={scrollRef}
          onScroll={handleScroll}
          data-testid="run-log"
          className={cn(
            // As tall as its rows, up to 65% of the screen: a log folded to a few step headers
            // (or one line) leaves no empty box below them, on a phone least of all.
            "max-h-[65dvh] overflow-auto rounded-lg border bg-zinc-50 font-mono text-xs dark:bg-zinc-950",
            !mounted && rows.length > 0 && "flex flex-col-reverse"
          )}
          role="log"
          aria-label="Run log"
          aria-live="off"
        >
          {rows.length === 0 ? (
            <p className="p-4 text-muted-foreground">
              {live ? "Waiting for the first line…" : "This run wrote no log."}
            </p>
          ) : !mounted ? (
            <div className="min-w-full">
              {tailRows.map((row) => renderRow(row, { height: ROW_HEIGHT }))}
            </div>
          ) : (
            <div
              style={{ height: virtualizer.getTotalSize() }}
              className="relative min-w-full"
            >
              {items.map((item) =>
                renderRow(rows[item.index]!, {
                  position: "absolute",
                  top: 0,
                  left: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${item.start}px)`,
                })
              )}
            </div>
          )}
        </div>
        {!following && live ? (
          <Button
            size="sm"
            className="absolute right-4 bottom-4 shadow-md"
            onClick={() => {
              setTarget(null)
              setFollowing(true)
              if (window.location.hash)
                history.replaceState(
                  null,
                  "",
                  window.location.pathname + window.location.search
                )
            }}
          >
            <ArrowDownToLine aria-hidden="true" />
            Follow the log
          </Button>
        ) : null}
      </div>
    </section>
  )
}

// Nothing to subscribe to: useSyncExternalStore only tells the server's snapshot (and the
// hydrating render's) from the live one.
function subscribeNever() {
  return () => {}
}

// How deep a line sits in groups, for its indent (the innermost group that holds it).
function depthOf(
  groups: Map<number, LogGroup>,
  _line: LogLine | undefined,
  lineNo: number,
  layout: { lastLine: number }
): number {
  let depth = 0
  for (const group of groups.values()) {
    const end = group.end ?? layout.lastLine + 1
    if (group.start < lineNo && lineNo < end)
      depth = Math.max(depth, group.depth + 1)
  }

  return depth
}

function LineNumber({ lineNo }: { lineNo: number }) {
  return (
    <a
      href={`#L${lineNo}`}
      id={`L${lineNo}`}
      className="sticky left-0 w-14 shrink-0 bg-inherit pr-3 text-right text-muted-foreground tabular-nums select-none hover:text-foreground hover:underline"
      aria-label={`Line ${lineNo}`}
    >
      {lineNo}
    </a>
  )
}

function GroupHeader({
  group,
  expanded,
  onToggle,
  style,
  marked,
}: {
  group: LogGroup
  expanded: boolean
  onToggle: () => void
  style: React.CSSProperties
  marked: boolean
}) {
  const duration = group.step?.durationMs
  const Chevron = expanded ? ChevronDown : ChevronRight

  return (
    <div
      style={style}
      data-group={group.name}
      data-failed={group.failed || undefined}
      className={cn(
        "flex w-full min-w-max items-center bg-zinc-50 dark:bg-zinc-950",
        group.failed &&
          "bg-red-50 text-red-700 dark:bg-red-950/40 dark:text-red-400",
        marked && "ring-1 ring-yellow-500 ring-inset"
      )}
    >
      <LineNumber lineNo={group.start} />
      <button
        type="button"
        aria-expanded={expanded}
        onClick={onToggle}
        style={{ paddingLeft: group.depth * 16 }}
        className="flex min-w-0 items-center gap-1 rounded-sm pr-3 font-semibold outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        <Chevron aria-hidden="true" className="size-3.5 shrink-0" />
        <span className="whitespace-pre">{group.name || "Unnamed step"}</span>
        {group.step?.timedOut ? (
          <span className="font-normal">· timed out</span>
        ) : null}
        {group.step?.canceled ? (
          <span className="font-normal">· canceled</span>
        ) : null}
        {group.step &&
        group.step.exitCode !== null &&
        group.step.exitCode !== 0 ? (
          <span className="font-normal">· exit {group.step.exitCode}</span>
        ) : null}
        {duration !== null && duration !== undefined ? (
          <span className="font-normal text-muted-foreground">
            {formatStepDuration(duration)}
          </span>
        ) : group.end === null ? (
          <span className="font-normal text-muted-foreground">running…</span>
        ) : null}
      </button>
    </div>
  )
}

const LogRow = React.memo(function LogRow({
  lineNo,
  line,
  depth,
  timeMode,
  start,
  needle,
  current,
  marked,
  style,
}: {
  lineNo: number
  line: LogLine | undefined
  depth: number
  timeMode: TimeMode
  start: number | null
  needle: string
  current: boolean
  marked: boolean
  style: React.CSSProperties
}) {
  const segments = React.useMemo(
    () => (line ? ansiToSegments(line.line) : []),
    [line]
  )

  return (
    <div
      style={style}
      data-line={lineNo}
      data-stream={line?.stream}
      className={cn(
        "flex w-full min-w-max items-center bg-zinc-50 hover:bg-muted/70 dark:bg-zinc-950",
        line?.stream === "stderr" && "bg-red-50/40 dark:bg-red-950/10",
        current && "bg-yellow-100 dark:bg-yellow-900/30",
        marked &&
          "bg-yellow-100 ring-1 ring-yellow-500 ring-inset dark:bg-yellow-900/30"
      )}
    >
      <LineNumber lineNo={lineNo} />
      {timeMode !== "off" ? (
        <span className="w-28 shrink-0 pr-3 text-muted-foreground tabular-nums select-none">
          {line
            ? timeMode === "clock"
              ? formatLogClock(line.logged_at)
              : start !== null
                ? formatSinceStart(Date.parse(line.logged_at) - start)
                : ""
            : ""}
        </span>
      ) : null}
      <span className="pr-4 whitespace-pre" style={{ paddingLeft: depth * 16 }}>
        {line ? (
          highlight(segments, needle)
        ) : (
          <span className="inline-block h-3 w-48 animate-pulse rounded bg-muted align-middle" />
        )}
      </span>
    </div>
  )
})
