import { z } from "zod"

import {
  RELAY_BATCH_MS,
  RELAY_EVENTS,
  RELAY_KEEPALIVE_MS,
  RELAY_REQUEST_LIMIT_BYTES,
  relayCancelSchema,
  relayRequestSchema,
  type RelayChatRequest,
  type RelayError,
  type RelayUsage,
} from "@/lib/chat/relay-protocol"
import { dbId } from "@/lib/db-id"

import {
  listModels,
  LlmServerError,
  loopbackBase,
  streamChatCompletion,
} from "./openai-client"

// The relay's core, without a network of its own (docs/chat-relay.md): it takes the requests
// that arrived on the device's topic, lets through only a chat completion or a model listing
// for the LLM server on this machine, and answers through `send` in order: accepted, chunks
// batched every ≤ 50 ms (each numbered), then done (with the server's usage and stats) or an
// error. A cancel aborts the server's request, which stops the generation there.

export type RelaySend = (
  userId: string,
  event: (typeof RELAY_EVENTS)[keyof typeof RELAY_EVENTS],
  payload: Record<string, unknown>
) => void

export type RelayOptions = {
  send: RelaySend
  /** The LLM server's port on this machine now, or null when none answers. */
  resolvePort: () => Promise<number | null>
  /** Told when the server did not answer, so the next resolvePort looks again. */
  onServerUnreachable?: () => void
  fetch?: typeof fetch
  log?: (line: string) => void
  maxConcurrent?: number
  batchMs?: number
  keepaliveMs?: number
}

export type Relay = {
  handleRequest(raw: unknown): void
  handleCancel(raw: unknown): void
  /** Requests being answered now. */
  readonly active: number
  /** Cancels everything (the agent is stopping). */
  close(): void
}

const idsSchema = z.object({ request_id: dbId, reply_to: dbId }).loose()

