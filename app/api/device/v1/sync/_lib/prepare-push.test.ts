import { describe, expect, it } from "vitest"

import {
  accountNamespace,
  messageCloudId,
  sessionCloudId,
} from "@/lib/devices/sync-ids"

import { preparePush } from "./prepare-push"

const USER = "00000000-0000-4000-a000-000000000001"
const OTHER = "00000000-0000-4000-a000-000000000101"

describe("preparePush", () => {
  it("derives cloud ids per account from client ids, for items and their parents", () => {
    const prepared = preparePush(USER, {
      sessions: [{ client_id: "chat", sync_version: 1 }],
      messages: [
        {
          client_id: "b",
          session_client_id: "chat",
          parent_client_id: "a",
          sync_version: 1,
          message_index: 1,
          role: "assistant",
        },
      ],
    })
    const ns = accountNamespace(USER)
    const session = sessionCloudId(ns, "chat")
    expect(prepared.rejected).toEqual([])
    expect(prepared.batch.sessions).toEqual([
      expect.objectContaining({
        id: session,
        client_id: "chat",
        parent_id: null,
      }),
    ])
    expect(prepared.batch.messages).toEqual([
      expect.objectContaining({
        id: messageCloudId(ns, session, "b"),
        session_id: session,
        parent_id: messageCloudId(ns, session, "a"),
        client_id: "b",
      }),
    ])
    // Another account's namespace gives other ids for the same client id.
    expect(sessionCloudId(accountNamespace(OTHER), "chat")).not.toBe(session)
  })

  it("rejects bad items one by one with a code, keeping the good ones", () => {
    const base = {
      session_client_id: "chat",
      sync_version: 1,
      message_index: 0,
      role: "user",
    }
    const prepared = preparePush(USER, {
      sessions: [
        { id: "not-a-uuid", sync_version: 1 },
        {
          client_id: "a",
          id: "00000000-0000-4000-8000-000000000001",
          sync_version: 1,
        },
      ],
      messages: [
        { ...base, client_id: "ok" },
        { ...base, client_id: "r", role: "wizard" },
        { ...base, client_id: "c", content: "x".repeat(1_000_001) },
        { ...base, client_id: "t", input_tokens: -5 },
        { ...base, client_id: "cached", input_tokens: 1, cached_tokens: 2 },
        "not an object",
      ],
    })
    expect(prepared.sent.map((s) => [s.kind, s.index])).toEqual([
      ["message", 0],
    ])
    expect(
      prepared.rejected.map((r) => [r.kind, r.index, r.reason, r.client_id])
    ).toEqual([
      ["session", 0, "invalid_item", null],
      ["session", 1, "invalid_item", "a"],
      ["message", 1, "unknown_role", "r"],
      ["message", 2, "content_too_large", "c"],
      ["message", 3, "negative_tokens", "t"],
      ["message", 4, "invalid_item", "cached"],
      ["message", 5, "invalid_item", null],
    ])
    expect(prepared.rejected[1]!.message).toContain(
      "Send exactly one of client_id and id."
    )
  })
})
