"use client"

import * as React from "react"
import { useRouter } from "next/navigation"

import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

/** An acceptance writes its membership and audit rows at once: refresh once per burst. */
const REFRESH_DEBOUNCE_MS = 250

/**
 * Keeps the members tab live: someone accepting an invitation, a role change, a removal or a
 * member leaving re-renders the server component (the list, the counts, what my role still
 * allows) without a reload. The channel is private; Realtime admits only those who can see the
 * project (20261203018000_project_members_live.sql) and checks RLS on each change, so a member
 * hears exactly the changes the member list itself would show. A DELETE carries only the
 * primary key, so any removal refreshes. After a reconnect the page refreshes too, since
 * changes during the gap were not delivered.
 */
export function useMembersRealtime(projectId: string): ChannelState {
  const router = useRouter()
  const [state, setState] = React.useState<ChannelState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()
    let timer: ReturnType<typeof setTimeout> | undefined
    const refresh = () => {
      clearTimeout(timer)
      timer = setTimeout(() => router.refresh(), REFRESH_DEBOUNCE_MS)
    }
    const channel = supabase
      .channel(`project-members:${projectId}`, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "ops",
          table: "project_memberships",
          filter: `project_id=eq.${projectId}`,
        },
        refresh
      )

    joinPrivateChannel(supabase, channel, (next, rejoined) => {
      setState(next)
      if (rejoined) refresh()
    })

    return () => {
      clearTimeout(timer)
      void supabase.removeChannel(channel)
    }
  }, [projectId, router])

  return state
}
