import os from "node:os"

import { z } from "zod"

import {
  type DeviceCapabilities,
  type DeviceHeartbeat,
} from "@/lib/devices/schema"

/** LM Studio's default port; the console shows the LLM server's health on it. */
export const DEFAULT_LLM_PORT = 1234

const modelsSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1).max(300) })).max(500),
})

export type LlmServerHealth = {
  port: number
  reachable: boolean
  latency_ms?: number
  error?: string
  models: string[]
}

/**
 * Asks the LLM server on this machine for its models (the OpenAI-compatible `/v1/models`
 * LM Studio serves). Only ever loopback: the agent reports on its own machine, it never
 * probes the network.
 */
export async function checkLlmServer(
  port: number,
  { fetch: fetchImpl = fetch, timeoutMs = 2000 } = {}
): Promise<LlmServerHealth> {
  const started = performance.now()
  try {
    const response = await fetchImpl(`http://127.0.0.1:${port}/v1/models`, {
      signal: AbortSignal.timeout(timeoutMs),
    })
    const latency_ms = Math.round(performance.now() - started)
    if (!response.ok) {
      return {
        port,
        reachable: true,
        latency_ms,
        error: `HTTP ${response.status}`,
        models: [],
      }
    }
    const parsed = modelsSchema.safeParse(
      await response.json().catch(() => null)
    )
    if (!parsed.success) {
      return {
        port,
        reachable: true,
        latency_ms,
        error: "not an OpenAI-compatible /v1/models answer",
        models: [],
      }
    }

    return {
      port,
      reachable: true,
      latency_ms,
      models: parsed.data.data.map((m) => m.id),
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? "timed out"
        : (cause ?? "unreachable")

    return { port, reachable: false, error: reason, models: [] }
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

/** Everything a heartbeat reports, gathered from this machine. */
export async function collectHeartbeat({
  appVersion,
  lanPort = DEFAULT_LLM_PORT,
  tunnelUrl,
  fetch: fetchImpl,
}: {
  appVersion: string
  lanPort?: number
  tunnelUrl?: string
  fetch?: typeof fetch
}): Promise<{ heartbeat: DeviceHeartbeat; llm: LlmServerHealth }> {
  const llm = await checkLlmServer(lanPort, { fetch: fetchImpl })
  const cpus = os.cpus()
  const capabilities: DeviceCapabilities = {
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
    ...(llm.reachable && !llm.error ? { server: "openai-compatible" } : {}),
  }
  const lanIp = findLanIp()

  return {
    llm,
    heartbeat: {
      hostname: os.hostname().slice(0, 255) || undefined,
      platform: describePlatform(),
      app_version: appVersion,
      lan_ip: lanIp,
      lan_port: lanPort,
      ...(tunnelUrl !== undefined && { tunnel_url: tunnelUrl }),
      capabilities,
    },
  }
}
