"use client"

import * as React from "react"
import Link from "next/link"
import {
  useQuery,
  useSuspenseInfiniteQuery,
  useSuspenseQuery,
} from "@tanstack/react-query"
import { useWindowVirtualizer } from "@tanstack/react-virtual"
import {
  ArrowLeft,
  Download,
  MessageSquareText,
  MessagesSquare,
} from "lucide-react"

import { formatQuantity, formatUsd } from "@/lib/format"
import type { SessionAttachments } from "@/lib/sessions/attachments"
import { oneLine } from "@/lib/sessions/export-format"
import { sessionTotals } from "@/lib/sessions/session-format"
import {
  mergeThreadPages,
  type SessionDetail,
} from "@/lib/sessions/session-queries"
import {
  sessionAttachmentsQueryOptions,
  sessionHeaderQueryOptions,
  sessionThreadQueryOptions,
} from "@/lib/sessions/session-query-options"
import {
  buildMessageTree,
  countForks,
  outlineTree,
  selectionShowing,
  siblingInfo,
  visiblePath,
  type BranchSelection,
} from "@/lib/sessions/session-tree"
import { createClient } from "@/lib/supabase/client"
import { Button } from "@/components/ui/button"
import { Skeleton } from "@/components/ui/skeleton"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { RelativeTime } from "@/components/shared/relative-time"
import { useServerNow } from "@/components/shared/use-server-now"
import { EmptyState } from "@/components/shell/empty-state"

import { BranchOutline } from "./branch-outline"
import { MessageItem } from "./message-item"
import { SessionDeleteButton } from "./session-delete-button"
import { useSessionRealtime } from "./use-session-realtime"

type SessionViewProps = {
  userId: string
  sessionId: string
  serverNow: string
}

const MESSAGE_HASH = /^#m-([0-9a-fA-F-]{36})$/

/** An export link: the same URL the list page's multi-select builds. */
export function exportHref(format: "markdown" | "json", ids: string[]) {
  const params = new URLSearchParams({ format })
  for (const id of ids) params.append("id", id)

  return `/sessions/export?${params.toString()}`
}

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="truncate text-sm font-medium tabular-nums">{value}</dd>
    </div>
  )
}

export function SessionView({
  userId,
  sessionId,
  serverNow,
}: SessionViewProps) {
  const supabase = createClient()
  const { data: header } = useSuspenseQuery(
    sessionHeaderQueryOptions(supabase, userId, sessionId)
  )
  // Signed by the server for the first render; refetched (and signed here) when Realtime
  // says an attachment was recorded or its bytes arrived (use-session-realtime.ts).
  const { data: attachments = NO_ATTACHMENTS } = useQuery(
    sessionAttachmentsQueryOptions(supabase, userId, sessionId)
  )
  const live = useSessionRealtime(userId, sessionId)
  const now = useServerNow(serverNow, 30_000)

  if (!header) {
    return (
      <EmptyState
        icon={MessagesSquare}
        title="Session not found"
        description={
          <>
            It was deleted, or it is not yours to read.{" "}
            <Link href="/sessions" className="underline underline-offset-4">
              Back to sessions
            </Link>
          </>
        }
      />
    )
  }

  const { session } = header
  const title = oneLine(session.title) || "Untitled session"

  return (
    <div className="space-y-6">
      <Link
        href="/sessions"
        className="inline-flex items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        All sessions
      </Link>

      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 space-y-1">
          <h1 className="text-2xl font-semibold tracking-tight wrap-anywhere">
            {title}
          </h1>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-muted-foreground">
            <span>{header.deviceName ?? "Synced from another device"}</span>
            <span>
              Started <RelativeTime date={session.created_at} now={now} />
            </span>
            <span>
              Last activity <RelativeTime date={session.updated_at} now={now} />
            </span>
            <LiveIndicator state={live} />
          </div>
        </div>
        <div className="flex shrink-0 flex-wrap gap-2">
          <Button asChild variant="outline" size="sm">
            <a href={exportHref("markdown", [session.id])} download>
              <Download aria-hidden="true" />
              Export Markdown
            </a>
          </Button>
          <Button asChild variant="outline" size="sm">
            <a href={exportHref("json", [session.id])} download>
              <Download aria-hidden="true" />
              Export JSON
            </a>
          </Button>
          {/* Another member's session continues as the user's own copy (docs/chat-relay.md).
              A full page load: /chat's CSP names the user's device tunnels (proxy.ts). */}
          <Button asChild size="sm">
            <a
              href={`/chat?session=${session.id}`}
              title={
                session.user_id === userId
                  ? undefined
                  : "Continues as your own copy; this session stays as it is"
              }
            >
              <MessageSquareText aria-hidden="true" />
              Continue in chat
            </a>
          </Button>
          {session.user_id === userId ? (
            <SessionDeleteButton
              userId={userId}
              sessionId={session.id}
              title={title}
            />
          ) : null}
        </div>
      </div>

      {/* On a client-side navigation the first page may still be on its way. */}
      <React.Suspense fallback={<ThreadSkeleton session={session} />}>
        <SessionThread
          userId={userId}
          session={session}
          now={now}
          attachments={attachments}
        />
      </React.Suspense>
    </div>
  )
}

