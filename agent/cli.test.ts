import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, beforeEach, describe, expect, it } from "vitest"

import { runDeviceCli } from "./cli"
import { readDeviceConfig, writeDeviceConfig } from "./config"

// The agent's pair command against a fake console: what it sends, in which order, and what
// it tells the user. No network: the console and the LLM server are one fake fetch.

const SERVER = "http://console.test"
const SECRET = `lmxd_${"e".repeat(64)}`
const DEVICE_ID = "00000000-0000-4000-b000-000000000042"

type Call = { path: string; authorization: string | null }

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  })
}

function fakeConsole({
  heartbeatAnswers = [],
  onHeartbeat,
  workerEnabled = true,
}: {
  /** Answers for successive heartbeats; an accepted one once they run out. */
  heartbeatAnswers?: Response[]
  onHeartbeat?: (count: number) => void
  /** The worker session's answer: whether the owner lets this device run jobs. */
  workerEnabled?: boolean
} = {}) {
  const calls: Call[] = []
  let heartbeats = 0
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input))
    if (url.origin !== SERVER) throw new TypeError("fetch failed") // no LLM server here
    const headers = new Headers(init?.headers)
    calls.push({
      path: url.pathname,
      authorization: headers.get("authorization"),
    })
    switch (url.pathname) {
      case "/api/device/v1/pair":
        return json(200, {
          device_code: "dc",
          user_code: "BCDF-GHJK",
          verification_uri: `${SERVER}/pair`,
          verification_uri_complete: `${SERVER}/pair?code=BCDF-GHJK`,
          expires_in: 600,
          interval: 5,
        })
      case "/api/device/v1/pair/token":
        return json(200, {
          access_token: SECRET,
          token_type: "Bearer",
          device_id: DEVICE_ID,
          device_name: "Box",
          account: {
            id: "00000000-0000-4000-a000-000000000001",
            email: "demo@lmx.local",
          },
        })
      case "/api/device/v1/heartbeat": {
        heartbeats += 1
        onHeartbeat?.(heartbeats)

        return (
          heartbeatAnswers.shift() ??
          json(200, {
            device_id: DEVICE_ID,
            device_name: "Box",
            last_seen_at: new Date().toISOString(),
            lan_port: 1234,
            next_heartbeat_in: 30,
          })
        )
      }
      case "/api/device/v1/runs/session":
        return json(200, {
          device_id: DEVICE_ID,
          enabled: workerEnabled,
          max_concurrent: 1,
          project_ids: [],
          realtime: null,
        })
    }

    return json(404, { error: "invalid_request", message: "no such route" })
  }

  return { calls, fetch: fetchImpl, heartbeats: () => heartbeats }
}

