import { describe, expect, it } from "vitest"

import {
  exportFileName,
  fenceFor,
  messageLine,
  prettyJson,
  sessionLine,
  sessionMarkdown,
} from "./export-format"
import { type SessionDetail, type SessionMessage } from "./session-queries"

const SESSION: SessionDetail = {
  id: "11111111-1111-4111-8111-111111111111",
  user_id: "00000000-0000-4000-a000-000000000001",
  device_id: "00000000-0000-4000-b000-000000000001",
  project_id: null,
  client_id: "lmstudio:1.conversation.json",
  title: "Pick a\nquantisation",
  model: "llama-3.3-70b-instruct",
  parent_id: null,
  branch_point: null,
  metadata: { source: "lmstudio" },
  message_count: 4,
  token_count: 300,
  cost_usd: 0.0012,
  created_at: "2026-12-01T10:00:00.000Z",
  updated_at: "2026-12-01T10:05:00.000Z",
  last_modified_at: "2026-12-01T10:05:00.000Z",
  deleted_at: null,
}

function message(
  overrides: Partial<SessionMessage> & Pick<SessionMessage, "id">
): SessionMessage {
  return {
    client_id: null,
    session_id: SESSION.id,
    parent_id: null,
    message_index: 0,
    role: "user",
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

const ID = (n: number) => `22222222-2222-4222-8222-00000000000${n}`

const MESSAGES = [
  message({ id: ID(1), content: "Which quant for 48 GB?" }),
  message({
    id: ID(2),
    parent_id: ID(1),
    message_index: 1,
    role: "assistant",
    model: "llama-3.3-70b-instruct",
    device_id: SESSION.device_id,
    content: "| Quant | Size |\n| --- | --- |\n| Q4_K_M | 42 GB |",
    reasoning: "48 GB minus the OS…",
    input_tokens: 100,
    output_tokens: 150,
    cached_tokens: 20,
    tokens_per_second: 8.4,
    time_to_first_token_ms: 700,
    cost_usd: 0.0012,
    created_at: "2026-12-01T10:01:00.000Z",
    tool_calls: [
      {
        id: "call_1",
        type: "function",
        function: { name: "lookup", arguments: '{"model":"70b"}' },
      },
    ],
  }),
  message({
    id: ID(3),
    parent_id: ID(1),
    message_index: 1,
    role: "assistant",
    content: "An abandoned regeneration.",
    created_at: "2026-12-01T10:00:30.000Z",
  }),
  message({
    id: ID(4),
    parent_id: ID(2),
    message_index: 2,
    role: "tool",
    content: '{"found":true}',
    created_at: "2026-12-01T10:02:00.000Z",
  }),
]

describe("JSONL lines", () => {
  it("writes one session line with the client's own id, and one line per message with its parent", () => {
    const line = sessionLine(SESSION)
    expect(line.endsWith("\n")).toBe(true)
    expect(line.split("\n")).toHaveLength(2)
    expect(JSON.parse(line)).toEqual({
      type: "session",
      id: SESSION.id,
      client_id: "lmstudio:1.conversation.json",
      title: "Pick a\nquantisation",
      model: "llama-3.3-70b-instruct",
      parent_id: null,
      branch_point: null,
      created_at: SESSION.created_at,
      updated_at: SESSION.last_modified_at,
      metadata: { source: "lmstudio" },
    })
    const parsed = JSON.parse(messageLine(MESSAGES[1]!))
    expect(parsed).toMatchObject({
      type: "message",
      id: ID(2),
      session_id: SESSION.id,
      parent_id: ID(1),
      role: "assistant",
      reasoning: "48 GB minus the OS…",
      usage: { input_tokens: 100, output_tokens: 150, cached_tokens: 20 },
      tokens_per_second: 8.4,
      time_to_first_token_ms: 700,
      tool_calls: [{ function: { name: "lookup" } }],
    })
    expect(parsed).not.toHaveProperty("deleted_at")
    // A newline inside content stays inside its JSON string: one message, one line.
    expect(
      messageLine(message({ id: ID(5), content: "a\nb" })).split("\n")
    ).toHaveLength(2)
  })
})

describe("sessionMarkdown", () => {
  const markdown = sessionMarkdown({
    session: SESSION,
    messages: MESSAGES,
    devices: [{ id: SESSION.device_id!, name: "Studio Mac" }],
  })

  it("transcribes the visible branch with who, model, device and usage", () => {
    expect(markdown.startsWith("# Pick a quantisation\n")).toBe(true)
    expect(markdown).toContain("### User · 2026-12-01 10:00 UTC")
    expect(markdown).toContain(
      "### Assistant · llama-3.3-70b-instruct · Studio Mac · 2026-12-01 10:01 UTC"
    )
    expect(markdown).toContain("| Q4_K_M | 42 GB |")
    expect(markdown).toContain("<summary>Reasoning</summary>")
    expect(markdown).toContain("**Tool call:** `lookup`")
    expect(markdown).toContain('"model": "70b"')
    expect(markdown).toContain('"found": true')
    expect(markdown).toContain("8.4 tok/s · 700 ms to first token · $0.0012")
  })

  it("leaves other branches out and says so", () => {
    expect(markdown).not.toContain("An abandoned regeneration.")
    expect(markdown).toContain("This session has 1 fork")
    expect(markdown).toContain("1 message on other branches is left out")
  })
})

describe("helpers", () => {
  it("fences code longer than any backtick run inside it", () => {
    expect(fenceFor("plain")).toBe("```")
    expect(fenceFor("has ``` inside")).toBe("````")
    expect(fenceFor("has ````` inside")).toBe("``````")
  })

  it("pretty-prints JSON held in a string and leaves other text alone", () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}')
    expect(prettyJson("not json")).toBe("not json")
    expect(prettyJson({ b: [1] })).toBe('{\n  "b": [\n    1\n  ]\n}')
    expect(prettyJson(undefined)).toBe("")
  })

  it("names the download after one session's title, or the count of several", () => {
    const now = new Date("2026-12-03T12:00:00Z")
    expect(
      exportFileName("markdown", [{ title: 'Why "this"/that <fails>?' }], now)
    ).toBe("lmx-session-why-thisthat-fails-2026-12-03.md")
    expect(exportFileName("json", [{ title: "" }], now)).toBe(
      "lmx-session-untitled-2026-12-03.jsonl"
    )
    expect(exportFileName("json", [{ title: "a" }, { title: "b" }], now)).toBe(
      "lmx-sessions-2-2026-12-03.jsonl"
    )
  })
})
