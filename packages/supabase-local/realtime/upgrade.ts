// The WebSocket: the upgrade (path, serializer version, API key), then each frame decoded
// and dispatched to its handler, one after another per socket.
import { type IncomingMessage } from "node:http"
import { type Duplex } from "node:stream"

import { type RawData, type WebSocket } from "ws"

import { handleBroadcast } from "./broadcast"
import { teardown } from "./channels"
import { join, refreshToken } from "./join"
import {
  Connection,
  headerValue,
  PREFIX,
  TokenError,
  verifyToken,
  type RealtimeState,
} from "./kernel"
import { handlePresence } from "./presence"
import {
  decodeBinary,
  decodeText,
  encodeMessage,
  ProtocolError,
  SUPPORTED_VSN,
  type InboundMessage,
  type Vsn,
} from "./protocol"

async function handleFrame(rt: RealtimeState, connection: Connection, message: InboundMessage) {
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
    return join(rt, connection, message)
  }
  const channel = connection.channels.get(message.topic)
  if (!channel || (message.joinRef !== null && message.joinRef !== channel.joinRef)) {
    return replyTo("error", { reason: "unmatched topic" })
  }
  switch (message.event) {
    case "phx_leave":
      replyTo("ok", {})
      return teardown(rt, channel)
    case "access_token":
      return refreshToken(rt, channel, message)
    case "broadcast":
      return handleBroadcast(rt, channel, message)
    case "presence":
      return handlePresence(rt, channel, message)
    default:
      // Realtime ignores events it does not know; a ref still gets an answer.
      if (message.ref !== null) replyTo("error", { reason: `unknown event ${message.event}` })
  }
}

function onFrame(rt: RealtimeState, connection: Connection, data: RawData, isBinary: boolean) {
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
  connection.enqueue(() => handleFrame(rt, connection, message))
}

function rejectUpgrade(socket: Duplex, status: number, text: string, message: string) {
  const body = JSON.stringify({ error: message })
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

export function upgrade(rt: RealtimeState, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const url = new URL(req.url ?? "/", "http://localhost")
  if (url.pathname !== `${PREFIX}/websocket` && url.pathname !== `${PREFIX}/websocket/`) {
    return rejectUpgrade(socket, 404, "Not Found", "no Route matched with those values")
  }
  const vsn = (url.searchParams.get("vsn") ?? "1.0.0") as Vsn
  if (!SUPPORTED_VSN.includes(vsn)) {
    return rejectUpgrade(socket, 400, "Bad Request", `Unsupported serializer version: ${vsn}`)
  }
  const apiKey = url.searchParams.get("apikey") ?? headerValue(req.headers.apikey)
  if (!apiKey) return rejectUpgrade(socket, 401, "Unauthorized", "API key is missing")
  verifyToken(rt.ctx, apiKey).then(
    () => {
      rt.wss.handleUpgrade(req, socket, head, (ws) => accept(rt, ws, socket, vsn, apiKey))
    },
    (error: unknown) => {
      const message = error instanceof TokenError ? error.message : "Invalid API key"
      rejectUpgrade(socket, 403, "Forbidden", message)
    }
  )
}

function accept(rt: RealtimeState, ws: WebSocket, socket: Duplex, vsn: Vsn, apiKey: string) {
  const connection = new Connection(ws, vsn, apiKey, rt.limits, rt.ctx.log, socket)
  rt.connections.add(connection)
  ws.on("message", (data, isBinary) => onFrame(rt, connection, data, isBinary))
  ws.on("error", (error) => rt.ctx.log(`[realtime] socket error: ${error.message}`))
  ws.on("close", () => {
    rt.connections.delete(connection)
    for (const channel of [...connection.channels.values()]) teardown(rt, channel)
  })
}
