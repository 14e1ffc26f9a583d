import os from "node:os"

import { z } from "zod"

import {
  type DeviceAccelerator,
  type DeviceCapabilities,
  type DeviceHeartbeat,
} from "@/lib/devices/schema"

import { collectAccelerators, describeAccelerators } from "./accelerators"

/** LM Studio's default port; the console shows the LLM server's health on it. */
export const DEFAULT_LLM_PORT = 1234

// OpenAI-compatible servers (LM Studio, llama.cpp, Ollama, vLLM) list their models here.
const openAiModelsSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1).max(300) })).max(500),
})
// LM Studio's native API knows which models are loaded, not only downloaded: 0.4 and later
// at /api/v1/models, earlier versions at /api/v0/models.
const lmStudioV1Schema = z.object({
  models: z
    .array(
      z.object({
        key: z.string().min(1).max(300),
        loaded_instances: z.array(z.unknown()).default([]),
      })
    )
    .max(2000),
})
const lmStudioV0Schema = z.object({
  data: z
    .array(z.object({ id: z.string().min(1).max(300), state: z.string() }))
    .max(2000),
})

// Ollama's own API lists the models in memory at /api/ps (its /v1/models lists every pulled
// model, loaded or not).
const ollamaPsSchema = z.object({
  models: z
    .array(z.object({ name: z.string().min(1).max(300) }).loose())
    .max(500),
})

/** The models Ollama has loaded, or null if it is not Ollama. */
async function ollamaLoadedModels(
  fetchImpl: typeof fetch,
  base: string,
  timeoutMs: number
): Promise<string[] | null> {
  try {
    const ps = await getJson(fetchImpl, `${base}/api/ps`, timeoutMs)
    const parsed = ollamaPsSchema.safeParse(ps.body)
    if (ps.status === 200 && parsed.success) {
      return parsed.data.models.map((m) => m.name)
    }
  } catch {
    // Not Ollama.
  }

  return null
}

export type LlmServerHealth = {
  port: number
  reachable: boolean
  latency_ms?: number
  error?: string
  /** "lmstudio" or "ollama" when its native API answered, else "openai-compatible". */
  server?: string
  models: string[]
}

async function getJson(
  fetchImpl: typeof fetch,
  url: string,
  timeoutMs: number
): Promise<{ status: number; body: unknown }> {
  const response = await fetchImpl(url, {
    signal: AbortSignal.timeout(timeoutMs),
  })

  return {
    status: response.status,
    body: await response.json().catch(() => null),
  }
}

/** The loaded models according to LM Studio's native API, or null if it is not LM Studio. */
async function lmStudioLoadedModels(
  fetchImpl: typeof fetch,
  base: string,
  timeoutMs: number
): Promise<string[] | null> {
  try {
    const v1 = await getJson(fetchImpl, `${base}/api/v1/models`, timeoutMs)
    const parsedV1 = lmStudioV1Schema.safeParse(v1.body)
    if (v1.status === 200 && parsedV1.success) {
      return parsedV1.data.models
        .filter((m) => m.loaded_instances.length > 0)
        .map((m) => m.key)
        .slice(0, 500)
    }
    const v0 = await getJson(fetchImpl, `${base}/api/v0/models`, timeoutMs)
    const parsedV0 = lmStudioV0Schema.safeParse(v0.body)
    if (v0.status === 200 && parsedV0.success) {
      return parsedV0.data.data
        .filter((m) => m.state === "loaded")
        .map((m) => m.id)
        .slice(0, 500)
    }
  } catch {
    // Not LM Studio, or it stopped answering: the OpenAI-compatible list stands.
  }

  return null
}

/**
 * Asks the LLM server on this machine for its models: the OpenAI-compatible `/v1/models`,
 * refined by LM Studio's native API when present. Only ever loopback: the agent reports on
 * its own machine, it never probes the network.
 */
