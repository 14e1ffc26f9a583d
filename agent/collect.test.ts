import { describe, expect, it } from "vitest"

import { deviceHeartbeatSchema } from "@/lib/devices/schema"

import {
  checkLlmServer,
  collectHeartbeat,
  describePlatform,
  findLanIp,
} from "./collect"

// The LLM server check never leaves this machine: every URL it fetches must be loopback.

function recordingFetch(answer: (path: string) => Promise<Response>) {
  const urls: string[] = []
  const fetchImpl: typeof fetch = async (input) => {
    urls.push(String(input))

    return answer(new URL(String(input)).pathname)
  }

  return { fetchImpl, urls }
}

const jsonAnswer = (body: unknown, status = 200) =>
  Promise.resolve(
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    })
  )

const OPENAI_MODELS = {
  object: "list",
  data: [{ id: "qwen3-coder-30b-a3b" }, { id: "gpt-oss-20b" }],
}

// An OpenAI-compatible server that is not LM Studio (llama.cpp, Ollama…).
const models = (path: string) =>
  path === "/v1/models"
    ? jsonAnswer(OPENAI_MODELS)
    : jsonAnswer({ error: "not found" }, 404)

describe("checkLlmServer", () => {
  it("asks Ollama's own API which models are loaded, not every pulled one", async () => {
    const { fetchImpl } = recordingFetch((path) =>
      path === "/v1/models"
        ? jsonAnswer(OPENAI_MODELS)
        : path === "/api/ps"
          ? jsonAnswer({ models: [{ name: "gpt-oss-20b", size: 1 }] })
          : jsonAnswer({ error: "not found" }, 404)
    )
    const health = await checkLlmServer(11434, { fetch: fetchImpl })
    expect(health).toMatchObject({
      port: 11434,
      reachable: true,
      server: "ollama",
      models: ["gpt-oss-20b"],
    })
  })

  it("asks the loopback /v1/models on the given port and lists the models", async () => {
    const { fetchImpl, urls } = recordingFetch(models)
    const health = await checkLlmServer(1234, { fetch: fetchImpl })
    expect(urls).toEqual([
      "http://127.0.0.1:1234/v1/models",
      "http://127.0.0.1:1234/api/v1/models",
      "http://127.0.0.1:1234/api/v0/models",
      "http://127.0.0.1:1234/api/ps",
    ])
    expect(health).toMatchObject({
      port: 1234,
      reachable: true,
      server: "openai-compatible",
      models: ["qwen3-coder-30b-a3b", "gpt-oss-20b"],
    })
    expect(health.error).toBeUndefined()
  })

  it("lists only the loaded models when LM Studio 0.4+ answers its native API", async () => {
    const { fetchImpl } = recordingFetch((path) =>
      path === "/v1/models"
        ? jsonAnswer(OPENAI_MODELS)
        : path === "/api/v1/models"
          ? jsonAnswer({
              models: [
                {
                  key: "qwen3-coder-30b-a3b",
                  type: "llm",
                  loaded_instances: [{ id: "qwen3-coder-30b-a3b" }],
                },
                { key: "gpt-oss-20b", type: "llm", loaded_instances: [] },
              ],
            })
          : jsonAnswer({}, 404)
    )
    expect(await checkLlmServer(1234, { fetch: fetchImpl })).toMatchObject({
      server: "lmstudio",
      models: ["qwen3-coder-30b-a3b"],
    })
  })

  it("falls back to LM Studio's v0 API (state: loaded) on older versions", async () => {
    const { fetchImpl } = recordingFetch((path) =>
      path === "/v1/models"
        ? jsonAnswer(OPENAI_MODELS)
        : path === "/api/v0/models"
          ? jsonAnswer({
              data: [
                { id: "qwen3-coder-30b-a3b", state: "not-loaded" },
                { id: "gpt-oss-20b", state: "loaded" },
              ],
            })
          : jsonAnswer({}, 404)
    )
    expect(await checkLlmServer(1234, { fetch: fetchImpl })).toMatchObject({
      server: "lmstudio",
      models: ["gpt-oss-20b"],
    })
  })

  it("reports a refused port as unreachable, with the reason", async () => {
    const { fetchImpl } = recordingFetch(() =>
      Promise.reject(
        Object.assign(new TypeError("fetch failed"), {
          cause: { code: "ECONNREFUSED" },
        })
      )
    )
    expect(await checkLlmServer(8080, { fetch: fetchImpl })).toEqual({
      port: 8080,
      reachable: false,
      error: "ECONNREFUSED",
      models: [],
    })
  })

  it("reports something else on the port as up but not an LLM server", async () => {
    const { fetchImpl } = recordingFetch(() =>
      Promise.resolve(new Response("<html></html>", { status: 200 }))
    )
    expect(await checkLlmServer(1234, { fetch: fetchImpl })).toMatchObject({
      reachable: true,
      error: "not an OpenAI-compatible /v1/models answer",
      models: [],
    })
  })
})

