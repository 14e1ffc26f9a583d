import {
  infiniteQueryOptions,
  queryOptions,
  type QueryClient,
} from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import { type RunFilters } from "./filters"
import {
  getRun,
  getRunLogOutline,
  hasAnyRun,
  listRunArtifacts,
  listRunEvents,
  listRunFilterOptions,
  listRunLogRange,
  listRuns,
  LOG_CHUNK_LINES,
  searchRunLog,
  type LogLine,
  type RunPageData,
} from "./queries"

function listKey(filters: RunFilters) {
  // A plain object of primitives in a fixed key order: stable across server and browser.
  return {
    status: filters.status.join(","),
    project: filters.project,
    workflow: filters.workflow,
    kind: filters.kind,
    device: filters.device,
    by: filters.by,
    from: filters.from,
    to: filters.to,
  }
}

// The client is an argument, never part of a key: server and browser clients read the same
// rows, so a server prefetch hydrates the browser's query (docs/adding-a-domain.md, step 4).
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const runKeys = {
  all: ["runs"] as const,
  user: (userId: string) => ["runs", userId] as const,
  lists: (userId: string) => ["runs", userId, "list"] as const,
  list: (userId: string, filters: RunFilters) =>
    ["runs", userId, "list", listKey(filters)] as const,
  any: (userId: string) => ["runs", userId, "any"] as const,
  options: (userId: string) => ["runs", userId, "options"] as const,
  run: (userId: string, runId: string) =>
    ["runs", userId, "run", runId] as const,
  detail: (userId: string, runId: string) =>
    ["runs", userId, "run", runId, "detail"] as const,
  outline: (userId: string, runId: string) =>
    ["runs", userId, "run", runId, "outline"] as const,
  chunk: (userId: string, runId: string, chunk: number) =>
    ["runs", userId, "run", runId, "chunk", chunk] as const,
  search: (userId: string, runId: string, query: string) =>
    ["runs", userId, "run", runId, "search", query] as const,
  events: (userId: string, runId: string) =>
    ["runs", userId, "run", runId, "events"] as const,
  artifacts: (userId: string, runId: string) =>
    ["runs", userId, "run", runId, "artifacts"] as const,
}

export function runListQueryOptions(
  supabase: Client,
  userId: string,
  filters: RunFilters
) {
  return infiniteQueryOptions({
    queryKey: runKeys.list(userId, filters),
    queryFn: ({ pageParam }) =>
      listRuns(supabase, { filters, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  })
}

export function anyRunQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: runKeys.any(userId),
    queryFn: () => hasAnyRun(supabase),
  })
}

export function runFilterOptionsQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: runKeys.options(userId),
    queryFn: () => listRunFilterOptions(supabase, { userId }),
    staleTime: 60_000,
  })
}

export function runQueryOptions(
  supabase: Client,
  userId: string,
  runId: string
) {
  return queryOptions({
    queryKey: runKeys.detail(userId, runId),
    queryFn: () => getRun(supabase, { runId }),
  })
}

export function runLogOutlineQueryOptions(
  supabase: Client,
  userId: string,
  runId: string
) {
  return queryOptions({
    queryKey: runKeys.outline(userId, runId),
    queryFn: () => getRunLogOutline(supabase, { runId }),
  })
}

/** Chunk n holds lines n·1000+1 … (n+1)·1000: fixed ranges, so a chunk's key never moves. */
export function runLogChunkQueryOptions(
  supabase: Client,
  userId: string,
  runId: string,
  chunk: number
) {
  return queryOptions({
    queryKey: runKeys.chunk(userId, runId, chunk),
    queryFn: () =>
      listRunLogRange(supabase, {
        runId,
        from: chunk * LOG_CHUNK_LINES + 1,
        to: (chunk + 1) * LOG_CHUNK_LINES,
      }),
    // Written lines never change; a chunk still being written is refreshed by Realtime.
    staleTime: Infinity,
  })
}

/**
 * Puts the log's last lines into the chunks they belong to, before the page renders: the
 * first screen of a long log is its tail, and it needs no more (docs/runs.md). The tail's
 * chunk is then partly filled; the viewer reads it whole as it does any chunk that misses a
 * line the outline knows (components/runs/run-log.tsx), once the page is on screen.
 */
export function seedRunLogTail(
  queryClient: QueryClient,
  userId: string,
  runId: string,
  lines: readonly LogLine[]
) {
  const byChunk = new Map<number, LogLine[]>()
  for (const line of lines) {
    const chunk = Math.floor((line.line_no - 1) / LOG_CHUNK_LINES)
    byChunk.set(chunk, [...(byChunk.get(chunk) ?? []), line])
  }
  for (const [chunk, chunkLines] of byChunk)
    queryClient.setQueryData(runKeys.chunk(userId, runId, chunk), chunkLines)
}

/**
 * Puts a run's first screen, read in one call (`getRunPage`), where the page's queries look
 * for it: the header, the outline, the events, the artifacts and the log's tail.
 */
export function seedRunPage(
  queryClient: QueryClient,
  userId: string,
  runId: string,
  page: RunPageData
) {
  queryClient.setQueryData(runKeys.detail(userId, runId), page.run)
  queryClient.setQueryData(runKeys.outline(userId, runId), page.outline)
  queryClient.setQueryData(runKeys.events(userId, runId), page.events)
  queryClient.setQueryData(runKeys.artifacts(userId, runId), page.artifacts)
  seedRunLogTail(queryClient, userId, runId, page.tail)
}

export function runLogSearchQueryOptions(
  supabase: Client,
  userId: string,
  runId: string,
  query: string
) {
  return queryOptions({
    queryKey: runKeys.search(userId, runId, query),
    queryFn: () => searchRunLog(supabase, { runId, query }),
  })
}

export function runEventsQueryOptions(
  supabase: Client,
  userId: string,
  runId: string
) {
  return queryOptions({
    queryKey: runKeys.events(userId, runId),
    queryFn: () => listRunEvents(supabase, { runId }),
  })
}

export function runArtifactsQueryOptions(
  supabase: Client,
  userId: string,
  runId: string
) {
  return queryOptions({
    queryKey: runKeys.artifacts(userId, runId),
    queryFn: () => listRunArtifacts(supabase, { runId }),
  })
}