export async function checkLlmServer(
  port: number,
  { fetch: fetchImpl = fetch, timeoutMs = 2000 } = {}
): Promise<LlmServerHealth> {
  const base = `http://127.0.0.1:${port}`
  const started = performance.now()
  let answer: { status: number; body: unknown }
  try {
    answer = await getJson(fetchImpl, `${base}/v1/models`, timeoutMs)
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? "timed out"
        : (cause ?? "unreachable")

    return { port, reachable: false, error: reason, models: [] }
  }
  const latency_ms = Math.round(performance.now() - started)
  if (answer.status !== 200) {
    return {
      port,
      reachable: true,
      latency_ms,
      error: `HTTP ${answer.status}`,
      models: [],
    }
  }
  const parsed = openAiModelsSchema.safeParse(answer.body)
  if (!parsed.success) {
    return {
      port,
      reachable: true,
      latency_ms,
      error: "not an OpenAI-compatible /v1/models answer",
      models: [],
    }
  }
  const loaded = await lmStudioLoadedModels(fetchImpl, base, timeoutMs)
  if (loaded) {
    return {
      port,
      reachable: true,
      latency_ms,
      server: "lmstudio",
      models: loaded,
    }
  }
  const ollama = await ollamaLoadedModels(fetchImpl, base, timeoutMs)

  return ollama
    ? { port, reachable: true, latency_ms, server: "ollama", models: ollama }
    : {
        port,
        reachable: true,
        latency_ms,
        server: "openai-compatible",
        models: parsed.data.data.map((m) => m.id),
      }
}

/** The first private IPv4 address of a non-loopback interface, as other LAN machines reach it. */
export function findLanIp(
  interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()
): string | null {
  const candidates = Object.values(interfaces)
    .flat()
    .filter((i) => i && !i.internal && i.family === "IPv4")
    .map((i) => i!.address)
  const isPrivate = (ip: string) =>
    /^10\./.test(ip) ||
    /^192\.168\./.test(ip) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(ip)

  return candidates.find(isPrivate) ?? candidates[0] ?? null
}

export function describePlatform(
  { type, release, arch } = {
    type: os.type(),
    release: os.release(),
    arch: os.arch(),
  }
): string {
  const name =
    type === "Darwin" ? "macOS" : type === "Windows_NT" ? "Windows" : type

  return `${name} ${release} (${arch})`.slice(0, 100)
}

// The hardware does not change while the agent runs: ask the tools once, not every heartbeat.
let acceleratorsOnce: Promise<DeviceAccelerator[]> | null = null
const cachedAccelerators = () => (acceleratorsOnce ??= collectAccelerators())

/** Everything a heartbeat reports, gathered from this machine. */
export async function collectHeartbeat({
  appVersion,
  llmPort = DEFAULT_LLM_PORT,
  reportPort = false,
  tunnelUrl,
  fetch: fetchImpl,
  accelerators: findAccelerators = cachedAccelerators,
}: {
  appVersion: string
  /** Where the LLM server listens on this machine. */
  llmPort?: number
  /** Send the port as the device's lan_port (only when the user chose it: the owner may have set it in the console). */
  reportPort?: boolean
  tunnelUrl?: string
  fetch?: typeof fetch
  /** The machine's GPUs and other accelerators (agent/accelerators.ts). */
  accelerators?: () => Promise<DeviceAccelerator[]>
}): Promise<{ heartbeat: DeviceHeartbeat; llm: LlmServerHealth }> {
  const [llm, accelerators] = await Promise.all([
    checkLlmServer(llmPort, { fetch: fetchImpl }),
    findAccelerators(),
  ])
  const cpus = os.cpus()
  const gpu = describeAccelerators(accelerators)
  const capabilities: DeviceCapabilities = {
    ...(gpu && { gpu }),
    ...(accelerators.length > 0 && { accelerators }),
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    ...(cpus[0]
      ? { cpu: cpus[0].model.trim().slice(0, 200), cpu_cores: cpus.length }
      : {}),
    models_loaded: llm.models,
    llm_server: {
      port: llm.port,
      reachable: llm.reachable,
      ...(llm.latency_ms !== undefined && { latency_ms: llm.latency_ms }),
      ...(llm.error !== undefined && { error: llm.error }),
    },
    ...(llm.server !== undefined && { server: llm.server }),
  }
  const lanIp = findLanIp()

  return {
    llm,
    heartbeat: {
      hostname: os.hostname().slice(0, 255) || undefined,
      platform: describePlatform(),
      app_version: appVersion,
      lan_ip: lanIp,
      ...(reportPort && { lan_port: llmPort }),
      ...(tunnelUrl !== undefined && { tunnel_url: tunnelUrl }),
      capabilities,
    },
  }
}