describe("npm run device -- pair", () => {
  let dir: string
  let configFile: string
  let out: string[]
  let err: string[]
  const sleeps: number[] = []

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lmx-agent-cli-"))
    configFile = path.join(dir, "device.json")
    out = []
    err = []
    sleeps.length = 0
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  function io(fetchImpl: typeof fetch, signal?: AbortSignal) {
    return {
      log: (line: string) => out.push(line),
      error: (line: string) => err.push(line),
      env: { LMX_DEVICE_CONFIG: configFile },
      fetch: fetchImpl,
      sleep: async (ms: number) => {
        sleeps.push(ms)
      },
      signal,
    }
  }

  it("sends the first heartbeat as soon as it is paired, then keeps the device online", async () => {
    const stop = new AbortController()
    const fake = fakeConsole({
      onHeartbeat: (count) => {
        if (count === 3) stop.abort()
      },
    })

    const code = await runDeviceCli(
      ["pair", "--server", SERVER, "--name", "Box"],
      io(fake.fetch, stop.signal)
    )

    expect(code, err.join("\n")).toBe(0)
    expect(fake.calls.map((call) => call.path)).toEqual([
      "/api/device/v1/pair",
      "/api/device/v1/pair/token",
      "/api/device/v1/heartbeat",
      "/api/device/v1/heartbeat",
      "/api/device/v1/heartbeat",
    ])
    expect(fake.calls.at(-1)?.authorization).toBe(`Bearer ${SECRET}`)
    // No wait between the grant and the first heartbeat; then the console's 30 s.
    const tokenPoll = sleeps[0]!
    expect(tokenPoll).toBeGreaterThanOrEqual(5_000)
    expect(sleeps.slice(1)).toEqual([30_000, 30_000])
    const text = out.join("\n")
    expect(text).toContain('Paired "Box" with demo@lmx.local.')
    expect(text).toContain("a heartbeat every 30 s while this runs")
    expect(text).toContain("`npm run device -- heartbeat --watch`")
    expect(text).toMatch(/heartbeat accepted for "Box"/)
    const saved = await readDeviceConfig(configFile)
    expect(saved?.last_heartbeat?.ok).toBe(true)
  })

  it("with --once sends one heartbeat, exits, and says what keeps it online", async () => {
    const fake = fakeConsole()

    const code = await runDeviceCli(
      ["pair", "--once", "--server", SERVER, "--name", "Box"],
      io(fake.fetch)
    )

    expect(code, err.join("\n")).toBe(0)
    expect(fake.heartbeats()).toBe(1)
    expect(fake.calls.at(-1)?.path).toBe("/api/device/v1/heartbeat")
    expect(out.join("\n")).toContain(
      "To keep it online, run `npm run device -- heartbeat --watch` on this machine."
    )
  })

  it("rides out a console that is briefly away, and stops when the device is revoked", async () => {
    // 503 is retried inside the client (5 tries in all), so the watcher sees one failed beat
    // only after those; then an accepted beat, then a refusal.
    const answers = [
      ...Array.from({ length: 5 }, () =>
        json(503, { error: "service_unavailable", message: "restarting" })
      ),
      json(200, {
        device_id: DEVICE_ID,
        device_name: "Box",
        last_seen_at: new Date().toISOString(),
        lan_port: 1234,
        next_heartbeat_in: 30,
      }),
      json(401, { error: "device_revoked", message: "revoked" }),
    ]
    const revoking = fakeConsole({ heartbeatAnswers: answers })

    const code = await runDeviceCli(
      ["pair", "--server", SERVER, "--name", "Box"],
      io(revoking.fetch)
    )

    expect(code).toBe(1)
    expect(revoking.heartbeats()).toBe(7)
    expect(err.join("\n")).toContain("temporarily unavailable")
    expect(err.at(-1)).toContain("This device was revoked from the console")
  })

  it("refuses --watch on pair: it watches by itself", async () => {
    const fake = fakeConsole()
    const code = await runDeviceCli(
      ["pair", "--watch", "--server", SERVER],
      io(fake.fetch)
    )

    expect(code).toBe(2)
    expect(fake.calls).toEqual([])
  })
})

describe("npm run device -- worker", () => {
  let dir: string
  let configFile: string
  let err: string[]

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lmx-agent-worker-"))
    configFile = path.join(dir, "device.json")
    err = []
    await writeDeviceConfig(configFile, {
      version: 1,
      server: SERVER,
      device_id: DEVICE_ID,
      device_name: "Box",
      device_secret: SECRET,
      account: {
        id: "00000000-0000-4000-a000-000000000001",
        email: "demo@lmx.local",
      },
      paired_at: "2026-11-22T00:00:00.000Z",
    })
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  function io(fetchImpl: typeof fetch, signal?: AbortSignal) {
    return {
      log: () => {},
      error: (line: string) => err.push(line),
      env: { LMX_DEVICE_CONFIG: configFile },
      fetch: fetchImpl,
      // Waits as long as asked: only the worker's end may cut a heartbeat's wait short.
      sleep: (ms: number) =>
        new Promise<void>((resolve) => setTimeout(resolve, ms)),
      signal,
    }
  }

  it("keeps the device online while it works, and stops its heartbeats with it", async () => {
    const stop = new AbortController()
    const fake = fakeConsole({
      // The first heartbeat went out: the device is online while the worker waits for runs.
      onHeartbeat: () => setTimeout(() => stop.abort(), 50),
    })

    const code = await runDeviceCli(["worker"], io(fake.fetch, stop.signal))

    expect(code, err.join("\n")).toBe(0)
    expect(fake.heartbeats()).toBe(1)
    expect(fake.calls.map((call) => call.path)).toContain(
      "/api/device/v1/runs/session"
    )
  })

  it("returns at once, without waiting for the next heartbeat, when jobs are off", async () => {
    const fake = fakeConsole({ workerEnabled: false })

    const code = await runDeviceCli(["worker"], io(fake.fetch))

    expect(code).toBe(1)
    expect(err.join("\n")).toContain("This device does not run workflow jobs")
  })
})