function ThreadSkeleton({ session }: { session: SessionDetail }) {
  return (
    <div
      role="status"
      aria-label={`Loading ${formatQuantity(session.message_count, "message")}`}
      className="space-y-3"
    >
      <Skeleton className="h-20 rounded-xl" />
      {Array.from({ length: 4 }, (_, index) => (
        <Skeleton key={index} className="h-32 rounded-xl" />
      ))}
    </div>
  )
}

function SessionThread({
  userId,
  session,
  now,
  attachments,
}: {
  userId: string
  session: SessionDetail
  now: number
  attachments: SessionAttachments
}) {
  const supabase = createClient()
  // The first page came with the HTML (app/(console)/sessions/[id]/page.tsx); the rest is read
  // here after the first paint, one keyset page after the other, until the session is whole.
  const pages = useSuspenseInfiniteQuery(
    sessionThreadQueryOptions(supabase, userId, session.id)
  )
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = pages
  React.useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage()
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage])
  const complete = !hasNextPage
  const thread = React.useMemo(
    () => mergeThreadPages(pages.data.pages),
    [pages.data.pages]
  )

  const messages = thread.messages
  const tree = React.useMemo(() => buildMessageTree(messages), [messages])
  const [selection, setSelection] = React.useState<BranchSelection>({})
  const path = React.useMemo(
    () => visiblePath(tree, selection),
    [tree, selection]
  )
  const visible = React.useMemo(() => new Set(path.map((m) => m.id)), [path])
  const forks = React.useMemo(() => countForks(tree), [tree])
  const outline = React.useMemo(
    () => (forks > 0 ? outlineTree(tree) : []),
    [tree, forks]
  )
  const totals = React.useMemo(() => sessionTotals(messages), [messages])
  const deviceNames = React.useMemo(
    () => new Map(thread.devices.map((d) => [d.id, d.name])),
    [thread.devices]
  )

  // Tool results pair with the calls before them, in order, along the visible branch.
  const toolPairs = React.useMemo(() => {
    const results = new Map<string, string[]>()
    const names = new Map<string, string>()
    for (let i = 0; i < path.length; i++) {
      const calls = path[i]!.tool_calls
      if (!calls || calls.length === 0) continue
      const answers: string[] = []
      for (let j = i + 1; j < path.length && path[j]!.role === "tool"; j++) {
        const call = calls[answers.length]
        if (call) {
          names.set(path[j]!.id, call.function?.name ?? call.name ?? "a tool")
        }
        answers.push(path[j]!.content)
      }
      results.set(path[i]!.id, answers)
    }

    return { results, names }
  }, [path])

  const [highlighted, setHighlighted] = React.useState<string | null>(null)
  // A message to bring on screen once the branch holding it renders; the tick re-runs the
  // scrolling effect even when the branch did not change.
  const scrollTarget = React.useRef<string | null>(null)
  const [scrollTick, setScrollTick] = React.useState(0)
  const listRef = React.useRef<HTMLDivElement>(null)
  const [scrollMargin, setScrollMargin] = React.useState(0)

  const topRef = React.useRef<HTMLDivElement>(null)

  // Where the list starts on the page moves when the header wraps or the outline opens.
  React.useLayoutEffect(() => {
    const measure = () => {
      const top = listRef.current?.getBoundingClientRect().top
      if (top !== undefined) setScrollMargin(top + window.scrollY)
    }
    measure()
    const observer = new ResizeObserver(measure)
    if (topRef.current) observer.observe(topRef.current)

    return () => observer.disconnect()
  }, [])

  // The server's HTML (and the hydrating render, which must match it) holds the first screen
  // and one message more; once the page is live, six either side keep scrolling smooth.
  const mounted = React.useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false
  )

  const virtualizer = useWindowVirtualizer({
    count: path.length,
    estimateSize: () => 180,
    overscan: mounted ? 6 : 1,
    scrollMargin,
    getItemKey: (index) => path[index]?.id ?? index,
    // The server has no window: it renders the first screen as if 1280×900, so the first
    // paint has messages in it before any script runs.
    initialRect: { width: 1280, height: 900 },
  })

  const showMessage = React.useCallback(
    (id: string) => {
      if (!tree.byId.has(id)) return false
      setSelection((current) => selectionShowing(tree, id, current))
      scrollTarget.current = id
      setScrollTick((tick) => tick + 1)

      return true
    },
    [tree]
  )

  // Deep links (#m-<id>), also to a message on a branch that is not the default one: switch
  // to the branch that holds it, scroll to it and highlight it. A message further on than the
  // first page waits for its page: the link is kept until the tree has it (or is whole).
  const pendingLink = React.useRef<string | null>(null)
  const [linkTick, setLinkTick] = React.useState(0)
  React.useEffect(() => {
    const read = () => {
      const match = MESSAGE_HASH.exec(window.location.hash)
      pendingLink.current = match ? match[1]!.toLowerCase() : null
      setLinkTick((tick) => tick + 1)
    }
    read()
    window.addEventListener("hashchange", read)

    return () => window.removeEventListener("hashchange", read)
  }, [])
  React.useEffect(() => {
    const id = pendingLink.current
    if (!id) return
    if (showMessage(id)) {
      pendingLink.current = null
      setHighlighted(id)
    } else if (complete) {
      pendingLink.current = null
    }
  }, [linkTick, showMessage, complete])

  React.useEffect(() => {
    const target = scrollTarget.current
    if (!target) return
    const index = path.findIndex((message) => message.id === target)
    if (index < 0) return
    scrollTarget.current = null
    virtualizer.scrollToIndex(index, { align: "center" })
  }, [scrollTick, path, virtualizer])

  const handleSelectSibling = React.useCallback((key: string, id: string) => {
    setSelection((current) => ({ ...current, [key]: id }))
  }, [])

  const items = virtualizer.getVirtualItems()

  return (
    <>
      <div ref={topRef} className="space-y-6">
        {complete ? (
          <dl
            aria-label="Session totals"
            className="grid grid-cols-2 gap-3 rounded-xl border bg-card p-4 sm:grid-cols-3 lg:grid-cols-6"
          >
            <Fact
              label="Messages"
              value={`${totals.messages.toLocaleString("en")}${forks > 0 ? ` (${path.length.toLocaleString("en")} shown)` : ""}`}
            />
            <Fact
              label="Input tokens"
              value={totals.inputTokens.toLocaleString("en")}
            />
            <Fact
              label="Output tokens"
              value={totals.outputTokens.toLocaleString("en")}
            />
            <Fact
              label="Cached tokens"
              value={totals.cachedTokens.toLocaleString("en")}
            />
            <Fact label="Cost" value={formatUsd(totals.costUsd)} />
            <Fact
              label={totals.models.length === 1 ? "Model" : "Models"}
              value={
                totals.models.length > 0
                  ? totals.models.join(", ")
                  : "Not reported"
              }
            />
          </dl>
        ) : (
          // Totals of part of a session would be wrong: the session row's own counters until
          // every page is read.
          <dl
            aria-label="Session totals"
            className="grid grid-cols-2 gap-3 rounded-xl border bg-card p-4 sm:grid-cols-3 lg:grid-cols-6"
          >
            <Fact
              label="Messages"
              value={session.message_count.toLocaleString("en")}
            />
            <Fact
              label="Tokens"
              value={session.token_count.toLocaleString("en")}
            />
            <Fact label="Cost" value={formatUsd(session.cost_usd)} />
            <div className="col-span-2 min-w-0 self-end sm:col-span-3">
              <dt className="sr-only">Loading</dt>
              <dd role="status" className="text-sm text-muted-foreground">
                {isError
                  ? "Some messages could not be loaded; reload the page to try again."
                  : `Reading the messages: ${totals.messages.toLocaleString("en")} of ${session.message_count.toLocaleString("en")}…`}
              </dd>
            </div>
          </dl>
        )}

        {forks > 0 ? (
          <BranchOutline
            tree={tree}
            outline={outline}
            forks={forks}
            visible={visible}
            onOpen={(id) => {
              showMessage(id)
              setHighlighted(id)
            }}
          />
        ) : null}
      </div>

      {path.length === 0 ? (
        <EmptyState
          icon={MessagesSquare}
          title="No messages yet"
          description="This session has no messages synced yet; they appear here as the device syncs them."
        />
      ) : (
        <section
          aria-label={`Conversation, ${formatQuantity(path.length, "message")}`}
        >
          <div
            ref={listRef}
            className="relative w-full"
            style={{ height: virtualizer.getTotalSize() }}
          >
            {items.map((item) => {
              const message = path[item.index]
              if (!message) return null

              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className="absolute top-0 left-0 w-full pb-3"
                  style={{
                    transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)`,
                  }}
                >
                  <MessageItem
                    message={message}
                    deviceName={
                      message.device_id
                        ? (deviceNames.get(message.device_id) ??
                          "another member's device")
                        : null
                    }
                    siblings={siblingInfo(tree, message.id)}
                    forkCount={tree.children.get(message.id)?.length ?? 0}
                    toolResults={toolPairs.results.get(message.id) ?? NONE}
                    callName={toolPairs.names.get(message.id)}
                    highlighted={highlighted === message.id}
                    now={now}
                    onSelectSibling={handleSelectSibling}
                    attachments={attachments[message.id]}
                  />
                </div>
              )
            })}
          </div>
        </section>
      )}
    </>
  )
}

const NONE: string[] = []
const NO_ATTACHMENTS: SessionAttachments = {}

// Nothing to subscribe to: useSyncExternalStore only tells the server's snapshot (and the
// hydrating render's) from the live one.
function subscribeNever() {
  return () => {}
}
