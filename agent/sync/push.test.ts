import { describe, expect, it } from "vitest"

import { type SyncPush, type SyncPushResponse } from "@/lib/devices/sync-schema"

import { type ImportedSession } from "./model"
import { planSync } from "./plan"
import { pushPlan } from "./push"
import { emptyState } from "./state"

// Planning and pushing without a network: what is sent, what the state remembers after each
// batch, and that a run cut short resumes with exactly what is missing.

function chat(
  id: string,
  messages: number,
  title = `Chat ${id}`
): ImportedSession {
  return {
    clientId: id,
    title,
    metadata: {},
    messages: Array.from({ length: messages }, (_, i) => ({
      clientId: `m${i}`,
      parentClientId: i === 0 ? null : `m${i - 1}`,
      role: i % 2 ? "assistant" : "user",
      content: `message ${i}`,
    })),
  }
}

function acceptAll(sent: SyncPush[], failAt?: number) {
  return async (body: SyncPush): Promise<SyncPushResponse> => {
    if (sent.length === failAt) throw new Error("connection reset")
    sent.push(body)
    const results = [
      ...(body.sessions ?? []).map((item, index) => ({
        kind: "session" as const,
        index,
        item,
      })),
      ...(body.messages ?? []).map((item, index) => ({
        kind: "message" as const,
        index,
        item,
      })),
    ].map(({ kind, index, item }) => ({
      kind,
      index,
      client_id: (item as { client_id: string }).client_id,
      id: null,
      status: "applied" as const,
      reason: null,
      server_version: (item as { sync_version: number }).sync_version,
    }))

    return {
      results,
      summary: {
        applied: results.length,
        duplicate: 0,
        conflict: 0,
        rejected: 0,
      },
    }
  }
}

const everywhere = () => true

describe("planSync and pushPlan", () => {
  it("sends sessions before their messages, in batches, and resumes after a cut with only what is missing", async () => {
    const state = emptyState("device")
    const imports = [
      { file: "/chats/a.json", sessions: [chat("a", 3), chat("b", 2)] },
    ]
    const sent: SyncPush[] = []
    const plan = planSync({ state, imports, inScope: everywhere })
    expect(plan.sessions).toHaveLength(2)
    expect(plan.messages).toHaveLength(5)

    await expect(
      pushPlan({
        plan,
        state,
        send: acceptAll(sent, 2),
        saveState: async () => {},
        maxItems: 3,
      })
    ).rejects.toThrow("connection reset")
    expect(sent.map((b) => [b.sessions?.length, b.messages?.length])).toEqual([
      [2, 1],
      [0, 3],
    ])

    const resumed = planSync({ state, imports, inScope: everywhere })
    expect(resumed.sessions).toEqual([])
    expect(
      resumed.messages.map((m) => `${m.sessionClientId}/${m.item.client_id}`)
    ).toEqual(["b/m1"])
  })

  it("bumps the version of a changed item only, and tombstones what left the source", async () => {
    const state = emptyState("device")
    const first = planSync({
      state,
      imports: [{ file: "/chats/a.json", sessions: [chat("a", 2)] }],
      inScope: everywhere,
    })
    await pushPlan({
      plan: first,
      state,
      send: acceptAll([]),
      saveState: async () => {},
    })

    const edited = chat("a", 1, "Renamed")
    const next = planSync({
      state,
      imports: [{ file: "/chats/a.json", sessions: [edited] }],
      inScope: everywhere,
      now: "2026-12-03T12:00:00.000Z",
    })
    expect(
      next.sessions.map((s) => [s.change, s.item.sync_version, s.item.title])
    ).toEqual([["changed", 2, "Renamed"]])
    expect(
      next.messages.map((m) => [
        m.change,
        m.item.client_id,
        m.item.sync_version,
        m.item.deleted_at,
      ])
    ).toEqual([["deleted", "m1", 2, "2026-12-03T12:00:00.000Z"]])

    const gone = planSync({
      state,
      imports: [],
      inScope: (file) => file === "/chats/a.json",
    })
    expect(
      gone.sessions.map((s) => [s.change, s.item.sync_version, s.item.title])
    ).toEqual([["deleted", 2, "Chat a"]])
    // A file that could not be read this time deletes nothing.
    expect(
      planSync({
        state,
        imports: [],
        failedFiles: ["/chats/a.json"],
        inScope: everywhere,
      }).sessions
    ).toEqual([])
  })

  it("keeps a message over 1 MB back with a reason instead of sending it", () => {
    const big = chat("a", 1)
    big.messages[0]!.content = "x".repeat(1_000_001)
    const plan = planSync({
      state: emptyState("device"),
      imports: [{ file: "/a", sessions: [big] }],
      inScope: everywhere,
    })
    expect(plan.messages).toEqual([])
    expect(plan.rejected).toEqual([
      expect.objectContaining({ clientId: "m0", reason: "content_too_large" }),
    ])
  })
})
