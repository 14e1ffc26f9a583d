// What every part of Realtime shares: its limits, the topics (hub) with their channels and
// presence, the sockets, the change feed, and token verification as Realtime words it.
import { randomUUID } from "node:crypto"
import { type Duplex } from "node:stream"

import { type JWTPayload } from "jose"
import { type WebSocket, type WebSocketServer } from "ws"
import { z } from "zod"

import { JwtError } from "../keys"
import { type ServiceContext } from "../service"
import { type AuthContext, type Extension } from "./authorization"
import {
  type ChangeBinding,
  type ChangeFeed,
  type ChangeSubscriber,
  type Corkable,
} from "./changes"
import { encodeMessage, type Vsn } from "./protocol"

// WebSocket.OPEN (the WHATWG readyState ws uses), without loading ws with the stack's code.
const OPEN = 1

export type RealtimeOptions = {
  /** A socket whose unsent data grows past this is dropped (a slow consumer). */
  maxBufferedBytes?: number
  /** Largest WebSocket frame accepted; larger ones close that socket (1009). */
  maxFrameBytes?: number
  /** Largest broadcast or presence payload; larger ones get an error reply. */
  maxPayloadBytes?: number
  /** A socket silent for this long (no heartbeat) is closed, as Phoenix does. */
  idleTimeoutMs?: number
  /**
   * Supabase Realtime's "private channels only" setting (the tenant's private_only, the
   * dashboard's "Allow public access" switched off): joins without `config.private` are
   * refused, so every channel is authorized by realtime.messages policies. On by default.
   */
  privateOnly?: boolean
}

export const DEFAULTS: Required<RealtimeOptions> = {
  maxBufferedBytes: 16 * 1024 * 1024,
  maxFrameBytes: 8 * 1024 * 1024,
  maxPayloadBytes: 3000 * 1024,
  idleTimeoutMs: 60_000,
  privateOnly: true,
}
/** Tokens are checked again at least this often, and exactly when they expire. */
export const CONFIRM_TOKEN_MS = 5 * 60 * 1000
export const PREFIX = "/realtime/v1"

/** The state of one Realtime service, passed to each handler module. */
export type RealtimeState = {
  ctx: ServiceContext
  limits: Required<RealtimeOptions>
  hub: Hub
  connections: Set<Connection>
  wss: WebSocketServer
  feed: ChangeFeed
  nextBindingId(): number
}

// The join payload, parsed leniently: like Realtime, a malformed part falls back to defaults.
const flexibleBoolean = z
  .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
  .catch(false)
export const joinSchema = z.object({
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
export type JoinPayload = z.infer<typeof joinSchema>

export type Claims = JWTPayload & { role: string; exp: number }

export class TokenError extends Error {}

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
export async function verifyToken(ctx: ServiceContext, token: string): Promise<Claims> {
  let claims: JWTPayload
  try {
    claims = await ctx.keys.verify(token)
  } catch (error) {
    if (!(error instanceof JwtError)) throw error
    if (error.reason === "expired") {
      const exp = decodeExp(token)
      const ago = exp === undefined ? 0 : Math.max(0, Math.floor(Date.now() / 1000) - exp)
      throw new TokenError(`InvalidJWTToken: Token has expired ${ago} seconds ago`)
    }
    if (error.reason === "invalid_signature") {
      throw new TokenError("JwtSignatureError: Failed to validate JWT signature")
    }
    throw new TokenError("MalformedJWT: The token provided is not a valid JWT")
  }
  if (typeof claims.role !== "string" || typeof claims.exp !== "number") {
    throw new TokenError("InvalidJWTToken: Fields `role` and `exp` are required in JWT")
  }

  return claims as Claims
}

export type PresenceMeta = Record<string, unknown> & { phx_ref: string }

/** One topic namespace: public and private channels of the same name never mix. */
export type Topic = {
  channels: Set<Channel>
  /** presence key → the metas tracked under it, one per tracking channel. */
  presence: Map<string, Map<Channel, PresenceMeta>>
}

export class Hub {
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
    if (topic && topic.channels.size === 0 && topic.presence.size === 0) this.topics.delete(key)
  }
}

export function namespaceKey(isPrivate: boolean, subTopic: string) {
  return `${isPrivate ? "private" : "public"}:${subTopic}`
}

export class Channel implements ChangeSubscriber {
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

  get transport(): Corkable {
    return this.connection
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

export class Connection implements Corkable {
  readonly channels = new Map<string, Channel>()
  lastSeen = Date.now()
  private queue: Promise<void> = Promise.resolve()
  private dropped = false

  constructor(
    readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly apiKey: string,
    private readonly limits: Required<RealtimeOptions>,
    private readonly log: (line: string) => void,
    /** The upgraded TCP socket under ws: corking it makes several frames one write. */
    private readonly socket?: Duplex
  ) {}

  cork() {
    this.socket?.cork()
  }

  uncork() {
    this.socket?.uncork()
  }

  /** Frames are handled one after another so a join completes before what follows it. */
  enqueue(task: () => Promise<void>) {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.log(`[realtime] error handling a frame: ${String(error)}`)
    })
  }

  private canSend() {
    if (this.dropped || this.ws.readyState !== OPEN) return false
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

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
