// Broadcast: fan-out to a topic's channels (per serializer version), messages sent by
// realtime.send() in the database, and broadcasts pushed by a client.
import { z } from "zod"

import { mayWrite } from "./channels"
import { namespaceKey, type Channel, type RealtimeState } from "./kernel"
import {
  encodeMessage,
  encodeUserBroadcast,
  type InboundMessage,
  type UserBroadcast,
  type Vsn,
} from "./protocol"

const broadcastPushSchema = z.looseObject({
  type: z.literal("broadcast"),
  event: z.string(),
})

export function fanOutBroadcast(
  rt: RealtimeState,
  key: string,
  from: Channel | null,
  broadcast: { json: Record<string, unknown> } | { user: UserBroadcast }
) {
  const topic = rt.hub.topics.get(key)
  if (!topic) return
  const frames = new Map<string, string | Buffer | null>()
  for (const channel of topic.channels) {
    if (channel === from && !channel.selfBroadcast) continue
    if (channel.isPrivate && !channel.policies.read.broadcast) continue
    const { vsn } = channel.connection
    let frame = frames.get(vsn)
    if (frame === undefined) {
      frame = encodeBroadcast(vsn, channel.topic, broadcast)
      frames.set(vsn, frame)
    }
    if (frame === null) continue
    if (typeof frame === "string") channel.connection.sendText(frame)
    else channel.connection.sendBinary(frame)
  }
}

function encodeBroadcast(
  vsn: Vsn,
  topic: string,
  broadcast: { json: Record<string, unknown> } | { user: UserBroadcast }
): string | Buffer | null {
  const message = { joinRef: null, ref: null, topic, event: "broadcast" }
  if ("json" in broadcast) return encodeMessage(vsn, message, JSON.stringify(broadcast.json))
  if (vsn === "2.0.0") return encodeUserBroadcast(topic, broadcast.user)
  // vsn 1.0.0 cannot carry binary payloads; JSON ones are converted as Realtime does.
  if (broadcast.user.encoding === "binary") return null
  try {
    const payload: unknown = JSON.parse(broadcast.user.data.toString("utf8"))

    return encodeMessage(
      vsn,
      message,
      JSON.stringify({
        type: "broadcast",
        event: broadcast.user.event,
        payload,
      })
    )
  } catch {
    return null
  }
}

export async function deliverStoredMessage(rt: RealtimeState, id: string) {
  try {
    const { rows } = await rt.ctx.db.query<{
      topic: string
      event: string | null
      payload: Record<string, unknown> | null
      private: boolean | null
    }>(
      "select topic, event, payload, private from realtime.messages where id = $1::uuid and extension = 'broadcast'",
      [id]
    )
    const row = rows[0]
    if (!row) return
    fanOutBroadcast(rt, namespaceKey(row.private ?? true, row.topic), null, {
      json: {
        type: "broadcast",
        event: row.event,
        payload: row.payload ?? {},
        meta: { id },
      },
    })
  } catch (error) {
    rt.ctx.log(`[realtime] realtime.send message ${id} failed: ${String(error)}`)
  }
}

export async function handleBroadcast(
  rt: RealtimeState,
  channel: Channel,
  message: InboundMessage
) {
  let broadcast: { json: Record<string, unknown> } | { user: UserBroadcast }
  let size: number
  if (message.userBroadcast) {
    broadcast = { user: message.userBroadcast }
    size = message.userBroadcast.data.length
  } else {
    const parsed = broadcastPushSchema.safeParse(message.payload)
    if (!parsed.success) {
      if (channel.ack)
        channel.reply(message.ref, "error", {
          reason: "Invalid broadcast payload",
        })
      return
    }
    broadcast = { json: parsed.data }
    size = Buffer.byteLength(JSON.stringify(parsed.data.payload ?? null))
  }
  // Like Realtime, a refused broadcast on a private channel is dropped without a reply.
  if (!(await mayWrite(rt, channel, "broadcast"))) return
  if (size > rt.limits.maxPayloadBytes) {
    if (channel.ack) channel.reply(message.ref, "error", { reason: "Payload size exceeded" })
    return
  }
  fanOutBroadcast(rt, channel.key, channel, broadcast)
  if (channel.ack) channel.reply(message.ref, "ok")
}
