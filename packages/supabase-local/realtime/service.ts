import { randomBytes, randomUUID } from "node:crypto"
import { type IncomingMessage, type ServerResponse } from "node:http"
import { type Duplex } from "node:stream"

import { type JWTPayload } from "jose"
import { type RawData, WebSocket, WebSocketServer } from "ws"
import { z } from "zod"

import { BodyTooLargeError, readBody, sendJson } from "../http"
import { JwtError } from "../keys"
import {
  type Service,
  type ServiceContext,
  type ServiceFactory,
} from "../service"
import {
  canRead,
  canWrite,
  type AuthContext,
  type Extension,
} from "./authorization"
import {
  ChangeFeed,
  type ChangeBinding,
  type ChangeEvent,
  type ChangeSubscriber,
} from "./changes"
import { FilterParseError, parseFilters } from "./filters"
import {
  decodeBinary,
  decodeText,
  encodeMessage,
  encodeUserBroadcast,
  ProtocolError,
  SUPPORTED_VSN,
  type InboundMessage,
  type UserBroadcast,
  type Vsn,
} from "./protocol"

export type RealtimeOptions = {
  /** A socket whose unsent data grows past this is dropped (a slow consumer). */
  maxBufferedBytes?: number
  /** Largest WebSocket frame accepted; larger ones close that socket (1009). */
  maxFrameBytes?: number
  /** Largest broadcast or presence payload; larger ones get an error reply. */
  maxPayloadBytes?: number
  /** A socket silent for this long (no heartbeat) is closed, as Phoenix does. */
  idleTimeoutMs?: number
}

const DEFAULTS: Required<RealtimeOptions> = {
  maxBufferedBytes: 16 * 1024 * 1024,
  maxFrameBytes: 8 * 1024 * 1024,
  maxPayloadBytes: 3000 * 1024,
  idleTimeoutMs: 60_000,
}
/** Tokens are checked again at least this often, and exactly when they expire. */
const CONFIRM_TOKEN_MS = 5 * 60 * 1000
const PREFIX = "/realtime/v1"

// The join payload, parsed leniently: like Realtime, a malformed part falls back to defaults.
const flexibleBoolean = z
  .union([
    z.boolean(),
    z.enum(["true", "false"]).transform((v) => v === "true"),
  ])
  .catch(false)
const joinSchema = z.object({
  access_token: z.string().optional().catch(undefined),
  user_token: z.string().optional().catch(undefined),
  config: z
    .object({
      broadcast: z
        .object({
          self: flexibleBoolean.default(false),
          ack: flexibleBoolean.default(false),
        })
        .catch({ self: false, ack: false })
        .default({ self: false, ack: false }),
      presence: z
        .object({
          enabled: flexibleBoolean.default(false),
          key: z.unknown().optional(),
        })
        .catch({ enabled: false })
        .default({ enabled: false }),
      postgres_changes: z
        .array(z.record(z.string(), z.unknown()).nullable())
        .nullable()
        .catch([])
        .default([]),
      private: flexibleBoolean.default(false),
    })
    .catch({
      broadcast: { self: false, ack: false },
      presence: { enabled: false },
      postgres_changes: [],
      private: false,
    })
    .optional(),
})
type JoinPayload = z.infer<typeof joinSchema>

const changeParamsSchema = z.object({
  event: z.enum(["*", "INSERT", "UPDATE", "DELETE"]).default("*"),
  schema: z.string().min(1).default("public"),
  table: z.string().min(1).default("*"),
  filter: z.string().optional(),
})

const broadcastPushSchema = z.looseObject({
  type: z.literal("broadcast"),
  event: z.string(),
})
const presencePushSchema = z.object({
  type: z.literal("presence").optional(),
  event: z.string(),
  payload: z.unknown().optional(),
})
const accessTokenSchema = z.object({
  access_token: z.string().nullable().optional(),
})
const httpMessageSchema = z.object({
  topic: z.string().min(1),
  event: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  private: z.boolean().optional(),
})
const httpBatchSchema = z.object({
  messages: z.array(httpMessageSchema).min(1),
})

