import { createServer, type Server, type ServerResponse } from "node:http"
import { type AddressInfo } from "node:net"

// A stand-in for LM Studio, for tests, the e2e and the chat bench: a small OpenAI-compatible
// server, NOT a model. It answers what LM Studio answers on the calls the agent makes:
//   GET  /v1/models              every model (OpenAI's list)
//   GET  /api/v0/models          LM Studio's native list, with "loaded" / "not-loaded"
//   POST /v1/chat/completions    with stream: true, SSE chunks ("data: {...}"), a finish chunk,
//                                a final usage chunk (stream_options.include_usage), LM
//                                Studio-style `stats` (tokens_per_second, time_to_first_token
//                                in seconds), then "data: [DONE]".
// The answer is made from the last user message, so a test can tell whose answer it got.
// Behaviour is chosen by model id:
//   stand-in-echo   answers at once, a token every `tokenDelayMs`
//   stand-in-slow   waits `slowFirstTokenMs` before the first token, then a token every 200 ms
//   stand-in-fail   answers HTTP 500
//   stand-in-break  sends a few tokens, then cuts the connection
// With `cors`, it answers browsers from those origins (preflight and Access-Control-Allow-
// Origin), as a tunnel in front of LM Studio with "Enable CORS" on does; without it, a browser
// calling it from another origin is refused, as LM Studio's default is.

export const STAND_IN_MODELS = {
  echo: "stand-in-echo",
  slow: "stand-in-slow",
  fail: "stand-in-fail",
  break: "stand-in-break",
  /** Listed but not loaded (LM Studio's native API says "not-loaded"). */
  unloaded: "stand-in-unloaded",
} as const

export type StandInOptions = {
  port?: number
  /** Delay between tokens of stand-in-echo. */
  tokenDelayMs?: number
  /** The server's own time to first token, for stand-in-echo. */
  firstTokenDelayMs?: number
  slowFirstTokenMs?: number
  /** Tokens per answer when the request names no max_tokens. */
  defaultTokens?: number
  /** Browser origins allowed to call it (CORS), or "*" for any; none by default. */
  cors?: string[] | "*"
}

export type StandInServer = {
  url: string
  port: number
  /** Requests whose client went away before the answer ended (a cancel reached the server). */
  aborted: number
  /** Every chat request's body, in arrival order. */
  requests: unknown[]
  /** Every chat request's headers, in arrival order (what a tunnel would see). */
  headers: Record<string, string | string[] | undefined>[]
  /** CORS preflights received. */
  preflights: number
  close(): Promise<void>
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The answer's tokens: a markdown header line naming the question, then numbered words. */
export function standInTokens(question: string, count: number): string[] {
  const head = [`You said: **${question.slice(0, 200)}**`, "\n\n"]
  const words = Array.from(
    { length: Math.max(0, count - head.length) },
    (_, i) => `word${i + 1} `
  )

  return [...head, ...words].slice(0, Math.max(1, count))
}

export async function startStandInLlmServer(
  options: StandInOptions = {}
): Promise<StandInServer> {
  const {
    tokenDelayMs = 2,
    firstTokenDelayMs = 0,
    slowFirstTokenMs = 1500,
    defaultTokens = 24,
  } = options
  const state = {
    aborted: 0,
    preflights: 0,
    requests: [] as unknown[],
    headers: [] as Record<string, string | string[] | undefined>[],
  }
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const origin = req.headers.origin
    const allowed =
      origin !== undefined &&
      (options.cors === "*" || (options.cors ?? []).includes(origin))
    if (allowed) {
      res.setHeader("access-control-allow-origin", origin)
      res.setHeader("vary", "origin")
    }
    if (req.method === "OPTIONS") {
      state.preflights += 1
      if (!allowed) {
        res.writeHead(403)
        return res.end()
      }
      res.writeHead(204, {
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "content-type, accept",
        "access-control-max-age": "600",
      })
      return res.end()
    }
    if (req.method === "GET" && url.pathname === "/v1/models") {
      return json(res, 200, {
        object: "list",
        data: Object.values(STAND_IN_MODELS).map((id) => ({
          id,
          object: "model",
          owned_by: "stand-in",
        })),
      })
    }
    if (req.method === "GET" && url.pathname === "/api/v0/models") {
      return json(res, 200, {
        object: "list",
        data: Object.values(STAND_IN_MODELS).map((id) => ({
          id,
          object: "model",
          type: "llm",
          state: id === STAND_IN_MODELS.unloaded ? "not-loaded" : "loaded",
        })),
      })
    }
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return json(res, 404, { error: "Unexpected endpoint or method." })
    }
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      void answer(Buffer.concat(chunks).toString("utf8"))
    })

    async function answer(text: string) {
      let body: {
        model?: string
        messages?: { role: string; content: string }[]
        max_tokens?: number
        stream?: boolean
      }
      try {
        body = JSON.parse(text) as typeof body
      } catch {
        return json(res, 400, { error: "Body must be JSON." })
      }
      state.requests.push(body)
      state.headers.push(req.headers)
      const model = body.model ?? ""
      if (model === STAND_IN_MODELS.fail) {
        return json(res, 500, { error: "Model crashed (stand-in fail mode)." })
      }
      if (!Object.values(STAND_IN_MODELS).includes(model as never)) {
        return json(res, 404, { error: `Model "${model}" not found.` })
      }
      const question =
        [...(body.messages ?? [])].reverse().find((m) => m.role === "user")
          ?.content ?? ""
      const tokens = standInTokens(question, body.max_tokens ?? defaultTokens)
      const id = `chatcmpl-${Date.now()}`
      const created = Math.floor(Date.now() / 1000)
      let closed = false
      res.on("close", () => {
        if (!res.writableEnded) {
          closed = true
          state.aborted += 1
        }
      })
      const started = performance.now()
      if (!body.stream) {
        return json(res, 200, {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: tokens.join("") },
              finish_reason: "stop",
            },
          ],
          usage: {
            prompt_tokens: question.length,
            completion_tokens: tokens.length,
            total_tokens: question.length + tokens.length,
          },
        })
      }
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      })
      const send = (data: unknown) =>
        res.write(`data: ${JSON.stringify(data)}\n\n`)
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        send({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
      const slow = model === STAND_IN_MODELS.slow
      await sleep(slow ? slowFirstTokenMs : firstTokenDelayMs)
      let firstAt = 0
      for (const [index, token] of tokens.entries()) {
        if (closed) return
        if (model === STAND_IN_MODELS.break && index === 3) {
          // Let the first tokens reach the client, then drop the connection.
          await sleep(100)
          res.socket?.destroy()
          return
        }
        if (index === 0) firstAt = performance.now()
        chunk(
          index === 0
            ? { role: "assistant", content: token }
            : { content: token },
          null
        )
        const delay = slow ? 200 : tokenDelayMs
        if (delay > 0) await sleep(delay)
      }
      if (closed) return
      const ended = performance.now()
      chunk({}, "stop")
      const generationSeconds = Math.max(0.001, (ended - firstAt) / 1000)
      send({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [],
        usage: {
          prompt_tokens: question.length,
          completion_tokens: tokens.length,
          total_tokens: question.length + tokens.length,
        },
        stats: {
          tokens_per_second: tokens.length / generationSeconds,
          time_to_first_token: (firstAt - started) / 1000,
          generation_time: generationSeconds,
          stop_reason: "eosFound",
        },
      })
      res.end("data: [DONE]\n\n")
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get aborted() {
      return state.aborted
    },
    get preflights() {
      return state.preflights
    },
    requests: state.requests,
    headers: state.headers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
