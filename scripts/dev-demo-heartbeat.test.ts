import { describe, expect, it } from "vitest"

import { DeviceAgentError } from "../agent/errors"
import { DEMO_DEVICE_SECRET, runDemoHeartbeat } from "./dev-demo-heartbeat"

const ACCEPTED = {
  device_id: "00000000-0000-4000-b000-000000000001",
  device_name: "Studio Mac",
  last_seen_at: "2026-11-22T00:00:00.000Z",
  lan_port: 1234,
  next_heartbeat_in: 30,
}

describe("npm run dev's demo heartbeat", () => {
  it("waits out the starting app quietly, then reports the host online every 30 s with the seeded secret", async () => {
    const stop = new AbortController()
    const secrets: string[] = []
    const sleeps: number[] = []
    const lines: string[] = []
    let calls = 0
    await runDemoHeartbeat({
      appUrl: "http://localhost:3000",
      log: (line) => lines.push(line),
      collect: async () => ({ capabilities: { models_loaded: [] } }),
      sleep: async (ms) => {
        sleeps.push(ms)
      },
      signal: stop.signal,
      client: {
        heartbeat: async (secret) => {
          calls += 1
          secrets.push(secret)
          if (calls === 1)
            throw new DeviceAgentError("network_error", {
              server: "http://localhost:3000",
            })
          if (calls === 3) stop.abort()

          return ACCEPTED
        },
      },
    })

    expect(secrets).toEqual([DEMO_DEVICE_SECRET, DEMO_DEVICE_SECRET, DEMO_DEVICE_SECRET])
    expect(sleeps.slice(1)).toEqual([30_000])
    expect(lines).toEqual([
      'Demo LLM host "Studio Mac" is online: npm run dev sends its heartbeats through the device API every 30 s.',
    ])
  })

  it("stops with one line saying why when the console refuses the secret", async () => {
    const lines: string[] = []
    await runDemoHeartbeat({
      appUrl: "http://localhost:3000",
      log: (line) => lines.push(line),
      collect: async () => ({}),
      sleep: async () => undefined,
      client: {
        heartbeat: async () => {
          throw new DeviceAgentError("invalid_device_secret", {
            server: "http://localhost:3000",
            serverMessage: "This device secret is not known to the console.",
          })
        },
      },
    })

    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("Demo heartbeat stopped")
    expect(lines[0]).toContain("npm run dev -- --reset")
  })
})
