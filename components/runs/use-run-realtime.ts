"use client"

import * as React from "react"
import { useQueryClient } from "@tanstack/react-query"

import { type OutlineMarker } from "@/lib/runs/log-outline"
import {
  listRunLogRange,
  LOG_CHUNK_LINES,
  logBatchSchema,
  type LogLine,
} from "@/lib/runs/queries"
import { runKeys } from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

/**
 * The worker already batches (≤ 200 ms or 64 KB, agent/worker/log-batcher.ts), so batches
 * arriving together are merged within one frame and the cache is patched once for them.
 */
const FLUSH_MS = 16
/** The header and events refetch once per burst of run or event changes. */
const REFETCH_DEBOUNCE_MS = 250

const GROUP = "::group::"
const END = "::endgroup::"

/** Where a streamed line changes the outline: a group marker, and always the last line. */
export function outlineWith(
  outline: OutlineMarker[],
  lines: readonly LogLine[]
): OutlineMarker[] {
  const next = outline.filter((marker) => marker.kind !== "last")
  let last = outline.find((marker) => marker.kind === "last")?.line_no ?? 0
  const known = new Set(
    outline
      .filter((marker) => marker.kind !== "last")
      .map((m) => `${m.kind}:${m.line_no}`)
  )
  let attempt = Math.max(1, ...outline.map((marker) => marker.attempt ?? 1))
  for (const line of lines) {
    last = Math.max(last, line.line_no)
    if (line.attempt > attempt) {
      attempt = line.attempt
      if (!known.has(`attempt:${line.line_no}`))
        next.push({
          line_no: line.line_no,
          attempt,
          kind: "attempt",
          name: null,
        })
    }
    if (line.stream !== "system") continue
    if (line.line.startsWith(GROUP) && !known.has(`group:${line.line_no}`))
      next.push({
        line_no: line.line_no,
        attempt: line.attempt,
        kind: "group",
        name: line.line.slice(GROUP.length),
      })
    else if (line.line === END && !known.has(`endgroup:${line.line_no}`))
      next.push({
        line_no: line.line_no,
        attempt: line.attempt,
        kind: "endgroup",
        name: null,
      })
  }
  next.push({ line_no: last || null, attempt: null, kind: "last", name: null })

  return next
}

/**
 * One run's page, live: new log lines arrive as one "log.appended" broadcast per batch the
 * worker appends (supabase/migrations/20261203021000_run_log_broadcast_only.sql) and go
 * straight into the cached chunks and the outline; the run's own changes and its events
 * (postgres_changes) refetch the header, events and artifacts. The channel is the private
 * "run:<id>" topic, open to whoever may read the run; once it is joined (and after every
 * reconnect) the whole run refetches, since what happened meanwhile was not delivered.
 */
export function useRunRealtime(userId: string, runId: string) {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<ChannelState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()
    let pending: LogLine[] = []
    let flushTimer: ReturnType<typeof setTimeout> | undefined
    let refetchTimer: ReturnType<typeof setTimeout> | undefined

    const flush = () => {
      flushTimer = undefined
      const lines = pending
      pending = []
      if (lines.length === 0) return
      const byChunk = new Map<number, LogLine[]>()
      for (const line of lines) {
        const chunk = Math.floor((line.line_no - 1) / LOG_CHUNK_LINES)
        byChunk.set(chunk, [...(byChunk.get(chunk) ?? []), line])
      }
      for (const [chunk, added] of byChunk) {
        const key = runKeys.chunk(userId, runId, chunk)
        // A chunk nobody has read yet is left alone: the viewer reads it whole when shown (and
        // re-reads a chunk that misses lines the outline says exist, e.g. lines that arrived
        // while it was being read).
        if (queryClient.getQueryData(key) === undefined) continue
        queryClient.setQueryData<LogLine[]>(key, (current = []) => {
          const seen = new Set(current.map((line) => line.line_no))
          const merged = [
            ...current,
            ...added.filter((line) => !seen.has(line.line_no)),
          ]

          return merged.sort((a, b) => a.line_no - b.line_no)
        })
      }
      queryClient.setQueryData<OutlineMarker[]>(
        runKeys.outline(userId, runId),
        (current) => outlineWith(current ?? [], lines)
      )
    }
    const refetch = () => {
      clearTimeout(refetchTimer)
      refetchTimer = setTimeout(() => {
        for (const key of [
          runKeys.detail(userId, runId),
          runKeys.events(userId, runId),
          runKeys.artifacts(userId, runId),
        ])
          void queryClient.invalidateQueries({ queryKey: key })
      }, REFETCH_DEBOUNCE_MS)
    }

    // A batch too large to broadcast carries only its line range: read it (the chunk reader
    // would also notice the gap, but only for chunks on screen; the outline needs every line).
    const readRange = (from: number, to: number) =>
      void listRunLogRange(supabase, { runId, from, to }).then(
        (lines) => {
          pending.push(...lines)
          flushTimer ??= setTimeout(flush, FLUSH_MS)
        },
        () => refetch()
      )

    const channel = supabase
      .channel(`run:${runId}`, { config: { private: true } })
      .on("broadcast", { event: "log.appended" }, ({ payload }) => {
        const batch = logBatchSchema.safeParse(payload)
        if (!batch.success) return
        if (batch.data.lines === null)
          readRange(batch.data.first_line_no, batch.data.last_line_no)
        else pending.push(...batch.data.lines)
        flushTimer ??= setTimeout(flush, FLUSH_MS)
      })
      .on(
        "postgres_changes",
        { event: "*", schema: "ops", table: "runs", filter: `id=eq.${runId}` },
        refetch
      )
      .on(
        "postgres_changes",
        {
          event: "INSERT",
          schema: "ops",
          table: "run_events",
          filter: `run_id=eq.${runId}`,
        },
        refetch
      )
    joinPrivateChannel(supabase, channel, (next) => {
      setState(next)
      // On the first join as on a rejoin: a worker can claim and start a run between the
      // page's read and the subscription (a run queued from /runs is claimed at once), and
      // those changes were not delivered.
      if (next === "live")
        void queryClient.invalidateQueries({
          queryKey: runKeys.run(userId, runId),
        })
    })

    return () => {
      clearTimeout(flushTimer)
      clearTimeout(refetchTimer)
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId, runId])

  return state
}
