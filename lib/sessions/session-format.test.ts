import { describe, expect, it } from "vitest"

import {
  excerpt,
  formatDuration,
  formatTokensPerSecond,
  sessionTotals,
} from "./session-format"
import { type SessionMessage } from "./session-queries"

function message(overrides: Partial<SessionMessage>): SessionMessage {
  return {
    id: "22222222-2222-4222-8222-000000000001",
    client_id: null,
    session_id: "11111111-1111-4111-8111-111111111111",
    parent_id: null,
    message_index: 0,
    role: "assistant",
    content: "",
    reasoning: null,
    tool_calls: null,
    model: null,
    device_id: null,
    input_tokens: 0,
    output_tokens: 0,
    cached_tokens: 0,
    tokens_per_second: null,
    time_to_first_token_ms: null,
    cost_usd: 0,
    created_at: "2026-12-01T10:00:00.000Z",
    deleted_at: null,
    ...overrides,
  }
}

describe("sessionTotals", () => {
  it("adds up every branch's live messages and leaves tombstones out", () => {
    const totals = sessionTotals([
      message({
        model: "b",
        device_id: "d1",
        input_tokens: 10,
        output_tokens: 5,
        cached_tokens: 2,
        cost_usd: 0.5,
      }),
      message({
        model: "a",
        device_id: "d1",
        input_tokens: 1,
        output_tokens: 1,
        cost_usd: 0.25,
      }),
      message({
        model: "z",
        input_tokens: 99,
        deleted_at: "2026-12-02T00:00:00Z",
      }),
    ])
    expect(totals).toEqual({
      messages: 2,
      inputTokens: 11,
      outputTokens: 6,
      cachedTokens: 2,
      costUsd: 0.75,
      models: ["a", "b"],
      deviceIds: ["d1"],
    })
  })
})

describe("labels", () => {
  it("shortens excerpts on one line and formats speed and latency", () => {
    expect(excerpt("a\n\n b", 80)).toBe("a b")
    expect(excerpt("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`)
    expect(formatTokensPerSecond(8.44)).toBe("8.4 tok/s")
    expect(formatTokensPerSecond(123.4)).toBe("123 tok/s")
    expect(formatDuration(640)).toBe("640 ms")
    expect(formatDuration(1850)).toBe("1.85 s")
  })
})
