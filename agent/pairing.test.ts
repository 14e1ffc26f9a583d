import { describe, expect, it } from "vitest"

import { type DevicePairTokenResponse } from "@/lib/devices/schema"

import { type DeviceApiClient, type PollResult } from "./api-client"
import { DeviceAgentError } from "./errors"
import { pairDevice } from "./pairing"

const GRANT: DevicePairTokenResponse = {
  access_token: `lmxd_${"c".repeat(64)}`,
  token_type: "Bearer",
  device_id: "00000000-0000-4000-b000-000000000009",
  device_name: "Box",
  account: {
    id: "00000000-0000-4000-a000-000000000001",
    email: "demo@lmx.local",
  },
}

function fakeClient(
  polls: (PollResult | Error)[],
  expiresIn = 600
): DeviceApiClient {
  return {
    server: "http://localhost:3000",
    startPairing: async () => ({
      device_code: "dc",
      user_code: "BCDF-GHJK",
      verification_uri: "http://localhost:3000/pair",
      verification_uri_complete: "http://localhost:3000/pair?code=BCDF-GHJK",
      expires_in: expiresIn,
      interval: 5,
    }),
    pollPairing: async () => {
      const next = polls.shift()
      if (!next) throw new Error("polled too often")
      if (next instanceof Error) throw next

      return next
    },
    heartbeat: async () => {
      throw new Error("not used")
    },
    syncPush: async () => {
      throw new Error("not used")
    },
    syncAttachments: async () => ({ results: [] }),
    syncPull: async () => {
      throw new Error("not used")
    },
  }
}

describe("pairDevice", () => {
  it("shows the code, polls at the interval (a little over it) and returns the grant", async () => {
    const waits: number[] = []
    let clock = 0
    let shown = ""
    const grant = await pairDevice({
      client: fakeClient([
        { status: "authorization_pending", interval: 5 },
        { status: "granted", grant: GRANT },
      ]),
      info: { name: "Box", role: "llm_host" },
      onCode: (started) => {
        shown = started.user_code
      },
      sleep: async (ms) => {
        waits.push(ms)
        clock += ms
      },
      now: () => clock,
    })
    expect(shown).toBe("BCDF-GHJK")
    expect(grant).toEqual(GRANT)
    expect(waits).toEqual([5250, 5250])
  })

  it("slows down by at least 5 s when told to, and keeps the slower pace", async () => {
    const waits: number[] = []
    await pairDevice({
      client: fakeClient([
        { status: "slow_down", interval: 10 },
        { status: "authorization_pending", interval: 10 },
        { status: "slow_down", interval: 10 },
        { status: "granted", grant: GRANT },
      ]),
      info: { name: "Box", role: "llm_host" },
      onCode: () => {},
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    expect(waits).toEqual([5250, 10250, 10250, 15250])
  })

  it("stops when the code has expired without an approval", async () => {
    let clock = 0
    const error = await pairDevice({
      client: fakeClient(
        Array.from({ length: 10 }, () => ({
          status: "authorization_pending" as const,
          interval: 5,
        })),
        12
      ),
      info: { name: "Box", role: "llm_host" },
      onCode: () => {},
      sleep: async (ms) => {
        clock += ms
      },
      now: () => clock,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeviceAgentError)
    expect((error as DeviceAgentError).code).toBe("pairing_timed_out")
  })

  it("passes a denial through", async () => {
    await expect(
      pairDevice({
        client: fakeClient([
          new DeviceAgentError("access_denied", {
            server: "http://localhost:3000",
          }),
        ]),
        info: { name: "Box", role: "llm_host" },
        onCode: () => {},
        sleep: async () => {},
      })
    ).rejects.toMatchObject({ code: "access_denied" })
  })
})
