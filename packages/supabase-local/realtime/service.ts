// Realtime at /realtime/v1: the service's state and lifecycle; joins, broadcast, presence,
// the HTTP API and the WebSocket upgrade live in their own modules.
import { type WebSocketServer } from "ws"

import { type Service, type ServiceContext, type ServiceFactory } from "../service"
import { deliverStoredMessage } from "./broadcast"
import { ChangeFeed, type ChangeTrace } from "./changes"
import { handle } from "./http"
import {
  DEFAULTS,
  Hub,
  PREFIX,
  type Connection,
  type RealtimeOptions,
  type RealtimeState,
} from "./kernel"
import { upgrade } from "./upgrade"

export { type RealtimeOptions } from "./kernel"

/** Instrumentation for benchmarks; nothing in the stack itself sets it. */
export type RealtimeHooks = {
  /** Called after each change was handed to its subscribers' sockets, with its timings. */
  traceChange?: (trace: ChangeTrace) => void
}

/** Realtime at /realtime/v1, speaking the Phoenix channel protocol of Supabase Realtime. */
export function realtimeService(
  options: RealtimeOptions = {},
  hooks: RealtimeHooks = {}
): ServiceFactory {
  return async (ctx) => {
    // ws is loaded as the service starts (behind the open port), not with the stack's code.
    const { WebSocketServer: Server } = await import("ws")
    return createRealtime(ctx, { ...DEFAULTS, ...options }, hooks, Server)
  }
}

export const createRealtimeService: ServiceFactory = realtimeService()

function createRealtime(
  ctx: ServiceContext,
  limits: Required<RealtimeOptions>,
  hooks: RealtimeHooks,
  Server: typeof WebSocketServer
): Service {
  const connections = new Set<Connection>()
  const wss = new Server({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
  })
  // realtime.send() rows are delivered once the state below exists (never during construction).
  const feed = new ChangeFeed(
    ctx.db,
    ctx.log,
    (id) => void deliverStoredMessage(rt, id),
    hooks.traceChange
  )
  let bindingIds = 0
  const rt: RealtimeState = {
    ctx,
    limits,
    hub: new Hub(),
    connections,
    wss,
    feed,
    nextBindingId: () => ++bindingIds,
  }
  let idleTimer: NodeJS.Timeout | undefined

  return {
    name: "realtime",
    prefix: PREFIX,
    handle: (req, res) => handle(rt, req, res),
    upgrade: (req, socket, head) => upgrade(rt, req, socket, head),
    async start() {
      await feed.start()
      idleTimer = setInterval(
        () => {
          const cutoff = Date.now() - limits.idleTimeoutMs
          for (const connection of connections) {
            if (connection.lastSeen < cutoff) connection.drop("no heartbeat within the timeout")
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
