import { type RealtimeChannel } from "@supabase/supabase-js"

import { type Client } from "./types"

export type ChannelState = "connecting" | "live" | "offline"

/**
 * Joins a private Realtime channel and reports its state. Realtime admits a private channel
 * only when a realtime.messages policy lets the user read its topic (the console's topics:
 * supabase/migrations/20261203000600_realtime_private_topics.sql and
 * 20261203000810_realtime_session_topics.sql); the local stack, like the hosted setting in
 * docs/security.md, refuses public ones. The join carries the signed-in user's token, so it
 * is set first, as supabase-js asks for private channels. `onState` hears `rejoined: true`
 * when the channel comes back after a drop: what happened meanwhile was not delivered.
 */
export function joinPrivateChannel(
  supabase: Client,
  channel: RealtimeChannel,
  onState: (
    state: Exclude<ChannelState, "connecting">,
    rejoined: boolean
  ) => void
): void {
  let subscribedBefore = false
  const subscribe = () =>
    channel.subscribe((status) => {
      if (status === "SUBSCRIBED") {
        onState("live", subscribedBefore)
        subscribedBefore = true
      } else if (
        status === "CHANNEL_ERROR" ||
        status === "TIMED_OUT" ||
        status === "CLOSED"
      ) {
        onState("offline", false)
      }
    })
  void supabase.realtime.setAuth().then(subscribe, subscribe)
}
