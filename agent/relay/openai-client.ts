import { z } from "zod"

import { LlmServerError } from "@/lib/chat/openai-stream"

import { checkLlmServer } from "../collect"

// The agent's client for the LLM server on this machine (LM Studio, Ollama, llama.cpp server,
// vLLM: all speak OpenAI's chat completions). Only two calls exist, on loopback only: the
// relay can make the server stream a chat completion or list its models, nothing else.

/** Where the usual servers listen: LM Studio, Ollama, llama.cpp's server, vLLM. */
export const USUAL_LLM_PORTS = [1234, 11434, 8080, 8000] as const

export function loopbackBase(port: number) {
  return `http://127.0.0.1:${port}`
}

export {
  LlmServerError,
  streamChatCompletion,
  type StreamEvent,
} from "@/lib/chat/openai-stream"

/** The models the server offers, and which are loaded (LM Studio's own API knows). */
export async function listModels(
  port: number,
  { fetch: fetchImpl = fetch }: { fetch?: typeof fetch } = {}
): Promise<{
  server: string | null
  models: { id: string; loaded: boolean }[]
}> {
  const health = await checkLlmServer(port, { fetch: fetchImpl })
  if (!health.reachable || health.error) {
    throw new LlmServerError(
      health.reachable ? "server_error" : "server_unreachable",
      `No usable LLM server on port ${port}: ${health.error ?? "unreachable"}.`
    )
  }
  if (health.server !== "lmstudio") {
    return {
      server: health.server ?? null,
      models: health.models.map((id) => ({ id, loaded: true })),
    }
  }
  // LM Studio: /v1/models lists what is downloaded; health.models what is loaded.
  const response = await fetchImpl(`${loopbackBase(port)}/v1/models`, {
    signal: AbortSignal.timeout(2000),
  })
  const all = z
    .object({ data: z.array(z.object({ id: z.string().min(1).max(300) })) })
    .safeParse(await response.json().catch(() => null))
  const loaded = new Set(health.models)
  const ids = all.success ? all.data.data.map((m) => m.id) : health.models

  return {
    server: "lmstudio",
    models: [...new Set([...health.models, ...ids])]
      .slice(0, 500)
      .map((id) => ({ id, loaded: loaded.has(id) })),
  }
}

/** The first port, of the configured one and then the usual ones, where a server answers. */
export async function findLlmServer(
  configured: number,
  { fetch: fetchImpl = fetch }: { fetch?: typeof fetch } = {}
): Promise<number | null> {
  for (const port of [
    configured,
    ...USUAL_LLM_PORTS.filter((p) => p !== configured),
  ]) {
    const health = await checkLlmServer(port, {
      fetch: fetchImpl,
      timeoutMs: 1000,
    })
    if (health.reachable && !health.error) return port
  }

  return null
}
