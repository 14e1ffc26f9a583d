"use client"

import * as React from "react"
import { useQueryClient } from "@tanstack/react-query"

import {
  sessionDetailSchema,
  sessionMessageSchema,
  type SessionHeader,
  type SessionMessage,
  type SessionThread,
} from "@/lib/sessions/session-queries"
import { sessionDetailKeys } from "@/lib/sessions/session-query-options"
import { createClient } from "@/lib/supabase/client"
import { joinPrivateChannel } from "@/lib/supabase/private-channel"
import { type RealtimeState } from "@/components/devices/use-devices-realtime"

function upsertMessage(
  messages: SessionMessage[],
  message: SessionMessage
): SessionMessage[] {
  const at = messages.findIndex((item) => item.id === message.id)
  if (at >= 0) {
    const next = [...messages]
    next[at] = message

    return next
  }

  return [...messages, message]
}

/**
 * Streams a session that a device is still writing: inserts and updates of its messages and
 * changes to the session row patch the cached content (Realtime applies RLS before it
 * delivers), and after a reconnect the session is refetched, since the gap was not delivered.
 * The same shape as the devices hook (components/devices/use-devices-realtime.ts).
 */
export function useSessionRealtime(
  userId: string,
  sessionId: string
): RealtimeState {
  const queryClient = useQueryClient()
  const [state, setState] = React.useState<RealtimeState>("connecting")

  React.useEffect(() => {
    const supabase = createClient()
    const key = sessionDetailKeys.detail(userId, sessionId)
    const threadKey = sessionDetailKeys.thread(userId, sessionId)
    // The detail key is a prefix of the thread's: one invalidation refetches both.
    const refetch = () => void queryClient.invalidateQueries({ queryKey: key })

    const channel = supabase
      .channel(`session:${sessionId}`, { config: { private: true } })
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "public",
          table: "cloud_messages",
          filter: `session_id=eq.${sessionId}`,
        },
        (payload) => {
          if (payload.eventType === "DELETE") return refetch()
          const parsed = sessionMessageSchema.safeParse(payload.new)
          if (!parsed.success) return refetch()
          const content = queryClient.getQueryData<SessionThread>(threadKey)
          if (!content) return
          const message = parsed.data
          queryClient.setQueryData<SessionThread>(threadKey, (current) =>
            current
              ? {
                  ...current,
                  messages: upsertMessage(current.messages, message),
                }
              : current
          )
          // A message from a device this page has no name for yet.
          if (
            message.device_id &&
            !content.devices.some((device) => device.id === message.device_id)
          ) {
            refetch()
          }
        }
      )
      .on(
        "postgres_changes",
        {
          event: "UPDATE",
          schema: "public",
          table: "cloud_sessions",
          filter: `id=eq.${sessionId}`,
        },
        (payload) => {
          const parsed = sessionDetailSchema.safeParse(payload.new)
          if (!parsed.success) return refetch()
          queryClient.setQueryData<SessionHeader | null>(key, (header) =>
            !header
              ? header
              : parsed.data.deleted_at
                ? null
                : { ...header, session: parsed.data }
          )
        }
      )
    joinPrivateChannel(supabase, channel, (next, rejoined) => {
      setState(next)
      if (rejoined) refetch()
    })

    return () => {
      void supabase.removeChannel(channel)
    }
  }, [queryClient, userId, sessionId])

  return state
}
