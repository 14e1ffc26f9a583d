import { Server, type IncomingMessage } from "node:http"

import { PEER_ADDRESS_HEADER } from "./client-ip"

let installed = false

/**
 * Makes the TCP peer's address visible to route handlers: Next passes each request's headers
 * on, but not its socket. Wraps the Node HTTP server's "request" event (the one `next start`
 * and `next dev` serve through) to write the socket's remote address into PEER_ADDRESS_HEADER,
 * replacing whatever a client sent under that name. Called once, from instrumentation.ts.
 */
export function recordPeerAddresses() {
  if (installed) return
  installed = true
  const emit = Server.prototype.emit
  Server.prototype.emit = function emitWithPeer(
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ) {
    if (event === "request") {
      const request = args[0] as IncomingMessage
      request.headers[PEER_ADDRESS_HEADER] = request.socket.remoteAddress ?? ""
    }

    return Reflect.apply(emit, this, [event, ...args]) as boolean
  } as typeof emit
}
