import { describe, expect, it } from "vitest"

import { createDeviceApiClient, normalizeServer } from "./api-client"
import { DeviceAgentError } from "./errors"

// The agent's HTTP client against a scripted fetch: no network.

type Step = Response | Error

function scripted(steps: Step[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = []
  const fetchImpl: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init })
    const step = steps.shift()
    if (!step) throw new Error("no more scripted answers")
    if (step instanceof Error) throw step

    return step
  }

  return { fetchImpl, calls }
}

const json = (
  body: unknown,
  status = 200,
  headers: Record<string, string> = {}
) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  })

const refused = () =>
  Object.assign(new TypeError("fetch failed"), {
    cause: { code: "ECONNREFUSED" },
  })

const BEAT = {
  device_id: "00000000-0000-4000-b000-000000000001",
  device_name: "Studio",
  last_seen_at: "2026-11-22T00:00:00Z",
  lan_port: 1234,
  next_heartbeat_in: 30,
}
const SECRET = `lmxd_${"b".repeat(64)}`

function client(steps: Step[], maxAttempts = 4) {
  const { fetchImpl, calls } = scripted(steps)
  const delays: number[] = []
  const api = createDeviceApiClient({
    server: "http://localhost:3000/some/path",
    fetch: fetchImpl,
    sleep: async (ms) => {
      delays.push(ms)
    },
    random: () => 0.5,
    maxAttempts,
  })

  return { api, calls, delays }
}

describe("device API client", () => {
  it("sends JSON with the bearer secret to the versioned path", async () => {
    const { api, calls } = client([json(BEAT)])
    expect(await api.heartbeat(SECRET, { lan_port: 1234 })).toEqual(BEAT)
    expect(calls[0]?.url).toBe("http://localhost:3000/api/device/v1/heartbeat")
    const headers = calls[0]?.init?.headers as Record<string, string>
    expect(headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(headers["content-type"]).toBe("application/json")
    expect(calls[0]?.init?.body).toBe(JSON.stringify({ lan_port: 1234 }))
  })

  it("retries network failures with growing, jittered delays, then succeeds", async () => {
    const { api, calls, delays } = client([refused(), refused(), json(BEAT)])
    expect(await api.heartbeat(SECRET, {})).toEqual(BEAT)
    expect(calls).toHaveLength(3)
    expect(delays).toEqual([375, 750])
  })

  it("gives up after maxAttempts with a message naming the server and cause", async () => {
    const { api, calls } = client([refused(), refused(), refused(), refused()])
    const error = await api.heartbeat(SECRET, {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeviceAgentError)
    expect((error as DeviceAgentError).code).toBe("network_error")
    expect((error as DeviceAgentError).message).toBe(
      "Could not reach the console at http://localhost:3000 (ECONNREFUSED). Check --server and your network connection."
    )
    expect(calls).toHaveLength(4)
  })

  it("retries 503 and honours Retry-After when it is longer than the backoff", async () => {
    const unavailable = json(
      { error: "service_unavailable", message: "later" },
      503,
      { "retry-after": "5" }
    )
    const { api, delays } = client([unavailable, json(BEAT)])
    expect(await api.heartbeat(SECRET, {})).toEqual(BEAT)
    expect(delays).toEqual([5000])
  })

  it("reports a console that stays unavailable", async () => {
    const answer = () =>
      json({ error: "service_unavailable", message: "later" }, 503)
    const { api } = client([answer(), answer()], 2)
    await expect(api.heartbeat(SECRET, {})).rejects.toMatchObject({
      code: "service_unavailable",
    })
  })

  it("does not wait out a long Retry-After on a rate limit", async () => {
    const { api, delays } = client([
      json({ error: "rate_limited", message: "Too many." }, 429, {
        "retry-after": "600",
      }),
    ])
    await expect(api.heartbeat(SECRET, {})).rejects.toMatchObject({
      code: "rate_limited",
    })
    expect(delays).toEqual([])
  })

  it("never retries a refusal, and says what to do", async () => {
    const { api, calls } = client([
      json({ error: "device_revoked", message: "revoked" }, 401),
    ])
    const error = await api.heartbeat(SECRET, {}).catch((e: unknown) => e)
    expect(calls).toHaveLength(1)
    expect(error).toMatchObject({
      code: "device_revoked",
      status: 401,
      message:
        "This device was revoked from the console; run `npm run device -- pair` to pair it again.",
    })
  })

  it("recognises a server that is not an LMX Console", async () => {
    const { api } = client([
      new Response("<html>Not found</html>", { status: 404 }),
    ])
    await expect(api.heartbeat(SECRET, {})).rejects.toMatchObject({
      code: "unexpected_response",
      message:
        "The server at http://localhost:3000 did not answer like an LMX Console device API (HTTP 404). Check --server.",
    })
  })

  it("refuses a 200 without the promised fields", async () => {
    const { api } = client([json({ ok: true })])
    await expect(api.heartbeat(SECRET, {})).rejects.toMatchObject({
      code: "unexpected_response",
    })
  })

  it("turns pending and slow_down polls into results and the rest into errors", async () => {
    const { api } = client([
      json(
        { error: "authorization_pending", message: "wait", interval: 5 },
        400
      ),
      json({ error: "slow_down", message: "slower", interval: 10 }, 400),
      json({ error: "access_denied", message: "denied" }, 400),
    ])
    expect(await api.pollPairing("code")).toEqual({
      status: "authorization_pending",
      interval: 5,
    })
    expect(await api.pollPairing("code")).toEqual({
      status: "slow_down",
      interval: 10,
    })
    await expect(api.pollPairing("code")).rejects.toMatchObject({
      code: "access_denied",
    })
  })
})

describe("normalizeServer", () => {
  it("keeps the origin and refuses what is not an http(s) URL", () => {
    expect(normalizeServer("https://lmx.optalocal.com/devices?x=1")).toBe(
      "https://lmx.optalocal.com"
    )
    expect(() => normalizeServer("lmx.optalocal.com")).toThrow(/--server/)
    expect(() => normalizeServer("ftp://lmx.optalocal.com")).toThrow(
      /http\(s\)/
    )
  })
})
