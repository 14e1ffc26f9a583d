// A channel's life after its join: token checks until it closes, write permissions, and
// closing it (from either side), which also leaves its presence.
import { canWrite, type Extension } from "./authorization"
import {
  CONFIRM_TOKEN_MS,
  TokenError,
  verifyToken,
  type Channel,
  type RealtimeState,
} from "./kernel"
import { encodeMessage } from "./protocol"

export function fanOutPresenceDiff(
  rt: RealtimeState,
  key: string,
  diff: { joins: object; leaves: object }
) {
  const topic = rt.hub.topics.get(key)
  if (!topic) return
  for (const channel of topic.channels) {
    if (channel.isPrivate && !channel.policies.read.presence) continue
    channel.connection.sendText(
      encodeMessage(
        channel.connection.vsn,
        {
          joinRef: null,
          ref: null,
          topic: channel.topic,
          event: "presence_diff",
        },
        JSON.stringify(diff)
      )
    )
  }
}

export function untrack(rt: RealtimeState, channel: Channel) {
  const topic = rt.hub.topics.get(channel.key)
  const metas = topic?.presence.get(channel.presenceKey)
  const meta = metas?.get(channel)
  if (!topic || !metas || !meta) return
  metas.delete(channel)
  if (metas.size === 0) topic.presence.delete(channel.presenceKey)
  fanOutPresenceDiff(rt, channel.key, {
    joins: {},
    leaves: { [channel.presenceKey]: { metas: [meta] } },
  })
}

export function scheduleTokenCheck(rt: RealtimeState, channel: Channel) {
  clearTimeout(channel.tokenTimer)
  const untilExpiry = channel.claims.exp * 1000 - Date.now()
  channel.tokenTimer = setTimeout(
    () => channel.connection.enqueue(() => confirmToken(rt, channel)),
    Math.max(0, Math.min(CONFIRM_TOKEN_MS, untilExpiry + 50))
  )
  channel.tokenTimer.unref()
}

async function confirmToken(rt: RealtimeState, channel: Channel) {
  if (channel.closed) return
  try {
    channel.claims = await verifyToken(rt.ctx, channel.token)
    scheduleTokenCheck(rt, channel)
  } catch (error) {
    shutdown(rt, channel, error instanceof TokenError ? stripCode(error.message) : String(error))
  }
}

export function stripCode(message: string) {
  // Realtime's shutdown messages carry the reason without the log code.
  return message.replace(/^[A-Za-z]+: /, "")
}

/** Closes a channel from the server side as Realtime does: a system error, then phx_close. */
export function shutdown(rt: RealtimeState, channel: Channel, message: string) {
  if (channel.closed) return
  channel.push("system", {
    extension: "system",
    status: "error",
    message,
    channel: channel.subTopic,
  })
  channel.push("phx_close", {}, channel.joinRef)
  teardown(rt, channel)
}

export function teardown(rt: RealtimeState, channel: Channel) {
  if (channel.closed) return
  channel.closed = true
  clearTimeout(channel.tokenTimer)
  for (const binding of channel.bindings) rt.feed.remove(binding)
  if (channel.connection.channels.get(channel.topic) === channel) {
    channel.connection.channels.delete(channel.topic)
  }
  const topic = rt.hub.topics.get(channel.key)
  topic?.channels.delete(channel)
  untrack(rt, channel)
  rt.hub.release(channel.key)
}

export async function mayWrite(
  rt: RealtimeState,
  channel: Channel,
  extension: Extension
): Promise<boolean> {
  if (!channel.isPrivate) return true
  const known = channel.policies.write[extension]
  if (known !== undefined) return known
  const allowed = await canWrite(rt.ctx.db, channel.authContext, extension)
  channel.policies.write[extension] = allowed

  return allowed
}
