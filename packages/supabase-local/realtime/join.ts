// phx_join (the channel's token, private-channel policies, postgres_changes bindings) and
// access_token (a new token for a joined channel).
import { z } from "zod"

import { canRead } from "./authorization"
import { type ChangeBinding, type ChangeEvent } from "./changes"
import { scheduleTokenCheck, shutdown, stripCode, teardown } from "./channels"
import { FilterParseError, parseFilters } from "./filters"
import {
  Channel,
  joinSchema,
  TokenError,
  verifyToken,
  type Claims,
  type Connection,
  type JoinPayload,
  type RealtimeState,
} from "./kernel"
import { presenceState } from "./presence"
import { encodeMessage, type InboundMessage } from "./protocol"

const changeParamsSchema = z.object({
  event: z.enum(["*", "INSERT", "UPDATE", "DELETE"]).default("*"),
  schema: z.string().min(1).default("public"),
  table: z.string().min(1).default("*"),
  filter: z.string().optional(),
})
const accessTokenSchema = z.object({
  access_token: z.string().nullable().optional(),
})

export async function join(rt: RealtimeState, connection: Connection, message: InboundMessage) {
  const reply = (status: "ok" | "error", response: unknown) =>
    connection.sendText(
      encodeMessage(
        connection.vsn,
        {
          joinRef: message.joinRef,
          ref: message.ref,
          topic: message.topic,
          event: "phx_reply",
        },
        JSON.stringify({ status, response })
      )
    )
  const subTopic = message.topic.slice("realtime:".length)
  if (subTopic === "") {
    return reply("error", {
      reason: "TopicNameRequired: You must provide a topic name",
    })
  }
  const parsed = joinSchema.safeParse(message.payload ?? {})
  const payload: JoinPayload = parsed.success ? parsed.data : {}
  const config = payload.config ?? {
    broadcast: { self: false, ack: false },
    presence: { enabled: false },
    postgres_changes: [],
    private: false,
  }
  if (rt.limits.privateOnly && !config.private) {
    // Realtime's join answers {:error, :private_only} with this reason (RealtimeChannel).
    return reply("error", { reason: "PrivateOnly: This project only allows private channels" })
  }
  const given = payload.access_token ?? payload.user_token
  const token = !given || given.startsWith("sb_") ? connection.apiKey : given

  let claims: Claims
  try {
    claims = await verifyToken(rt.ctx, token)
  } catch (error) {
    if (error instanceof TokenError) return reply("error", { reason: error.message })
    throw error
  }

  // A second join of the same topic replaces the first, as Phoenix does.
  const existing = connection.channels.get(message.topic)
  if (existing) {
    existing.push("phx_close", {}, existing.joinRef)
    teardown(rt, existing)
  }

  const channel = new Channel(
    connection,
    message.topic,
    subTopic,
    message.joinRef,
    config.private,
    config,
    token,
    claims
  )
  if (channel.isPrivate) {
    const read = await canRead(rt.ctx.db, channel.authContext, [
      "broadcast",
      ...(channel.presenceEnabled ? (["presence"] as const) : []),
    ])
    if (!read.broadcast && !read.presence) {
      return reply("error", {
        reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`,
      })
    }
    channel.policies.read = read
  }

  const changeParams = (config.postgres_changes ?? []).filter(
    (params): params is Record<string, unknown> => params !== null
  )
  const systemMessages: { status: "ok" | "error"; message: string }[] = []
  const replyChanges: Record<string, unknown>[] = []
  if (changeParams.length > 0) {
    let failure: string | null = null
    const bindings: ChangeBinding[] = []
    for (const raw of changeParams) {
      const id = rt.nextBindingId()
      replyChanges.push({ ...raw, id })
      if (failure) continue
      const params = changeParamsSchema.safeParse(raw)
      if (!params.success) {
        failure = `Unable to subscribe to changes with given parameters: ${JSON.stringify(raw)}`
        continue
      }
      let filters
      try {
        filters = parseFilters(params.data.filter)
      } catch (error) {
        if (!(error instanceof FilterParseError)) throw error
        failure = error.message
        continue
      }
      const event: ChangeEvent = params.data.event
      failure = await rt.feed.validate({ ...params.data, event, filters }, channel.role)
      bindings.push({
        id,
        event,
        schema: params.data.schema,
        table: params.data.table,
        filters,
        subscriber: channel,
      })
    }
    if (failure) {
      systemMessages.push({ status: "error", message: failure })
    } else {
      await rt.feed.syncCapture((table) =>
        bindings.some(
          (binding) =>
            (binding.schema === "*" || binding.schema === table.schema) &&
            (binding.table === "*" || binding.table === table.table)
        )
      )
      channel.bindings = bindings
      for (const binding of bindings) rt.feed.add(binding)
      systemMessages.push({
        status: "ok",
        message: "Subscribed to PostgreSQL",
      })
    }
  }

  connection.channels.set(message.topic, channel)
  rt.hub.topic(channel.key).channels.add(channel)
  scheduleTokenCheck(rt, channel)
  reply("ok", { postgres_changes: replyChanges })
  for (const system of systemMessages) {
    channel.push("system", {
      extension: "postgres_changes",
      status: system.status,
      message: system.message,
      channel: subTopic,
    })
  }
  if (channel.presenceEnabled && (!channel.isPrivate || channel.policies.read.presence)) {
    channel.push("presence_state", presenceState(rt.hub.topic(channel.key)))
  }
}

export async function refreshToken(rt: RealtimeState, channel: Channel, message: InboundMessage) {
  const parsed = accessTokenSchema.safeParse(message.payload)
  const token = parsed.success ? parsed.data.access_token : undefined
  if (!token || token.startsWith("sb_") || token === channel.token) return
  try {
    const claims = await verifyToken(rt.ctx, token)
    channel.token = token
    channel.claims = claims
    channel.role = claims.role
    channel.policies.write = {}
    if (channel.isPrivate) {
      const read = await canRead(rt.ctx.db, channel.authContext, [
        "broadcast",
        ...(channel.presenceEnabled ? (["presence"] as const) : []),
      ])
      if (
        (channel.policies.read.broadcast && !read.broadcast) ||
        (channel.policies.read.presence && channel.presenceEnabled && !read.presence)
      ) {
        return shutdown(
          rt,
          channel,
          `You no longer have permission to read from this Channel topic: ${channel.subTopic}`
        )
      }
      channel.policies.read = read
    }
    scheduleTokenCheck(rt, channel)
  } catch (error) {
    if (!(error instanceof TokenError)) throw error
    shutdown(rt, channel, stripCode(error.message))
  }
}
