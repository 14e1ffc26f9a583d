import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  STAND_IN_MODELS,
  standInTokens,
  startStandInLlmServer,
  type StandInServer,
} from "../../agent/relay/stand-in-llm-server"
import { tunnelApiBase } from "./tunnel"
import {
  listTunnelModels,
  streamTunnelChat,
  TUNNEL_NOT_ALLOWED_MESSAGE,
  TUNNEL_REFUSED_MESSAGE,
  type TunnelHandlers,
} from "./tunnel-chat"

// The browser's direct call to a device's tunnel, against the stand-in for LM Studio behind a
// tunnel. CORS itself is the browser's (e2e/chat.spec.ts); here: the answer, its usage, the
// failures in our words, cancel reaching the server, and no credentials sent.

function collect() {
  let text = ""
  const ended: Parameters<
    TunnelHandlers["onDone"] | TunnelHandlers["onError"]
  >[0][] = []
  const handlers: TunnelHandlers = {
    onText: (content) => (text += content),
    onDone: (done) => ended.push(done),
    onError: (error) => ended.push(error),
  }
  return { handlers, ended, text: () => text }
}

const request = (model: string, content: string) => ({
  requestId: "00000000-0000-4000-c000-000000000001",
  model,
  messages: [{ role: "user" as const, content }],
  options: { max_tokens: 30 },
})

describe("chat straight to a tunnel", () => {
  let llm: StandInServer
  beforeAll(async () => {
    llm = await startStandInLlmServer({ tokenDelayMs: 1, cors: "*" })
  })
  afterAll(async () => {
    await llm?.close()
  })

  it("streams the answer with the server's usage, and sends no credentials", async () => {
    const got = collect()
    await streamTunnelChat(
      tunnelApiBase(`${llm.url}/v1/`),
      request(STAND_IN_MODELS.echo, "Hello tunnel"),
      got.handlers
    )
    expect(got.text()).toBe(standInTokens("Hello tunnel", 30).join(""))
    expect(got.ended).toEqual([
      expect.objectContaining({
        last_seq: 29,
        finish_reason: "stop",
        usage: expect.objectContaining({ output_tokens: 30 }),
      }),
    ])
    const headers = llm.headers.at(-1)!
    expect(headers.authorization).toBeUndefined()
    expect(headers.cookie).toBeUndefined()
  })

  it("says the server failed, or that the tunnel refused or the page's policy blocked it", async () => {
    const failed = collect()
    await streamTunnelChat(
      llm.url,
      request(STAND_IN_MODELS.fail, "x"),
      failed.handlers
    )
    expect(failed.ended).toEqual([
      expect.objectContaining({ code: "server_error" }),
    ])

    const closed = await startStandInLlmServer()
    const gone = closed.url
    await closed.close()
    const refused = collect()
    await streamTunnelChat(
      gone,
      request(STAND_IN_MODELS.echo, "x"),
      refused.handlers
    )
    expect(refused.ended).toEqual([
      { code: "server_unreachable", message: TUNNEL_REFUSED_MESSAGE },
    ])
    const blocked = collect()
    await streamTunnelChat(
      gone,
      request(STAND_IN_MODELS.echo, "x"),
      blocked.handlers,
      {
        blockedByPolicy: () => true,
      }
    )
    expect(blocked.ended).toEqual([
      { code: "server_unreachable", message: TUNNEL_NOT_ALLOWED_MESSAGE },
    ])
    expect(await listTunnelModels(gone, "r")).toMatchObject({
      code: "server_unreachable",
      message: TUNNEL_REFUSED_MESSAGE,
    })
  })

  it("lists the models, and a stop ends the generation on the server", async () => {
    const listed = await listTunnelModels(llm.url, "r")
    expect("models" in listed && listed.models.map((m) => m.id)).toContain(
      STAND_IN_MODELS.echo
    )
    const before = llm.aborted
    const controller = new AbortController()
    const got = collect()
    const running = streamTunnelChat(
      llm.url,
      request(STAND_IN_MODELS.slow, "slowly"),
      got.handlers,
      { signal: controller.signal }
    )
    await expect.poll(() => JSON.stringify(llm.requests)).toContain("slowly")
    controller.abort()
    await running
    expect(got.ended).toEqual([{ code: "canceled", message: "Stopped." }])
    await expect.poll(() => llm.aborted).toBe(before + 1)
  })
})
