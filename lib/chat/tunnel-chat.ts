import { z } from "zod"

import { LlmServerError, streamChatCompletion } from "./openai-stream"
import {
  type ChatOptions,
  type RelayChatMessage,
  type RelayDone,
  type RelayError,
  type RelayModels,
} from "./relay-protocol"

// The browser calling a device's tunnel straight (docs/chat-relay.md, "Calling the tunnel
// directly"): the same OpenAI-compatible stream the agent reads on loopback, answered in the
// relay's shapes so /chat renders and saves it the same way. The request carries no
// credentials and no Authorization header: the tunnel never sees the user's Supabase token.

export type TunnelHandlers = {
  onText: (content: string, reasoning: string) => void
  onDone: (done: RelayDone) => void
  onError: (error: Pick<RelayError, "code" | "message">) => void
}

/** fetch as the tunnel calls need it: no cookies, no referrer, CORS. */
export function tunnelFetch(fetchImpl: typeof fetch = fetch): typeof fetch {
  return (input, init) =>
    fetchImpl(input, {
      ...init,
      mode: "cors",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    })
}

export const TUNNEL_REFUSED_MESSAGE =
  "The tunnel did not answer this browser: it is offline, or it does not allow this console's origin (CORS). Use the relay, or allow this origin on the tunnel's server (LM Studio: “Enable CORS”)."
export const TUNNEL_NOT_ALLOWED_MESSAGE =
  "This page's security policy does not list the tunnel's address (it changed after the page loaded). Reload the page."

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0))

/** Our words for a tunnel call that failed before the server answered. */
export function describeTunnelFailure(blockedByPolicy: boolean): string {
  return blockedByPolicy ? TUNNEL_NOT_ALLOWED_MESSAGE : TUNNEL_REFUSED_MESSAGE
}

export async function streamTunnelChat(
  base: string,
  request: {
    requestId: string
    model: string
    messages: RelayChatMessage[]
    options: ChatOptions
  },
  handlers: TunnelHandlers,
  {
    signal,
    fetch: fetchImpl = fetch,
    blockedByPolicy = () => false,
  }: {
    signal?: AbortSignal
    fetch?: typeof fetch
    blockedByPolicy?: () => boolean
  } = {}
): Promise<void> {
  const sent = performance.now()
  let firstAt: number | null = null
  let lastAt = sent
  let deltas = 0
  try {
    for await (const event of streamChatCompletion(
      base,
      {
        model: request.model,
        messages: request.messages,
        ...request.options,
      },
      { fetch: tunnelFetch(fetchImpl), signal }
    )) {
      if (event.type === "delta") {
        firstAt ??= performance.now()
        lastAt = performance.now()
        deltas += 1
        handlers.onText(event.content, event.reasoning)
        continue
      }
      const outputTokens = event.outputTokens ?? deltas
      const seconds = (lastAt - (firstAt ?? lastAt)) / 1000
      handlers.onDone({
        request_id: request.requestId,
        last_seq: deltas - 1,
        finish_reason: event.finishReason,
        usage: {
          input_tokens: event.inputTokens,
          output_tokens: outputTokens,
          time_to_first_token_ms:
            event.serverTtftMs ??
            (firstAt === null ? null : Math.round(firstAt - sent)),
          tokens_per_second:
            event.serverTokensPerSecond ??
            (seconds > 0
              ? Math.round((outputTokens / seconds) * 10) / 10
              : null),
        },
      })
    }
  } catch (error) {
    if (signal?.aborted) {
      handlers.onError({ code: "canceled", message: "Stopped." })
      return
    }
    if (error instanceof LlmServerError && error.code === "server_error") {
      handlers.onError({ code: "server_error", message: error.message })
      return
    }
    // A TypeError from fetch: CORS refused, offline, or the page's CSP (told apart by the
    // securitypolicyviolation event the caller listens for, queued after the rejection).
    await nextTask()
    handlers.onError({
      code: "server_unreachable",
      message: describeTunnelFailure(blockedByPolicy()),
    })
  }
}

const modelsSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1).max(300) })).max(500),
})

/** GET /v1/models through the tunnel: proves the browser may call it, and lists the models. */
export async function listTunnelModels(
  base: string,
  requestId: string,
  {
    fetch: fetchImpl = fetch,
    blockedByPolicy = () => false,
  }: { fetch?: typeof fetch; blockedByPolicy?: () => boolean } = {}
): Promise<RelayModels | RelayError> {
  const refused = (message: string): RelayError => ({
    request_id: requestId,
    last_seq: -1,
    code: "server_unreachable",
    message,
  })
  let response: Response
  try {
    response = await tunnelFetch(fetchImpl)(`${base}/v1/models`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5000),
    })
  } catch {
    await nextTask()
    return refused(describeTunnelFailure(blockedByPolicy()))
  }
  const parsed = modelsSchema.safeParse(await response.json().catch(() => null))
  if (!response.ok || !parsed.success) {
    return refused(
      `The tunnel answered HTTP ${response.status}, not an OpenAI-compatible model list.`
    )
  }

  return {
    request_id: requestId,
    server: "tunnel",
    // /v1/models lists what exists; through a tunnel there is no telling what is loaded.
    models: parsed.data.data.map((model) => ({ id: model.id, loaded: true })),
  }
}
