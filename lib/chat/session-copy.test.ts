import { describe, expect, it } from "vitest"

import { copySessionMessages } from "./session-copy"

const row = (
  id: string,
  parent_id: string | null,
  extra: Partial<Parameters<typeof copySessionMessages>[0][number]> = {}
) => ({
  id,
  parent_id,
  message_index: parent_id ? 1 : 0,
  role: "user" as const,
  content: `text ${id}`,
  reasoning: null,
  model: null,
  created_at: "2026-12-01T10:00:00.000Z",
  deleted_at: null,
  ...extra,
})

describe("copySessionMessages", () => {
  it("gives every message a new id and keeps the branches, without the original's usage", () => {
    let next = 0
    const copy = copySessionMessages(
      [
        row("a", null),
        row("b1", "a", { role: "assistant", model: "m" }),
        row("b2", "a", { role: "assistant", model: "m" }),
        row("gone", "a", { deleted_at: "2026-12-02T00:00:00.000Z" }),
        row("orphan", "gone"),
        row("t", "a", { role: "tool" }),
      ],
      () => `new-${(next += 1)}`
    )
    expect(copy.map((m) => [m.id, m.parent_id, m.content])).toEqual([
      ["new-1", null, "text a"],
      ["new-2", "new-1", "text b1"],
      ["new-3", "new-1", "text b2"],
      // Its parent was deleted, so it starts a branch of its own in the copy.
      ["new-4", null, "text orphan"],
    ])
    for (const message of copy) {
      expect(message).toMatchObject({
        input_tokens: null,
        output_tokens: null,
        tokens_per_second: null,
        time_to_first_token_ms: null,
        version: 1,
      })
    }
  })
})
