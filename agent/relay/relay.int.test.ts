import { randomUUID } from "node:crypto"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  RELAY_EVENTS,
  RELAY_REQUEST_LIMIT_BYTES,
  relayChunkSchema,
  relayDoneSchema,
  relayErrorSchema,
  relayModelsSchema,
} from "@/lib/chat/relay-protocol"

import { createRelay, type RelaySend } from "./relay"
import {
  STAND_IN_MODELS,
  standInTokens,
  startStandInLlmServer,
  type StandInServer,
} from "./stand-in-llm-server"

// The relay against the stand-in for LM Studio (agent/relay/stand-in-llm-server.ts), over
// loopback HTTP as on a host: what it forwards, how it batches and numbers chunks, cancel,
// a server that fails or breaks off, and what it refuses.

type Sent = { user: string; event: string; payload: Record<string, unknown> }

function recorder() {
  const sent: Sent[] = []
  const waiters: (() => void)[] = []
  const send: RelaySend = (user, event, payload) => {
    sent.push({ user, event, payload })
    for (const wake of waiters.splice(0)) wake()
  }
  const until = async (match: (item: Sent) => boolean, label: string) => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const found = sent.find(match)
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no ${label} was sent`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
  }

  return { sent, send, until }
}

const ended = (requestId: string) => (item: Sent) =>
  item.payload.request_id === requestId &&
  (item.event === RELAY_EVENTS.done || item.event === RELAY_EVENTS.error)

describe("chat relay against the stand-in LLM server", () => {
  let server: StandInServer
  const user = randomUUID()

  beforeAll(async () => {
    server = await startStandInLlmServer({ tokenDelayMs: 0 })
  })
  afterAll(async () => {
    await server?.close()
  })

  const chat = (
    model: string,
    content: string,
    extra: Record<string, unknown> = {}
  ) => ({
    request_id: randomUUID(),
    reply_to: user,
    kind: "chat",
    model,
    messages: [{ role: "user", content }],
    ...extra,
  })

  it("streams the answer in numbered batches, then done with the server's usage and stats", async () => {
    const { sent, send, until } = recorder()
    const relay = createRelay({ send, resolvePort: async () => server.port })
    const request = chat(STAND_IN_MODELS.echo, "Hello *there*", {
      options: { max_tokens: 600 },
    })
    relay.handleRequest(request)
    const end = await until(ended(request.request_id), "end")
    expect(end.event).toBe(RELAY_EVENTS.done)
    expect(sent.every((item) => item.user === user)).toBe(true)
    expect(sent[0]!.event).toBe(RELAY_EVENTS.accepted)

    const chunks = sent
      .filter((item) => item.event === RELAY_EVENTS.chunk)
      .map((item) => relayChunkSchema.parse(item.payload))
    expect(chunks.map((chunk) => chunk.seq)).toEqual(
      chunks.map((_, index) => index)
    )
    expect(chunks.map((chunk) => chunk.content).join("")).toBe(
      standInTokens("Hello *there*", 600).join("")
    )
    // 600 tokens came back-to-back: batching sent far fewer messages than tokens.
    expect(chunks.length).toBeLessThan(600)

    const done = relayDoneSchema.parse(end.payload)
    expect(done.last_seq).toBe(chunks.length - 1)
    expect(done.finish_reason).toBe("stop")
    expect(done.usage.output_tokens).toBe(600)
    expect(done.usage.input_tokens).toBe("Hello *there*".length)
    expect(done.usage.tokens_per_second).toBeGreaterThan(0)
    expect(done.usage.time_to_first_token_ms).not.toBeNull()
    // The server was asked for exactly this, with streaming and usage on.
    expect(server.requests.at(-1)).toMatchObject({
      model: STAND_IN_MODELS.echo,
      messages: [{ role: "user", content: "Hello *there*" }],
      max_tokens: 600,
      stream: true,
      stream_options: { include_usage: true },
    })
  })

  it("a cancel from the asking user stops the generation on the server; one from anyone else does not", async () => {
    const { send, until, sent } = recorder()
    const relay = createRelay({ send, resolvePort: async () => server.port })
    const request = chat(STAND_IN_MODELS.slow, "take your time", {
      options: { max_tokens: 200 },
    })
    const abortedBefore = server.aborted
    relay.handleRequest(request)
    await until(
      (item) =>
        item.event === RELAY_EVENTS.accepted &&
        item.payload.request_id === request.request_id,
      "accepted"
    )
    // The server is generating (its slow first token is still to come).
    await expect
      .poll(() =>
        server.requests.some((r) =>
          JSON.stringify(r).includes("take your time")
        )
      )
      .toBe(true)
    relay.handleCancel({
      request_id: request.request_id,
      reply_to: randomUUID(),
    })
    expect(relay.active).toBe(1)
    relay.handleCancel({ request_id: request.request_id, reply_to: user })
    const end = await until(ended(request.request_id), "end")
    expect(relayErrorSchema.parse(end.payload).code).toBe("canceled")
    expect(sent.some((item) => item.event === RELAY_EVENTS.done)).toBe(false)
    await expect.poll(() => server.aborted).toBe(abortedBefore + 1)
    expect(relay.active).toBe(0)
  })

  it("a failing server and one that breaks off mid-stream end the answer with an error, keeping what came", async () => {
    const { send, until, sent } = recorder()
    const relay = createRelay({ send, resolvePort: async () => server.port })
    const failing = chat(STAND_IN_MODELS.fail, "fail")
    relay.handleRequest(failing)
    const failed = relayErrorSchema.parse(
      (await until(ended(failing.request_id), "end")).payload
    )
    expect(failed).toMatchObject({ code: "server_error", last_seq: -1 })
    expect(failed.message).toMatch(/HTTP 500/)

    const breaking = chat(STAND_IN_MODELS.break, "break")
    relay.handleRequest(breaking)
    const broke = relayErrorSchema.parse(
      (await until(ended(breaking.request_id), "end")).payload
    )
    expect(broke.code).toBe("server_error")
    const partial = sent
      .filter(
        (item) =>
          item.event === RELAY_EVENTS.chunk &&
          item.payload.request_id === breaking.request_id
      )
      .map((item) => relayChunkSchema.parse(item.payload))
    expect(partial.length).toBe(broke.last_seq + 1)
    expect(partial.map((chunk) => chunk.content).join("")).toBe(
      standInTokens("break", 24).slice(0, 3).join("")
    )
  })

  it("lists the models, saying which are loaded", async () => {
    const { send, until } = recorder()
    const relay = createRelay({ send, resolvePort: async () => server.port })
    const requestId = randomUUID()
    relay.handleRequest({
      request_id: requestId,
      reply_to: user,
      kind: "models",
    })
    const answer = relayModelsSchema.parse(
      (await until((item) => item.payload.request_id === requestId, "models"))
        .payload
    )
    expect(answer.server).toBe("lmstudio")
    expect(answer.models).toContainEqual({
      id: STAND_IN_MODELS.echo,
      loaded: true,
    })
    expect(answer.models).toContainEqual({
      id: STAND_IN_MODELS.unloaded,
      loaded: false,
    })
  })

  it("refuses anything but a chat completion or a model listing, and oversized requests, before calling the server", async () => {
    const { send, sent } = recorder()
    const relay = createRelay({ send, resolvePort: async () => server.port })
    const before = server.requests.length
    const refused = [
      {
        request_id: randomUUID(),
        reply_to: user,
        kind: "http",
        url: "http://127.0.0.1:22/",
      },
      {
        ...chat(STAND_IN_MODELS.echo, "hi"),
        url: "http://example.com/v1/chat/completions",
      },
      { ...chat(STAND_IN_MODELS.echo, "hi"), port: 5432 },
      {
        ...chat(STAND_IN_MODELS.echo, "hi"),
        messages: [{ role: "tool", content: "x" }],
      },
      chat(STAND_IN_MODELS.echo, "x".repeat(RELAY_REQUEST_LIMIT_BYTES + 1)),
    ]
    for (const request of refused) relay.handleRequest(request)
    // Without ids to answer to, a request is dropped.
    relay.handleRequest({ kind: "chat" })
    const errors = sent.map((item) => relayErrorSchema.parse(item.payload))
    expect(errors.map((error) => error.code)).toEqual([
      "refused",
      "refused",
      "refused",
      "refused",
      "too_large",
    ])
    expect(errors.map((error) => error.request_id)).toEqual(
      refused.map((r) => r.request_id)
    )
    expect(server.requests.length).toBe(before)
    expect(relay.active).toBe(0)
  })

  it("says so when no LLM server answers", async () => {
    const { send, until } = recorder()
    const relay = createRelay({ send, resolvePort: async () => null })
    const request = chat(STAND_IN_MODELS.echo, "anyone?")
    relay.handleRequest(request)
    const end = relayErrorSchema.parse(
      (await until(ended(request.request_id), "end")).payload
    )
    expect(end.code).toBe("server_unreachable")
  })
})
