"use client"

import * as React from "react"
import { useQueryClient, type InfiniteData } from "@tanstack/react-query"

import {
  sessionDetailSchema,
  sessionMessageSchema,
  type SessionHeader,
  type SessionMessage,
  type SessionThreadPage,
} from "@/lib/sessions/session-queries"
import { sessionDetailKeys } from "@/lib/sessions/session-query-options"
import { createClient } from "@/lib/supabase/client"
import { joinPrivateChannel } from "@/lib/supabase/private-channel"
import { type RealtimeState } from "@/components/devices/use-devices-realtime"

type ThreadPages = InfiniteData<SessionThreadPage>

/**
 * The pages with the message in place of its old version, or added to the last page read.
 * A message also read by a later page is counted once (mergeThreadPages); the pages' keyset
 * cursors are untouched, so no page is skipped.
 */
function upsertMessage(
  pages: ThreadPages,
  message: SessionMessage
): ThreadPages {
  const at = pages.pages.findIndex((page) =>
    page.messages.some((item) => item.id === message.id)
  )
  const target = at >= 0 ? at : pages.pages.length - 1
  if (target < 0) return pages

  return {
    ...pages,
    pages: pages.pages.map((page, index) =>
      index !== target
        ? page
        : {
            ...page,
            messages:
              at >= 0
                ? page.messages.map((item) =>
                    item.id === message.id ? message : item
                  )
                : [...page.messages, message],
          }
    ),
  }
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
    const attachmentsKey = sessionDetailKeys.attachments(userId, sessionId)
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
          const content = queryClient.getQueryData<ThreadPages>(threadKey)
          if (!content) return
          const message = parsed.data
          queryClient.setQueryData<ThreadPages>(threadKey, (current) =>
            current ? upsertMessage(current, message) : current
          )
          // A message from a device this page has no name for yet.
          if (
            message.device_id &&
            !content.pages.some((page) =>
              page.devices.some((device) => device.id === message.device_id)
            )
          ) {
            refetch()
          }
        }
      )
      // An attachment recorded, or its bytes arrived (uploaded_at): sign the session's files
      // again, so a new image shows without a reload.
      .on(
        "postgres_changes",
        {
          event: "*",
          schema: "public",
          table: "message_attachments",
          filter: `session_id=eq.${sessionId}`,
        },
        () => void queryClient.invalidateQueries({ queryKey: attachmentsKey })
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