type Claims = JWTPayload & { role: string; exp: number }

class TokenError extends Error {}

function decodeExp(token: string): number | undefined {
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")
    )
    const exp = (payload as { exp?: unknown }).exp

    return typeof exp === "number" ? exp : undefined
  } catch {
    return undefined
  }
}

/** Verifies a token as Realtime does, turning failures into its error messages. */
async function verifyToken(
  ctx: ServiceContext,
  token: string
): Promise<Claims> {
  let claims: JWTPayload
  try {
    claims = await ctx.keys.verify(token)
  } catch (error) {
    if (!(error instanceof JwtError)) throw error
    if (error.reason === "expired") {
      const exp = decodeExp(token)
      const ago =
        exp === undefined ? 0 : Math.max(0, Math.floor(Date.now() / 1000) - exp)
      throw new TokenError(
        `InvalidJWTToken: Token has expired ${ago} seconds ago`
      )
    }
    if (error.reason === "invalid_signature") {
      throw new TokenError(
        "JwtSignatureError: Failed to validate JWT signature"
      )
    }
    throw new TokenError("MalformedJWT: The token provided is not a valid JWT")
  }
  if (typeof claims.role !== "string" || typeof claims.exp !== "number") {
    throw new TokenError(
      "InvalidJWTToken: Fields `role` and `exp` are required in JWT"
    )
  }

  return claims as Claims
}

type PresenceMeta = Record<string, unknown> & { phx_ref: string }

/** One topic namespace: public and private channels of the same name never mix. */
type Topic = {
  channels: Set<Channel>
  /** presence key → the metas tracked under it, one per tracking channel. */
  presence: Map<string, Map<Channel, PresenceMeta>>
}

class Hub {
  readonly topics = new Map<string, Topic>()

  topic(key: string): Topic {
    let topic = this.topics.get(key)
    if (!topic) {
      topic = { channels: new Set(), presence: new Map() }
      this.topics.set(key, topic)
    }

    return topic
  }

  release(key: string) {
    const topic = this.topics.get(key)
    if (topic && topic.channels.size === 0 && topic.presence.size === 0)
      this.topics.delete(key)
  }
}

function namespaceKey(isPrivate: boolean, subTopic: string) {
  return `${isPrivate ? "private" : "public"}:${subTopic}`
}

function presenceRef() {
  return randomBytes(9).toString("base64url")
}

function presenceState(topic: Topic) {
  const state: Record<string, { metas: PresenceMeta[] }> = {}
  for (const [key, metas] of topic.presence)
    state[key] = { metas: [...metas.values()] }

  return state
}

class Channel implements ChangeSubscriber {
  role: string
  claims: Claims
  token: string
  readonly key: string
  readonly presenceKey: string
  presenceEnabled: boolean
  readonly selfBroadcast: boolean
  readonly ack: boolean
  bindings: ChangeBinding[] = []
  policies: {
    read: Record<Extension, boolean>
    write: Partial<Record<Extension, boolean>>
  } = {
    read: { broadcast: true, presence: true },
    write: {},
  }
  tokenTimer: NodeJS.Timeout | undefined
  closed = false

  constructor(
    readonly connection: Connection,
    readonly topic: string,
    readonly subTopic: string,
    readonly joinRef: string | null,
    readonly isPrivate: boolean,
    join: NonNullable<JoinPayload["config"]>,
    token: string,
    claims: Claims
  ) {
    this.token = token
    this.claims = claims
    this.role = claims.role
    this.key = namespaceKey(isPrivate, subTopic)
    const key = join.presence.key
    this.presenceKey =
      typeof key === "string" && key !== ""
        ? key
        : typeof key === "number"
          ? String(key)
          : randomUUID()
    this.presenceEnabled = join.presence.enabled
    this.selfBroadcast = join.broadcast.self
    this.ack = join.broadcast.ack
  }

