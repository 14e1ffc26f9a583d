import { z } from "zod"

// A streamed OpenAI-compatible chat completion (LM Studio, Ollama, llama.cpp server, vLLM),
// read by the agent's relay on loopback and by the browser when it calls a device's tunnel
// directly (docs/chat-relay.md). Only fetch, TextDecoder and zod: it runs in both.

export type StreamEvent =
  | { type: "delta"; content: string; reasoning: string }
  | {
      type: "end"
      finishReason: string | null
      inputTokens: number | null
      outputTokens: number | null
      /** LM Studio's own stats, when the server sends them. */
      serverTtftMs: number | null
      serverTokensPerSecond: number | null
    }

// One SSE chunk as the OpenAI-compatible servers send it; loose, since each adds its own.
const chunkSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            delta: z
              .object({
                content: z.string().nullish(),
                // LM Studio and llama.cpp name a reasoning model's thinking so.
                reasoning_content: z.string().nullish(),
                reasoning: z.string().nullish(),
              })
              .loose()
              .nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose()
      )
      .default([]),
    usage: z
      .object({
        prompt_tokens: z.int().min(0).nullish(),
        completion_tokens: z.int().min(0).nullish(),
      })
      .loose()
      .nullish(),
    // LM Studio's stats (seconds for the times).
    stats: z
      .object({
        tokens_per_second: z.number().min(0).nullish(),
        time_to_first_token: z.number().min(0).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose()

export class LlmServerError extends Error {
  constructor(
    readonly code: "server_unreachable" | "server_error",
    message: string
  ) {
    super(message)
    this.name = "LlmServerError"
  }
}

/** Splits an SSE byte stream into the data of its events. */
async function* sseData(body: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder()
  let buffer = ""
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "")
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n")
      if (data) yield data
    }
  }
}

/**
 * Streams one chat completion from the server at `base`. Ends with one "end" event carrying
 * the usage the server reported (asked for with stream_options.include_usage).
 */
export async function* streamChatCompletion(
  base: string,
  body: {
    model: string
    messages: { role: string; content: string }[]
    temperature?: number
    max_tokens?: number
  },
  {
    fetch: fetchImpl = fetch,
    signal,
  }: { fetch?: typeof fetch; signal?: AbortSignal } = {}
): AsyncGenerator<StreamEvent> {
  let response: Response
  try {
    response = await fetchImpl(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal,
    })
  } catch (error) {
    if (signal?.aborted) throw error
    throw new LlmServerError(
      "server_unreachable",
      `The LLM server at ${base} did not answer (${(error as { cause?: { code?: string } }).cause?.code ?? String(error)}).`
    )
  }
  if (!response.ok || !response.body) {
    const text = (await response.text().catch(() => "")).slice(0, 500)
    throw new LlmServerError(
      "server_error",
      `The LLM server answered HTTP ${response.status}${text ? `: ${text}` : ""}`
    )
  }
  let finishReason: string | null = null
  let inputTokens: number | null = null
  let outputTokens: number | null = null
  let serverTtftMs: number | null = null
  let serverTokensPerSecond: number | null = null
  try {
    for await (const data of sseData(response.body)) {
      if (data.trim() === "[DONE]") break
      let json: unknown
      try {
        json = JSON.parse(data)
      } catch {
        continue
      }
      const chunk = chunkSchema.safeParse(json)
      if (!chunk.success) continue
      const choice = chunk.data.choices[0]
      const content = choice?.delta?.content ?? ""
      const reasoning =
        choice?.delta?.reasoning_content ?? choice?.delta?.reasoning ?? ""
      if (content || reasoning) yield { type: "delta", content, reasoning }
      if (choice?.finish_reason) finishReason = choice.finish_reason
      if (chunk.data.usage) {
        inputTokens = chunk.data.usage.prompt_tokens ?? inputTokens
        outputTokens = chunk.data.usage.completion_tokens ?? outputTokens
      }
      if (chunk.data.stats) {
        if (chunk.data.stats.time_to_first_token != null)
          serverTtftMs = Math.round(chunk.data.stats.time_to_first_token * 1000)
        serverTokensPerSecond =
          chunk.data.stats.tokens_per_second ?? serverTokensPerSecond
      }
    }
  } catch (error) {
    if (signal?.aborted) throw error
    throw new LlmServerError(
      "server_error",
      `The LLM server's stream broke off: ${String(error)}`
    )
  }
  yield {
    type: "end",
    finishReason,
    inputTokens,
    outputTokens,
    serverTtftMs,
    serverTokensPerSecond,
  }
}
