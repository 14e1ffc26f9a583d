import { createServer, type IncomingHttpHeaders } from "node:http"
import { type AddressInfo } from "node:net"

import { describe, expect, it } from "vitest"

import { PEER_ADDRESS_HEADER } from "./client-ip"
import { recordPeerAddresses } from "./peer-address"

describe("recordPeerAddresses", () => {
  it("replaces a client's own peer-address header with the socket's address", async () => {
    recordPeerAddresses()
    let seen: IncomingHttpHeaders | undefined
    const server = createServer((request, response) => {
      seen = request.headers
      response.end()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const { port } = server.address() as AddressInfo
      await fetch(`http://127.0.0.1:${port}/`, {
        headers: {
          [PEER_ADDRESS_HEADER]: "192.168.188.11",
          "x-forwarded-for": "192.168.188.11",
        },
      })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(seen?.[PEER_ADDRESS_HEADER]).toMatch(/^(?:::ffff:)?127\.0\.0\.1$/)
  })
})