describe("collectHeartbeat", () => {
  it("builds a heartbeat the device API accepts", async () => {
    const { fetchImpl, urls } = recordingFetch(models)
    const { heartbeat, llm } = await collectHeartbeat({
      appVersion: "0.1.0",
      llmPort: 1234,
      reportPort: true,
      tunnelUrl: "https://studio.example",
      fetch: fetchImpl,
      accelerators: async () => [],
    })
    expect(urls.every((u) => u.startsWith("http://127.0.0.1:"))).toBe(true)
    expect(llm.reachable).toBe(true)
    expect(deviceHeartbeatSchema.parse(heartbeat)).toEqual(heartbeat)
    expect(heartbeat.capabilities?.models_loaded).toEqual([
      "qwen3-coder-30b-a3b",
      "gpt-oss-20b",
    ])
    expect(heartbeat.capabilities?.llm_server).toMatchObject({
      port: 1234,
      reachable: true,
    })
  })

  it("reports the accelerators found, and no gpu at all when there are none", async () => {
    const { fetchImpl } = recordingFetch(models)
    const gpu = {
      name: "NVIDIA GeForce RTX 4090",
      vendor: "nvidia",
      memory_gb: 24,
    }
    const { heartbeat } = await collectHeartbeat({
      appVersion: "0.1.0",
      fetch: fetchImpl,
      accelerators: async () => [gpu, gpu],
    })
    expect(deviceHeartbeatSchema.parse(heartbeat)).toEqual(heartbeat)
    expect(heartbeat.capabilities).toMatchObject({
      gpu: "2 × NVIDIA GeForce RTX 4090 (24 GB)",
      accelerators: [gpu, gpu],
    })
    expect(heartbeat.capabilities?.memory_gb).toBeGreaterThan(0)

    const bare = await collectHeartbeat({
      appVersion: "0.1.0",
      fetch: fetchImpl,
      accelerators: async () => [],
    })
    expect(bare.heartbeat.capabilities).not.toHaveProperty("gpu")
    expect(bare.heartbeat.capabilities).not.toHaveProperty("accelerators")
  })
})

describe("findLanIp", () => {
  it("prefers a private IPv4 address of a real interface", () => {
    expect(
      findLanIp({
        lo: [
          {
            address: "127.0.0.1",
            family: "IPv4",
            internal: true,
            netmask: "255.0.0.0",
            mac: "",
            cidr: null,
          },
        ],
        docker0: [
          {
            address: "203.0.113.9",
            family: "IPv4",
            internal: false,
            netmask: "255.255.255.0",
            mac: "",
            cidr: null,
          },
        ],
        en0: [
          {
            address: "fe80::1",
            family: "IPv6",
            internal: false,
            netmask: "ffff::",
            mac: "",
            cidr: null,
            scopeid: 1,
          },
          {
            address: "192.168.1.20",
            family: "IPv4",
            internal: false,
            netmask: "255.255.255.0",
            mac: "",
            cidr: null,
          },
        ],
      })
    ).toBe("192.168.1.20")
  })

  it("is null on a machine with only loopback", () => {
    expect(
      findLanIp({
        lo: [
          {
            address: "127.0.0.1",
            family: "IPv4",
            internal: true,
            netmask: "255.0.0.0",
            mac: "",
            cidr: null,
          },
        ],
      })
    ).toBeNull()
  })
})

describe("describePlatform", () => {
  it("names macOS and Windows as people know them", () => {
    expect(
      describePlatform({ type: "Darwin", release: "24.3.0", arch: "arm64" })
    ).toBe("macOS 24.3.0 (arm64)")
    expect(
      describePlatform({
        type: "Windows_NT",
        release: "10.0.26100",
        arch: "x64",
      })
    ).toBe("Windows 10.0.26100 (x64)")
  })
})
