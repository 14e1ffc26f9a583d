"use client"

import * as React from "react"
import { useQueryClient } from "@tanstack/react-query"

import { runKeys } from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

/** Many runs change at once (a worker claims, a batch is queued): refetch once per burst. */
const REFETCH_DEBOUNCE_MS = 300

/**
 * Keeps the runs list live from Realtime changes on `ops.runs` (Realtime applies the runs
 * select policy, so only the user's projects' runs arrive): the lists refetch, debounced,
 * because a change moves queue positions of other rows too and the filters are the
 * database's to apply. After a reconnect every runs query refetches (the gap was not
 * delivered). The channel is the private "runs:<user id>" topic
 * (supabase/migrations/20261203011000_runs_console.sql).
 */
export function useRunsRealtime(userId: string) {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<ChannelState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()
    let timer: ReturnType<typeof setTimeout> | undefined
    const refetch = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        void queryClient.invalidateQueries({ queryKey: runKeys.lists(userId) })
      }, REFETCH_DEBOUNCE_MS)
    }
    const channel = supabase
      .channel(`runs:${userId}`, { config: { private: true } })
      .on(
        "postgres_changes",
        { event: "*", schema: "ops", table: "runs" },
        refetch
      )
    joinPrivateChannel(supabase, channel, (next, rejoined) => {
      setState(next)
      if (rejoined)
        void queryClient.invalidateQueries({ queryKey: runKeys.user(userId) })
    })

    return () => {
      clearTimeout(timer)
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId])

  return state
}