  get authContext(): AuthContext {
    return { topic: this.subTopic, role: this.role, claims: this.claims }
  }

  push(event: string, payload: unknown, ref: string | null = null) {
    this.connection.sendText(
      encodeMessage(
        this.connection.vsn,
        { joinRef: this.joinRef, ref, topic: this.topic, event },
        JSON.stringify(payload)
      )
    )
  }

  reply(ref: string | null, status: "ok" | "error", response: unknown = {}) {
    this.push("phx_reply", { status, response }, ref)
  }

  deliverChange(ids: number[], dataJson: string) {
    if (this.closed) return
    this.connection.sendText(
      encodeMessage(
        this.connection.vsn,
        {
          joinRef: null,
          ref: null,
          topic: this.topic,
          event: "postgres_changes",
        },
        `{"ids":${JSON.stringify(ids)},"data":${dataJson}}`
      )
    )
  }
}

class Connection {
  readonly channels = new Map<string, Channel>()
  lastSeen = Date.now()
  private queue: Promise<void> = Promise.resolve()
  private dropped = false

  constructor(
    readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly apiKey: string,
    private readonly limits: Required<RealtimeOptions>,
    private readonly log: (line: string) => void
  ) {}

  /** Frames are handled one after another so a join completes before what follows it. */
  enqueue(task: () => Promise<void>) {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.log(`[realtime] error handling a frame: ${String(error)}`)
    })
  }

  private canSend() {
    if (this.dropped || this.ws.readyState !== WebSocket.OPEN) return false
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.drop("slow consumer: the socket's send buffer exceeded its limit")
      return false
    }

    return true
  }

  sendText(frame: string) {
    if (this.canSend()) this.ws.send(frame)
  }

  sendBinary(frame: Buffer) {
    if (this.canSend()) this.ws.send(frame, { binary: true })
  }

  drop(reason: string) {
    if (this.dropped) return
    this.dropped = true
    this.log(`[realtime] dropping a socket: ${reason}`)
    // The close frame waits behind the unread data, so the socket is cut if it is not read.
    this.ws.close(1008, reason.slice(0, 120))
    setTimeout(() => this.ws.terminate(), 10_000).unref()
  }
}

/** Realtime at /realtime/v1, speaking the Phoenix channel protocol of Supabase Realtime. */
export function realtimeService(options: RealtimeOptions = {}): ServiceFactory {
  return (ctx) => createRealtime(ctx, { ...DEFAULTS, ...options })
}

export const createRealtimeService: ServiceFactory = realtimeService()

