"use client"

import * as React from "react"
import { useQueryClient } from "@tanstack/react-query"

import { deviceSchema, sortDevices, type Device } from "@/lib/devices/queries"
import { deviceKeys } from "@/lib/devices/query-options"
import { createClient } from "@/lib/supabase/client"
import {
  joinPrivateChannel,
  type ChannelState,
} from "@/lib/supabase/private-channel"

export type RealtimeState = ChannelState

/**
 * Patches the cached device list and details from Realtime changes on `devices` (a
 * heartbeat is an UPDATE of last_seen_at), so a device turns online without a reload. After
 * a reconnect the list is refetched, since changes during the gap were not delivered.
 */
export function useDevicesRealtime(userId: string): RealtimeState {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<RealtimeState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()

    const upsert = (device: Device) => {
      queryClient.setQueryData<Device[]>(deviceKeys.list(userId), (list) => {
        if (!list) return list
        const others = list.filter((item) => item.id !== device.id)

        return sortDevices([...others, device])
      })
      queryClient.setQueryData<Device | null>(
        deviceKeys.detail(userId, device.id),
        (current) => (current === undefined ? current : device)
      )
    }
    const remove = (id: string) => {
      queryClient.setQueryData<Device[]>(deviceKeys.list(userId), (list) =>
        list?.filter((item) => item.id !== id)
      )
      queryClient.setQueryData(deviceKeys.detail(userId, id), null)
    }

    // A heartbeat may carry a new sync status, and a device that reports has usually just
    // pushed: its "last synced" figure is worth asking again.
    const refreshSync = () =>
      void queryClient.invalidateQueries({ queryKey: deviceKeys.sync(userId) })
    const refreshActivity = () =>
      void queryClient.invalidateQueries({
        queryKey: [...deviceKeys.user(userId), "activity"],
      })

    // A private channel: Realtime admits only the user the topic names (a realtime.messages
    // policy, supabase/migrations/20261203000600_realtime_private_topics.sql), and the local
    // stack, like the hosted setting docs/security.md asks for, refuses public channels.
    const channel = supabase
      .channel(`devices:${userId}`, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "public",
          table: "devices",
          filter: `user_id=eq.${userId}`,
        },
        (payload) => {
          if (payload.eventType === "DELETE") {
            const id = (payload.old as { id?: unknown }).id
            if (typeof id === "string") remove(id)
            refreshActivity()
            return
          }
          const parsed = deviceSchema.safeParse(payload.new)
          if (!parsed.success) {
            void queryClient.invalidateQueries({
              queryKey: deviceKeys.list(userId),
            })
            return
          }
          const before = queryClient
            .getQueryData<Device[]>(deviceKeys.list(userId))
            ?.find((item) => item.id === parsed.data.id)
          upsert(parsed.data)
          refreshSync()
          // Pairings, renames and revocations write audit entries in the same transaction;
          // heartbeats do not, and arrive far more often.
          if (
            !before ||
            before.name !== parsed.data.name ||
            before.revoked_at !== parsed.data.revoked_at
          ) {
            refreshActivity()
          }
        }
      )

    joinPrivateChannel(supabase, channel, (next, rejoined) => {
      setState(next)
      if (rejoined) {
        void queryClient.invalidateQueries({
          queryKey: deviceKeys.user(userId),
        })
      }
    })

    return () => {
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId])

  return state
}
