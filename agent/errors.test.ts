import { describe, expect, it } from "vitest"

import { DEVICE_API_ERROR_CODES } from "@/lib/devices/schema"

import {
  describeAgentError,
  DeviceAgentError,
  type AgentErrorCode,
} from "./errors"

const AGENT_CODES: AgentErrorCode[] = [
  ...DEVICE_API_ERROR_CODES,
  "network_error",
  "unexpected_response",
  "not_paired",
  "pairing_timed_out",
]

describe("agent error messages", () => {
  it.each(AGENT_CODES)("%s has a finished sentence", (code) => {
    const message = describeAgentError(code, {
      server: "https://lmx.optalocal.com",
    })
    expect(message).toMatch(/^[A-Z].*\.$/)
    expect(message).not.toContain("undefined")
  })

  it("tells a revoked device exactly how to come back", () => {
    expect(
      new DeviceAgentError("device_revoked", {
        server: "https://lmx.optalocal.com",
        status: 401,
        serverMessage: "whatever the server said",
      }).message
    ).toBe(
      "This device was revoked from the console; run `npm run device -- pair` to pair it again."
    )
  })

  it("names the server and the cause of a network failure", () => {
    const error = new DeviceAgentError("network_error", {
      server: "http://localhost:3000",
      detail: "ECONNREFUSED",
    })
    expect(error.message).toBe(
      "Could not reach the console at http://localhost:3000 (ECONNREFUSED). Check --server and your network connection."
    )
    expect(error.code).toBe("network_error")
  })

  it("passes on the console's own wording for a refused request", () => {
    const error = new DeviceAgentError("invalid_request", {
      server: "http://localhost:3000",
      serverMessage: "lan_port: lan_port must be between 1 and 65535.",
    })
    expect(error.message).toContain("lan_port must be between 1 and 65535")
    expect(error.serverMessage).toBe(
      "lan_port: lan_port must be between 1 and 65535."
    )
  })
})
