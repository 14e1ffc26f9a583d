"use client"

import * as React from "react"
import { useQueryClient, type InfiniteData } from "@tanstack/react-query"
import { z } from "zod"

import { dbId } from "@/lib/db-id"
import { type SessionPage } from "@/lib/sessions/queries"
import { sessionKeys } from "@/lib/sessions/query-options"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

export type RealtimeState = ChannelState

// Only what decides whether a change is activity; the list refetches the rest.
const changeSchema = z.object({ id: dbId, last_activity_at: z.string() })

const NO_PROJECTS: readonly string[] = []
/** Supabase Realtime takes at most 100 values in an `in` filter. */
const MAX_FILTER_VALUES = 100

/** How long a row keeps its "updated" mark. */
const MARK_MS = 2 * 60_000
/** A sync pushes many rows at once: refetch once per burst. */
const REFETCH_DEBOUNCE_MS = 400

/**
 * Keeps the sessions page live from Realtime changes on `cloud_sessions` (a device's push
 * inserts or updates a session; a new message bumps its counters and last activity): the lists
 * refetch (debounced; filters like "has tool calls" are the database's to apply) and each
 * session whose last activity moved is marked "updated" for a while. After a reconnect every
 * session query refetches, since changes during the gap were not delivered. Pinning,
 * archiving and moving are not activity, so they leave no mark. Sessions shared in the caller's
 * projects by other members come through a second binding filtered on `project_id` (RLS on
 * cloud_sessions still decides each delivery, as on Supabase).
 */
export function useSessionsRealtime(
  userId: string,
  /** The caller's projects: their other members' shared sessions are live too. */
  projectIds: readonly string[] = NO_PROJECTS
) {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<RealtimeState>("connecting")
  const [updated, setUpdated] = React.useState<ReadonlySet<string>>(
    () => new Set()
  )

  // A string, so a new array with the same projects does not rejoin the channel.
  const projectFilter = [...projectIds]
    .sort()
    .slice(0, MAX_FILTER_VALUES)
    .join(",")

  React.useEffect(() => {
    const supabase = createClient()
    let refetchTimer: ReturnType<typeof setTimeout> | undefined
    const markTimers = new Set<ReturnType<typeof setTimeout>>()

    const knownUpdatedAt = (id: string) => {
      for (const [, data] of queryClient.getQueriesData<
        InfiniteData<SessionPage>
      >({ queryKey: sessionKeys.lists(userId) })) {
        for (const page of data?.pages ?? []) {
          const row = page.sessions.find((session) => session.id === id)
          if (row) return row.last_activity_at
        }
      }

      return undefined
    }
    const mark = (id: string) => {
      setUpdated((current) => new Set(current).add(id))
      const timer = setTimeout(() => {
        markTimers.delete(timer)
        setUpdated((current) => {
          const next = new Set(current)
          next.delete(id)

          return next
        })
      }, MARK_MS)
      markTimers.add(timer)
    }
    const refetch = () => {
      clearTimeout(refetchTimer)
      refetchTimer = setTimeout(() => {
        void queryClient.invalidateQueries({
          queryKey: sessionKeys.user(userId),
        })
      }, REFETCH_DEBOUNCE_MS)
    }

    const onChange = (payload: { new: unknown }) => {
      const change = changeSchema.safeParse(payload.new)
      if (change.success) {
        const before = knownUpdatedAt(change.data.id)
        if (
          before === undefined ||
          Date.parse(before) !== Date.parse(change.data.last_activity_at)
        ) {
          mark(change.data.id)
        }
      }
      refetch()
    }

    const channel = supabase
      .channel(`sessions:${userId}`, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "public",
          table: "cloud_sessions",
          filter: `user_id=eq.${userId}`,
        },
        onChange
      )
    if (projectFilter) {
      channel.on(
        "postgres_changes",
        {
          event: "*",
          schema: "public",
          table: "cloud_sessions",
          filter: `project_id=in.(${projectFilter})`,
        },
        onChange
      )
    }
    joinPrivateChannel(supabase, channel, (next, rejoined) => {
      setState(next)
      if (rejoined) refetch()
    })

    return () => {
      clearTimeout(refetchTimer)
      for (const timer of markTimers) clearTimeout(timer)
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId, projectFilter])

  return { state, updated }
}
