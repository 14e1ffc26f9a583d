// Presence: tracking and untracking a channel's state, and the diffs its topic receives.
import { randomBytes } from "node:crypto"

import { z } from "zod"

import { fanOutPresenceDiff, mayWrite, shutdown, untrack } from "./channels"
import { type Channel, type PresenceMeta, type RealtimeState, type Topic } from "./kernel"
import { type InboundMessage } from "./protocol"

const presencePushSchema = z.object({
  type: z.literal("presence").optional(),
  event: z.string(),
  payload: z.unknown().optional(),
})

function presenceRef() {
  return randomBytes(9).toString("base64url")
}

export function presenceState(topic: Topic) {
  const state: Record<string, { metas: PresenceMeta[] }> = {}
  for (const [key, metas] of topic.presence) state[key] = { metas: [...metas.values()] }

  return state
}

export function track(rt: RealtimeState, channel: Channel, payload: Record<string, unknown>) {
  const topic = rt.hub.topic(channel.key)
  let metas = topic.presence.get(channel.presenceKey)
  if (!metas) {
    metas = new Map()
    topic.presence.set(channel.presenceKey, metas)
  }
  const previous = metas.get(channel)
  if (previous) {
    const { phx_ref: _ref, phx_ref_prev: _prev, ...rest } = previous
    void _ref
    void _prev
    if (JSON.stringify(rest) === JSON.stringify(payload)) return
  }
  const meta: PresenceMeta = previous
    ? { ...payload, phx_ref: presenceRef(), phx_ref_prev: previous.phx_ref }
    : { ...payload, phx_ref: presenceRef() }
  metas.set(channel, meta)
  fanOutPresenceDiff(rt, channel.key, {
    joins: { [channel.presenceKey]: { metas: [meta] } },
    leaves: previous ? { [channel.presenceKey]: { metas: [previous] } } : {},
  })
}

export async function handlePresence(rt: RealtimeState, channel: Channel, message: InboundMessage) {
  const parsed = presencePushSchema.safeParse(message.payload)
  if (!parsed.success)
    return channel.reply(message.ref, "error", {
      reason: "Invalid presence payload",
    })
  const event = parsed.data.event.toLowerCase()
  if (event === "untrack") {
    untrack(rt, channel)
    return channel.reply(message.ref, "ok")
  }
  if (event !== "track") {
    return channel.reply(message.ref, "error", {
      reason: `UnknownPresenceEvent: ${event}`,
    })
  }
  const payload = parsed.data.payload ?? {}
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return channel.reply(message.ref, "error", {
      reason: "Presence track payload must be a map",
    })
  }
  if (Buffer.byteLength(JSON.stringify(payload)) > rt.limits.maxPayloadBytes) {
    return shutdown(rt, channel, "Track message size exceeded")
  }
  if (!(await mayWrite(rt, channel, "presence"))) return channel.reply(message.ref, "error")
  channel.presenceEnabled = true
  track(rt, channel, payload as Record<string, unknown>)
  channel.reply(message.ref, "ok")
}