function createRealtime(
  ctx: ServiceContext,
  limits: Required<RealtimeOptions>
): Service {
  const hub = new Hub()
  const connections = new Set<Connection>()
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
  })
  const feed = new ChangeFeed(
    ctx.db,
    ctx.log,
    (id) => void deliverStoredMessage(id)
  )
  let bindingIds = 0
  let idleTimer: NodeJS.Timeout | undefined

  // ---- broadcast and presence fan-out ------------------------------------------------------

  function fanOutBroadcast(
    key: string,
    from: Channel | null,
    broadcast: { json: Record<string, unknown> } | { user: UserBroadcast }
  ) {
    const topic = hub.topics.get(key)
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
    if ("json" in broadcast)
      return encodeMessage(vsn, message, JSON.stringify(broadcast.json))
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

  function fanOutPresenceDiff(
    key: string,
    diff: { joins: object; leaves: object }
  ) {
    const topic = hub.topics.get(key)
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

  function untrack(channel: Channel) {
    const topic = hub.topics.get(channel.key)
    const metas = topic?.presence.get(channel.presenceKey)
    const meta = metas?.get(channel)
    if (!topic || !metas || !meta) return
    metas.delete(channel)
    if (metas.size === 0) topic.presence.delete(channel.presenceKey)
    fanOutPresenceDiff(channel.key, {
      joins: {},
      leaves: { [channel.presenceKey]: { metas: [meta] } },
    })
  }

  function track(channel: Channel, payload: Record<string, unknown>) {
    const topic = hub.topic(channel.key)
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
    fanOutPresenceDiff(channel.key, {
      joins: { [channel.presenceKey]: { metas: [meta] } },
      leaves: previous ? { [channel.presenceKey]: { metas: [previous] } } : {},
    })
  }

  async function deliverStoredMessage(id: string) {
    try {
      const { rows } = await ctx.db.query<{
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
      fanOutBroadcast(namespaceKey(row.private ?? true, row.topic), null, {
        json: {
          type: "broadcast",
          event: row.event,
          payload: row.payload ?? {},
          meta: { id },
        },
      })
    } catch (error) {
      ctx.log(`[realtime] realtime.send message ${id} failed: ${String(error)}`)
    }
  }

  // ---- channels ----------------------------------------------------------------------------

  function scheduleTokenCheck(channel: Channel) {
    clearTimeout(channel.tokenTimer)
    const untilExpiry = channel.claims.exp * 1000 - Date.now()
    channel.tokenTimer = setTimeout(
      () => channel.connection.enqueue(() => confirmToken(channel)),
      Math.max(0, Math.min(CONFIRM_TOKEN_MS, untilExpiry + 50))
    )
    channel.tokenTimer.unref()
  }

  async function confirmToken(channel: Channel) {
    if (channel.closed) return
    try {
      channel.claims = await verifyToken(ctx, channel.token)
      scheduleTokenCheck(channel)
    } catch (error) {
      shutdown(
        channel,
        error instanceof TokenError ? stripCode(error.message) : String(error)
      )
    }
  }

  function stripCode(message: string) {
    // Realtime's shutdown messages carry the reason without the log code.
    return message.replace(/^[A-Za-z]+: /, "")
  }

  /** Closes a channel from the server side as Realtime does: a system error, then phx_close. */
  function shutdown(channel: Channel, message: string) {
    if (channel.closed) return
    channel.push("system", {
      extension: "system",
      status: "error",
      message,
      channel: channel.subTopic,
    })
    channel.push("phx_close", {}, channel.joinRef)
    teardown(channel)
  }

  function teardown(channel: Channel) {
    if (channel.closed) return
    channel.closed = true
    clearTimeout(channel.tokenTimer)
    for (const binding of channel.bindings) feed.remove(binding)
    if (channel.connection.channels.get(channel.topic) === channel) {
      channel.connection.channels.delete(channel.topic)
    }
    const topic = hub.topics.get(channel.key)
    topic?.channels.delete(channel)
    untrack(channel)
    hub.release(channel.key)
  }

  async function join(connection: Connection, message: InboundMessage) {
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
    const given = payload.access_token ?? payload.user_token
    const token = !given || given.startsWith("sb_") ? connection.apiKey : given

    let claims: Claims
    try {
      claims = await verifyToken(ctx, token)
    } catch (error) {
      if (error instanceof TokenError)
        return reply("error", { reason: error.message })
      throw error
    }

    // A second join of the same topic replaces the first, as Phoenix does.
    const existing = connection.channels.get(message.topic)
    if (existing) {
      existing.push("phx_close", {}, existing.joinRef)
      teardown(existing)
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
      const read = await canRead(ctx.db, channel.authContext, [
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
        const id = ++bindingIds
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
        failure = await feed.validate(
          { ...params.data, event, filters },
          channel.role
        )
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
        await feed.syncCapture((table) =>
          bindings.some(
            (binding) =>
              (binding.schema === "*" || binding.schema === table.schema) &&
              (binding.table === "*" || binding.table === table.table)
          )
        )
        channel.bindings = bindings
        for (const binding of bindings) feed.add(binding)
        systemMessages.push({
          status: "ok",
          message: "Subscribed to PostgreSQL",
        })
      }
    }

    connection.channels.set(message.topic, channel)
    hub.topic(channel.key).channels.add(channel)
    scheduleTokenCheck(channel)
    reply("ok", { postgres_changes: replyChanges })
    for (const system of systemMessages) {
      channel.push("system", {
        extension: "postgres_changes",
        status: system.status,
        message: system.message,
        channel: subTopic,
      })
    }
    if (
      channel.presenceEnabled &&
      (!channel.isPrivate || channel.policies.read.presence)
    ) {
      channel.push("presence_state", presenceState(hub.topic(channel.key)))
    }
  }

  async function refreshToken(channel: Channel, message: InboundMessage) {
    const parsed = accessTokenSchema.safeParse(message.payload)
    const token = parsed.success ? parsed.data.access_token : undefined
    if (!token || token.startsWith("sb_") || token === channel.token) return
    try {
      const claims = await verifyToken(ctx, token)
      channel.token = token
      channel.claims = claims
      channel.role = claims.role
      channel.policies.write = {}
      if (channel.isPrivate) {
        const read = await canRead(ctx.db, channel.authContext, [
          "broadcast",
          ...(channel.presenceEnabled ? (["presence"] as const) : []),
        ])
        if (
          (channel.policies.read.broadcast && !read.broadcast) ||
          (channel.policies.read.presence &&
            channel.presenceEnabled &&
            !read.presence)
        ) {
          return shutdown(
            channel,
            `You no longer have permission to read from this Channel topic: ${channel.subTopic}`
          )
        }
        channel.policies.read = read
      }
      scheduleTokenCheck(channel)
    } catch (error) {
      if (!(error instanceof TokenError)) throw error
      shutdown(channel, stripCode(error.message))
    }
  }

  async function mayWrite(
    channel: Channel,
    extension: Extension
  ): Promise<boolean> {
    if (!channel.isPrivate) return true
    const known = channel.policies.write[extension]
    if (known !== undefined) return known
    const allowed = await canWrite(ctx.db, channel.authContext, extension)
    channel.policies.write[extension] = allowed

    return allowed
  }

  async function handleBroadcast(channel: Channel, message: InboundMessage) {
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
    if (!(await mayWrite(channel, "broadcast"))) return
    if (size > limits.maxPayloadBytes) {
      if (channel.ack)
        channel.reply(message.ref, "error", { reason: "Payload size exceeded" })
      return
    }
    fanOutBroadcast(channel.key, channel, broadcast)
    if (channel.ack) channel.reply(message.ref, "ok")
  }

  async function handlePresence(channel: Channel, message: InboundMessage) {
    const parsed = presencePushSchema.safeParse(message.payload)
    if (!parsed.success)
      return channel.reply(message.ref, "error", {
        reason: "Invalid presence payload",
      })
    const event = parsed.data.event.toLowerCase()
    if (event === "untrack") {
      untrack(channel)
      return channel.reply(message.ref, "ok")
    }
    if (event !== "track") {
      return channel.reply(message.ref, "error", {
        reason: `UnknownPresenceEvent: ${event}`,
      })
    }
    const payload = parsed.data.payload ?? {}
    if (
      typeof payload !== "object" ||
      payload === null ||
      Array.isArray(payload)
    ) {
      return channel.reply(message.ref, "error", {
        reason: "Presence track payload must be a map",
      })
    }
    if (Buffer.byteLength(JSON.stringify(payload)) > limits.maxPayloadBytes) {
      return shutdown(channel, "Track message size exceeded")
    }
    if (!(await mayWrite(channel, "presence")))
      return channel.reply(message.ref, "error")
    channel.presenceEnabled = true
    track(channel, payload as Record<string, unknown>)
    channel.reply(message.ref, "ok")
  }

  async function handleFrame(connection: Connection, message: InboundMessage) {
    const replyTo = (status: "ok" | "error", response: unknown) =>
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
    if (message.topic === "phoenix") {
      if (message.event === "heartbeat") replyTo("ok", {})
      else replyTo("error", { reason: "unmatched topic" })
      return
    }
    if (message.event === "phx_join") {
      if (!message.topic.startsWith("realtime:"))
        return replyTo("error", { reason: "unmatched topic" })
      return join(connection, message)
    }
    const channel = connection.channels.get(message.topic)
    if (
      !channel ||
      (message.joinRef !== null && message.joinRef !== channel.joinRef)
    ) {
      return replyTo("error", { reason: "unmatched topic" })
    }
    switch (message.event) {
      case "phx_leave":
        replyTo("ok", {})
        return teardown(channel)
      case "access_token":
        return refreshToken(channel, message)
      case "broadcast":
        return handleBroadcast(channel, message)
      case "presence":
        return handlePresence(channel, message)
      default:
        // Realtime ignores events it does not know; a ref still gets an answer.
        if (message.ref !== null)
          replyTo("error", { reason: `unknown event ${message.event}` })
    }
  }

  function onFrame(connection: Connection, data: RawData, isBinary: boolean) {
    connection.lastSeen = Date.now()
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data)
    let message: InboundMessage
    try {
      message = isBinary
        ? connection.vsn === "2.0.0"
          ? decodeBinary(buffer)
          : (() => {
              throw new ProtocolError("binary frames need vsn 2.0.0")
            })()
        : decodeText(connection.vsn, buffer.toString("utf8"))
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error
      // No ref to answer: the error goes to the socket-level topic, which no channel listens to.
      connection.sendText(
        encodeMessage(
          connection.vsn,
          { joinRef: null, ref: null, topic: "phoenix", event: "phx_error" },
          JSON.stringify({ reason: `malformed message: ${error.message}` })
        )
      )
      return
    }
    connection.enqueue(() => handleFrame(connection, message))
  }

  // ---- HTTP broadcast API ------------------------------------------------------------------

  async function claimsForRequest(req: IncomingMessage): Promise<Claims> {
    const url = new URL(req.url ?? "/", "http://localhost")
    const apiKey =
      headerValue(req.headers.apikey) ?? url.searchParams.get("apikey")
    if (!apiKey) throw new TokenError("API key is missing")
    const apiClaims = await verifyToken(ctx, apiKey)
    const bearer = headerValue(req.headers.authorization)?.replace(
      /^Bearer\s+/i,
      ""
    )
    if (!bearer || bearer.startsWith("sb_")) return apiClaims

    return verifyToken(ctx, bearer)
  }

  async function broadcastOverHttp(
    claims: Claims,
    messages: z.infer<typeof httpMessageSchema>[]
  ) {
    const allowed = new Map<string, boolean>()
    for (const message of messages) {
      const isPrivate = message.private ?? false
      if (isPrivate) {
        let ok = allowed.get(message.topic)
        if (ok === undefined) {
          ok = await canWrite(
            ctx.db,
            { topic: message.topic, role: claims.role, claims },
            "broadcast"
          )
          allowed.set(message.topic, ok)
        }
        // As on hosted Realtime, unauthorized private messages are dropped, not reported.
        if (!ok) continue
      }
      fanOutBroadcast(namespaceKey(isPrivate, message.topic), null, {
        json: {
          type: "broadcast",
          event: message.event,
          payload: message.payload,
        },
      })
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost")
    const rest = url.pathname.slice(PREFIX.length)
    const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(rest)
    if (rest !== "/api/broadcast" && !single) {
      return sendJson(res, 404, {
        message: "no Route matched with those values",
      })
    }
    if (req.method !== "POST")
      return sendJson(res, 405, { error: "Method not allowed" })

    let claims: Claims
    try {
      claims = await claimsForRequest(req)
    } catch (error) {
      if (error instanceof TokenError)
        return sendJson(res, 401, { error: error.message })
      throw error
    }
    let body: Buffer
    try {
      body = await readBody(req, limits.maxPayloadBytes + 64 * 1024)
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return sendJson(res, 413, {
          error: "Payload size exceeds tenant limit",
        })
      }
      throw error
    }
    let json: unknown
    try {
      json = JSON.parse(body.toString("utf8"))
    } catch {
      return sendJson(res, 400, { error: "Request body must be JSON" })
    }

    if (single) {
      const payload = z.record(z.string(), z.unknown()).safeParse(json)
      if (!payload.success)
        return sendJson(res, 422, { error: "Payload must be a JSON object" })
      await broadcastOverHttp(claims, [
        {
          topic: decodeURIComponent(single[1]!),
          event: decodeURIComponent(single[2]!),
          payload: payload.data,
          private: url.searchParams.get("private") === "true",
        },
      ])
    } else {
      const batch = httpBatchSchema.safeParse(json)
      if (!batch.success) {
        return sendJson(res, 422, {
          error: "Invalid broadcast messages",
          errors: z.flattenError(batch.error),
        })
      }
      await broadcastOverHttp(claims, batch.data.messages)
    }
    res.writeHead(202).end()
  }

  // ---- sockets -----------------------------------------------------------------------------

  function rejectUpgrade(
    socket: Duplex,
    status: number,
    text: string,
    message: string
  ) {
    const body = JSON.stringify({ error: message })
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
    )
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? "/", "http://localhost")
    if (
      url.pathname !== `${PREFIX}/websocket` &&
      url.pathname !== `${PREFIX}/websocket/`
    ) {
      return rejectUpgrade(
        socket,
        404,
        "Not Found",
        "no Route matched with those values"
      )
    }
    const vsn = (url.searchParams.get("vsn") ?? "1.0.0") as Vsn
    if (!SUPPORTED_VSN.includes(vsn)) {
      return rejectUpgrade(
        socket,
        400,
        "Bad Request",
        `Unsupported serializer version: ${vsn}`
      )
    }
    const apiKey =
      url.searchParams.get("apikey") ?? headerValue(req.headers.apikey)
    if (!apiKey)
      return rejectUpgrade(socket, 401, "Unauthorized", "API key is missing")
    verifyToken(ctx, apiKey).then(
      () => {
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, vsn, apiKey))
      },
      (error: unknown) => {
        const message =
          error instanceof TokenError ? error.message : "Invalid API key"
        rejectUpgrade(socket, 403, "Forbidden", message)
      }
    )
  }

  function accept(ws: WebSocket, vsn: Vsn, apiKey: string) {
    const connection = new Connection(ws, vsn, apiKey, limits, ctx.log)
    connections.add(connection)
    ws.on("message", (data, isBinary) => onFrame(connection, data, isBinary))
    ws.on("error", (error) =>
      ctx.log(`[realtime] socket error: ${error.message}`)
    )
    ws.on("close", () => {
      connections.delete(connection)
      for (const channel of [...connection.channels.values()]) teardown(channel)
    })
  }

  return {
    name: "realtime",
    prefix: PREFIX,
    handle,
    upgrade,
    async start() {
      await feed.start()
      idleTimer = setInterval(
        () => {
          const cutoff = Date.now() - limits.idleTimeoutMs
          for (const connection of connections) {
            if (connection.lastSeen < cutoff)
              connection.drop("no heartbeat within the timeout")
          }
        },
        Math.min(15_000, limits.idleTimeoutMs)
      )
      idleTimer.unref()
    },
    async stop() {
      clearInterval(idleTimer)
      for (const connection of connections) connection.ws.terminate()
      connections.clear()
      wss.close()
      await feed.stop()
    },
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
