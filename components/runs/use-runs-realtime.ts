"use client"

import * as React from "react"
import { useQueryClient } from "@tanstack/react-query"

import { runKeys } from "@/lib/runs/query-options"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

import { followRunsChannel } from "./runs-list-sync"

/**
 * Keeps the runs list live from Realtime changes on `ops.runs` (Realtime applies the runs
 * select policy, so only the user's projects' runs arrive), as `followRunsChannel` decides:
 * the lists refetch on a change, on the first join and, with every runs query, after a
 * reconnect. The channel is the private "runs:<user id>" topic
 * (supabase/migrations/20261203011000_runs_console.sql).
 */
export function useRunsRealtime(userId: string) {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<ChannelState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()
    const channel = supabase.channel(`runs:${userId}`, {
      config: { private: true },
    })
    const stop = followRunsChannel({
      onChange: (listener) =>
        channel.on(
          "postgres_changes",
          { event: "*", schema: "ops", table: "runs" },
          listener
        ),
      join: (onState) => joinPrivateChannel(supabase, channel, onState),
      refetch: (what) =>
        void queryClient.invalidateQueries({
          queryKey:
            what === "all" ? runKeys.user(userId) : runKeys.lists(userId),
        }),
      setState,
    })

    return () => {
      stop()
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId])

  return state
}