export function createRelay(options: RelayOptions): Relay {
  const {
    send,
    resolvePort,
    fetch: fetchImpl = fetch,
    log = () => undefined,
    maxConcurrent = 4,
    batchMs = RELAY_BATCH_MS,
    keepaliveMs = RELAY_KEEPALIVE_MS,
  } = options
  const active = new Map<
    string,
    { replyTo: string; controller: AbortController }
  >()

  function refuse(
    replyTo: string,
    requestId: string,
    code: RelayError["code"],
    message: string
  ) {
    send(replyTo, RELAY_EVENTS.error, {
      request_id: requestId,
      last_seq: -1,
      code,
      message,
    })
  }

  async function answerModels(replyTo: string, requestId: string) {
    const port = await resolvePort()
    if (port === null) {
      return refuse(
        replyTo,
        requestId,
        "server_unreachable",
        "No LLM server answers on this machine."
      )
    }
    try {
      const listed = await listModels(port, { fetch: fetchImpl })
      send(replyTo, RELAY_EVENTS.models, {
        request_id: requestId,
        server: listed.server,
        models: listed.models,
      })
    } catch (error) {
      refuse(
        replyTo,
        requestId,
        error instanceof LlmServerError ? error.code : "server_error",
        error instanceof Error ? error.message : String(error)
      )
    }
  }

  async function answerChat(request: RelayChatRequest) {
    const { request_id: requestId, reply_to: replyTo } = request
    const controller = new AbortController()
    active.set(requestId, { replyTo, controller })
    const received = performance.now()
    let seq = -1
    let content = ""
    let reasoning = ""
    let timer: NodeJS.Timeout | null = null
    let firstTokenAt: number | null = null
    let lastTokenAt = received
    let deltas = 0
    const flush = () => {
      if (timer) clearTimeout(timer)
      timer = null
      if (!content && !reasoning) return
      seq += 1
      send(replyTo, RELAY_EVENTS.chunk, {
        request_id: requestId,
        seq,
        content,
        ...(reasoning ? { reasoning } : {}),
      })
      content = ""
      reasoning = ""
    }
    const keepalive = setInterval(
      () => send(replyTo, RELAY_EVENTS.alive, { request_id: requestId }),
      keepaliveMs
    )
    try {
      const port = await resolvePort()
      if (port === null) {
        throw new LlmServerError(
          "server_unreachable",
          "No LLM server answers on this machine."
        )
      }
      send(replyTo, RELAY_EVENTS.accepted, {
        request_id: requestId,
        server: loopbackBase(port),
      })
      const stream = streamChatCompletion(
        loopbackBase(port),
        {
          model: request.model,
          messages: request.messages,
          ...request.options,
        },
        { fetch: fetchImpl, signal: controller.signal }
      )
      for await (const event of stream) {
        if (event.type === "delta") {
          firstTokenAt ??= performance.now()
          lastTokenAt = performance.now()
          deltas += 1
          content += event.content
          reasoning += event.reasoning
          // The first text goes out at once (it is the time to first token the user
          // waits for); after it, whatever arrives within batchMs goes out together.
          if (seq < 0) flush()
          else timer ??= setTimeout(flush, batchMs)
          continue
        }
        flush()
        const outputTokens = event.outputTokens ?? deltas
        const seconds = (lastTokenAt - (firstTokenAt ?? lastTokenAt)) / 1000
        const usage: RelayUsage = {
          input_tokens: event.inputTokens,
          output_tokens: outputTokens,
          time_to_first_token_ms:
            event.serverTtftMs ??
            (firstTokenAt === null
              ? null
              : Math.round(firstTokenAt - received)),
          tokens_per_second:
            event.serverTokensPerSecond ??
            (seconds > 0
              ? Math.round((outputTokens / seconds) * 10) / 10
              : null),
        }
        send(replyTo, RELAY_EVENTS.done, {
          request_id: requestId,
          last_seq: seq,
          finish_reason: event.finishReason,
          usage,
        })
      }
    } catch (error) {
      flush()
      const canceled = controller.signal.aborted
      if (
        error instanceof LlmServerError &&
        error.code === "server_unreachable"
      )
        options.onServerUnreachable?.()
      send(replyTo, RELAY_EVENTS.error, {
        request_id: requestId,
        last_seq: seq,
        code: canceled
          ? "canceled"
          : error instanceof LlmServerError
            ? error.code
            : "server_error",
        message: canceled
          ? "Stopped."
          : error instanceof Error
            ? error.message.slice(0, 2000)
            : String(error).slice(0, 2000),
      })
    } finally {
      if (timer) clearTimeout(timer)
      clearInterval(keepalive)
      active.delete(requestId)
    }
  }

  return {
    get active() {
      return active.size
    },
    handleRequest(raw) {
      const ids = idsSchema.safeParse(raw)
      if (!ids.success) {
        log("Ignored a relay request without a request id and a user id.")
        return
      }
      const { request_id: requestId, reply_to: replyTo } = ids.data
      const size = Buffer.byteLength(JSON.stringify(raw))
      if (size > RELAY_REQUEST_LIMIT_BYTES) {
        return refuse(
          replyTo,
          requestId,
          "too_large",
          `The request is ${Math.ceil(size / 1024)} KB; the relay takes at most ${RELAY_REQUEST_LIMIT_BYTES / 1024} KB.`
        )
      }
      const parsed = relayRequestSchema.safeParse(raw)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        return refuse(
          replyTo,
          requestId,
          "refused",
          `The relay carries only chat completions and model listings: ${issue ? `${issue.path.join(".") || "request"}: ${issue.message}` : "invalid request"}.`
        )
      }
      if (active.has(requestId)) return
      const request = parsed.data
      if (request.kind === "models") {
        void answerModels(replyTo, requestId)
        return
      }
      if (active.size >= maxConcurrent) {
        return refuse(
          replyTo,
          requestId,
          "busy",
          `This host is answering ${active.size} requests already; try again when one ends.`
        )
      }
      log(
        `Relaying a chat with ${request.model} (${request.messages.length} messages).`
      )
      void answerChat(request)
    },
    handleCancel(raw) {
      const parsed = relayCancelSchema.safeParse(raw)
      if (!parsed.success) return
      const running = active.get(parsed.data.request_id)
      // Only the user the answer goes to may stop it.
      if (running && running.replyTo === parsed.data.reply_to) {
        running.controller.abort()
      }
    },
    close() {
      for (const { controller } of active.values()) controller.abort()
    },
  }
}
