import {
  createClient,
  type RealtimeChannel,
  type SupabaseClient,
} from "@supabase/supabase-js"
import WebSocket from "ws"

import {
  RELAY_EVENTS,
  replyTopic,
  requestTopic,
  type RelaySessionResponse,
} from "@/lib/chat/relay-protocol"

import { type RelaySend } from "./relay"

// The relay's Realtime side: the device joins its request topic "device:<id>" (requests and
// cancels arrive there, sent by the console over Realtime's HTTP broadcast) and answers each
// user on "device:<id>:reply:<user>", a channel joined on first use and kept, so a stream's
// batches go out in order over the one socket. The realtime.messages policies of
// supabase/migrations/20261203020000_chat_relay.sql admit this device, with its device JWT,
// to read requests and to write answers, and no other device to either.

export type RelayChannelEvents = {
  onRequest: (payload: unknown) => void
  onCancel: (payload: unknown) => void
  onState: (state: "live" | "offline") => void
}

export type RelayChannels = {
  send: RelaySend
  setToken(token: string): Promise<void>
  close(): Promise<void>
}

export function joinRelayChannels(
  session: RelaySessionResponse,
  events: RelayChannelEvents
): RelayChannels {
  let token = session.realtime.token
  const supabase: SupabaseClient = createClient(
    session.realtime.url,
    session.realtime.anon_key,
    {
      accessToken: async () => token,
      realtime: {
        // Node 20 has no global WebSocket.
        transport: (globalThis.WebSocket ??
          WebSocket) as unknown as typeof globalThis.WebSocket,
      },
    }
  )
  const requests = supabase
    .channel(requestTopic(session.device_id), { config: { private: true } })
    .on("broadcast", { event: RELAY_EVENTS.request }, ({ payload }) =>
      events.onRequest(payload)
    )
    .on("broadcast", { event: RELAY_EVENTS.cancel }, ({ payload }) =>
      events.onCancel(payload)
    )

  type Reply = {
    channel: RealtimeChannel
    ready: boolean
    queue: { event: string; payload: Record<string, unknown> }[]
  }
  const replies = new Map<string, Reply>()

  function reply(userId: string): Reply {
    const existing = replies.get(userId)
    if (existing) return existing
    const created: Reply = {
      channel: supabase.channel(replyTopic(session.device_id, userId), {
        config: { private: true },
      }),
      ready: false,
      queue: [],
    }
    replies.set(userId, created)
    created.channel.subscribe((status) => {
      if (status === "SUBSCRIBED") {
        created.ready = true
        for (const message of created.queue.splice(0)) {
          void created.channel.send({ type: "broadcast", ...message })
        }
      } else if (status === "CHANNEL_ERROR" || status === "CLOSED") {
        // Joined again on the next answer to this user. Removing the channel closes it,
        // which calls back here with CLOSED: only the first call removes it.
        created.ready = false
        if (replies.get(userId) !== created) return
        replies.delete(userId)
        if (status === "CHANNEL_ERROR")
          void supabase.removeChannel(created.channel)
      }
    })

    return created
  }

  void supabase.realtime.setAuth(token).then(() =>
    requests.subscribe((status) => {
      if (status === "SUBSCRIBED") events.onState("live")
      else if (
        status === "CHANNEL_ERROR" ||
        status === "TIMED_OUT" ||
        status === "CLOSED"
      ) {
        events.onState("offline")
      }
    })
  )

  return {
    send(userId, event, payload) {
      const target = reply(userId)
      if (target.ready) {
        void target.channel.send({ type: "broadcast", event, payload })
      } else {
        target.queue.push({ event, payload })
      }
    },
    async setToken(next) {
      token = next
      await supabase.realtime.setAuth(next)
    },
    async close() {
      await supabase.removeAllChannels()
      supabase.realtime.disconnect()
    },
  }
}
