import { describe, expect, it } from "vitest"

import { type SyncBatch } from "@/lib/chat/chat-sync"

import { createChatController, type RelayChat } from "./chat-controller"
import { type StreamHandlers } from "./use-chat-relay"

// The /chat page's conversation: what it asks the relay, what it writes through sync_push
// (one write at a time, each with a higher sync_version), and regenerate as a branch.

function harness(
  initial: Parameters<typeof createChatController>[0]["initial"] = null
) {
  const pushed: SyncBatch[] = []
  let release: (() => void) | null = null
  const push = (batch: SyncBatch) => {
    pushed.push(structuredClone(batch))
    return new Promise<string[]>((resolve) => {
      release = () => resolve([])
    })
  }
  const requests: {
    request: Parameters<RelayChat>[0]
    handlers: StreamHandlers
  }[] = []
  const chat: RelayChat = (request, handlers) =>
    requests.push({ request, handlers })
  let time = 0
  const controller = createChatController({
    initial,
    push,
    clock: () => time,
  })
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
  const drain = async () => {
    // The turn's held writes go out a task after the first chunk (chat-controller's afterRender).
    await tick()
    while (release) {
      const next = release as () => void
      release = null
      next()
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
  }

  return {
    controller,
    pushed,
    requests,
    chat,
    drain,
    tick: (ms: number) => (time += ms),
  }
}

const settings = {
  deviceId: "0d000000-0000-4000-8000-000000000001",
  model: "stand-in-echo",
  systemPrompt: "Be brief.",
  options: { temperature: 0.3 },
}

describe("chat controller", () => {
  it("asks with the system prompt and the branch so far, and saves the answer with its usage", async () => {
    const { controller, pushed, requests, chat, drain } = harness()
    const first = controller.send("Hello", null, settings, chat)
    expect(requests[0]!.request).toMatchObject({
      model: "stand-in-echo",
      options: { temperature: 0.3 },
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
    })
    requests[0]!.handlers.onText("Hi ", "")
    requests[0]!.handlers.onText("there", "")
    requests[0]!.handlers.onDone({
      request_id: requests[0]!.request.requestId,
      last_seq: 1,
      finish_reason: "stop",
      usage: {
        input_tokens: 5,
        output_tokens: 2,
        time_to_first_token_ms: 120,
        tokens_per_second: 40,
      },
    })
    await drain()

    // The first write carries the session and the prompt; later ones coalesce the answer.
    expect(pushed[0]!.sessions).toHaveLength(1)
    expect(pushed[0]!.sessions[0]!.metadata).toMatchObject({
      source: "console-chat",
      system_prompt: "Be brief.",
      temperature: 0.3,
    })
    // Every write names the answering device, so its rows are priced at its local price.
    expect(pushed.map((b) => b.answeredBy)).toEqual(
      pushed.map(() => settings.deviceId)
    )
    const answers = pushed
      .flatMap((b) => b.messages)
      .filter((m) => m.id === first.answerId)
    const final = answers.at(-1)!
    expect(final).toMatchObject({
      role: "assistant",
      content: "Hi there",
      parent_id: first.userId,
      message_index: 1,
      output_tokens: 2,
      tokens_per_second: 40,
      time_to_first_token_ms: 120,
    })
    const versions = answers.map((m) => m.sync_version)
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(new Set(versions).size).toBe(versions.length)
    expect(controller.getSnapshot().streaming).toBeNull()

    // A follow-up carries the whole branch.
    const answer = controller.getSnapshot().messages.get(first.answerId)!
    controller.send("More", answer, settings, chat)
    expect(requests[1]!.request.messages.map((m) => m.content)).toEqual([
      "Be brief.",
      "Hello",
      "Hi there",
      "More",
    ])
  })

  it("holds a turn's writes until the answer's first chunk is rendered, then writes them in one push, session first", async () => {
    const { controller, pushed, requests, chat, drain } = harness()
    const first = controller.send("Hello", null, settings, chat)
    // The relay request goes out alone: nothing competes with it for the database.
    expect(requests).toHaveLength(1)
    await drain()
    expect(pushed).toHaveLength(0)

    requests[0]!.handlers.onText("Hi", "")
    // Not in the same task as the chunk: the page renders it first.
    expect(pushed).toHaveLength(0)
    await drain()
    expect(pushed).toHaveLength(1)
    expect(pushed[0]!.sessions).toHaveLength(1)
    expect(pushed[0]!.messages.map((m) => [m.id, m.content])).toEqual([
      [first.userId, "Hello"],
      [first.answerId, "Hi"],
    ])

    // An answer that fails before any text lets its turn's writes go too.
    const answer = controller.getSnapshot().messages.get(first.answerId)!
    const second = controller.send("More", answer, settings, chat)
    await drain()
    expect(pushed).toHaveLength(1)
    requests[1]!.handlers.onError({
      code: "server_unreachable",
      message: "gone",
    })
    await drain()
    expect(pushed.slice(1).flatMap((b) => b.messages.map((m) => m.id))).toEqual(
      expect.arrayContaining([second.userId, second.answerId])
    )
  })

  it("regenerating adds a sibling answer to the same prompt; an error keeps the partial text", async () => {
    const { controller, requests, chat, drain } = harness()
    const first = controller.send("Hello", null, settings, chat)
    requests[0]!.handlers.onText("partial", "")
    requests[0]!.handlers.onError({
      code: "server_unreachable",
      message: "gone",
    })
    const snapshot = controller.getSnapshot()
    expect(snapshot.messages.get(first.answerId)!.content).toBe("partial")
    expect(snapshot.problems[first.answerId]).toEqual({
      code: "server_unreachable",
      message: "gone",
    })

    const again = controller.regenerate(first.answerId, settings, chat)!
    expect(again.parentId).toBe(first.userId)
    const sibling = controller.getSnapshot().messages.get(again.answerId)!
    expect(sibling).toMatchObject({ parent_id: first.userId, message_index: 1 })
    expect(requests[1]!.request.messages.at(-1)).toEqual({
      role: "user",
      content: "Hello",
    })
    await drain()
  })

  it("editing a prompt adds a sibling prompt (a branch) with its own answer, asked without the old one", async () => {
    const { controller, requests, chat, drain } = harness()
    const first = controller.send("Hello", null, settings, chat)
    requests[0]!.handlers.onText("Hi", "")
    const edited = controller.edit(first.userId, "Hello again", settings, chat)!
    expect(edited.parentKey).toBeNull()
    const prompt = controller.getSnapshot().messages.get(edited.userId)!
    expect(prompt).toMatchObject({
      parent_id: null,
      message_index: 0,
      role: "user",
    })
    expect(requests[1]!.request.messages.map((m) => m.content)).toEqual([
      "Be brief.",
      "Hello again",
    ])
    expect(
      controller.edit(first.answerId, "not a prompt", settings, chat)
    ).toBeNull()
    await drain()
  })

  it("writes a copy of another member's session with its first change, then the new turn after the copied history", async () => {
    const original = {
      session: {
        id: "0c000000-0000-4000-8000-000000000001",
        title: "Shared design chat",
        model: "stand-in-echo",
        created_at: "2026-12-01T10:00:00.000Z",
        device_id: settings.deviceId,
        options: {},
        version: 0,
        continued_from: "0c000000-0000-4000-8000-0000000000aa",
      },
      messages: [
        {
          id: "0c000000-0000-4000-8000-000000000010",
          parent_id: null,
          message_index: 0,
          role: "user" as const,
          content: "Their question",
          reasoning: "",
          model: null,
          created_at: "2026-12-01T10:00:00.000Z",
          input_tokens: null,
          output_tokens: null,
          tokens_per_second: null,
          time_to_first_token_ms: null,
          version: 1,
        },
        {
          id: "0c000000-0000-4000-8000-000000000011",
          parent_id: "0c000000-0000-4000-8000-000000000010",
          message_index: 1,
          role: "assistant" as const,
          content: "Their answer",
          reasoning: "",
          model: "stand-in-echo",
          created_at: "2026-12-01T10:00:01.000Z",
          input_tokens: null,
          output_tokens: null,
          tokens_per_second: null,
          time_to_first_token_ms: null,
          version: 1,
        },
      ],
      unsaved: true,
    }
    const { controller, pushed, requests, chat, drain } = harness(original)
    // Nothing is written until the user changes something.
    expect(pushed).toHaveLength(0)
    const last = controller
      .getSnapshot()
      .messages.get(original.messages[1]!.id)!
    const sent = controller.send("My follow-up", last, settings, chat)
    expect(requests[0]!.request.messages.map((m) => m.content)).toEqual([
      "Be brief.",
      "Their question",
      "Their answer",
      "My follow-up",
    ])
    requests[0]!.handlers.onText("Sure", "")
    await drain()
    // The session goes first (its messages reference it), marked as a copy.
    expect(pushed[0]!.sessions[0]).toMatchObject({
      id: original.session.id,
      sync_version: 1,
      metadata: { continued_from: original.session.continued_from },
    })
    const written = pushed.flatMap((b) => b.messages.map((m) => m.id))
    expect(written).toEqual(
      expect.arrayContaining([
        original.messages[0]!.id,
        original.messages[1]!.id,
        sent.userId,
      ])
    )
    // The copied history is written once, before the new prompt.
    expect(
      written.filter((id) => id === original.messages[0]!.id)
    ).toHaveLength(1)
    expect(written.indexOf(original.messages[1]!.id)).toBeLessThan(
      written.indexOf(sent.userId)
    )
  })
})
