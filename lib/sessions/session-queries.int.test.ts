import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import {
  exportChunks,
  findExportSessions,
  parseExportQuery,
} from "./export-stream"
import {
  FIRST_PAGE,
  getSession,
  getSessionFirstScreen,
  getSessionHeader,
  getSessionThread,
  getSessionThreadPage,
  listSessionMessages,
  listSessionMessagesBatch,
  mergeThreadPages,
} from "./session-queries"
import { buildMessageTree, countForks, visiblePath } from "./session-tree"

// The session page's reads and the export, as the console runs them (the user's own client,
// RLS on) against the seeded stack (supabase/seed_sessions.sql's demo sessions).
const PASSWORD = "lmx-demo-password"
const md5Uuid = (label: string) =>
  // The seed's ids are md5(label)::uuid; computed here with node's crypto.
  import("node:crypto").then(({ createHash }) => {
    const hex = createHash("md5").update(label).digest("hex")

    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  })

describe(`session page reads and export (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let demo: Client
  let sam: Client
  let branched: string
  let long: string
  let tools: string

  function signIn(email: string) {
    return signInWithPassword(stack, { email, password: PASSWORD })
  }

  beforeAll(async () => {
    stack = await startTestStack()
    demo = await signIn("demo@lmx.local")
    sam = await signIn("sam@lmx.local")
    branched = await md5Uuid("lmx-demo-session-branches")
    long = await md5Uuid("lmx-demo-session-long")
    tools = await md5Uuid("lmx-demo-session-tools")
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("reads a branched session with its messages, forks and device names", async () => {
    const header = await getSessionHeader(demo, { id: branched })
    expect(header?.session.title).toBe("Pick a quantisation for llama-3.3-70b")
    expect(header?.deviceName).toBe("Studio Mac")
    const content = await getSessionThread(demo, { sessionId: branched })
    expect(content.messages).toHaveLength(13)
    expect(content.devices).toEqual([
      { id: "00000000-0000-4000-b000-000000000001", name: "Studio Mac" },
    ])
    const tree = buildMessageTree(content.messages)
    expect(countForks(tree)).toBe(3)
    const path = visiblePath(tree)
    expect(path).toHaveLength(8)
    expect(path.at(-1)?.content).toContain("Keep Q4_K_M with an 8k context")
  })

  it("parses tool calls with their arguments, and reads every batch of a 2,400-message session in order", async () => {
    const content = await getSessionThread(demo, { sessionId: tools })
    const calls = content.messages.flatMap(
      (message) => message.tool_calls ?? []
    )
    expect(calls.map((call) => call.function?.name)).toEqual([
      "list_runs",
      "read_run_log",
      "check_disk",
      "prune_snapshots",
      "start_workflow_run",
    ])

    const messages = await listSessionMessages(demo, { sessionId: long })
    expect(messages).toHaveLength(2400)
    expect(new Set(messages.map((message) => message.id)).size).toBe(2400)
    expect(messages.map((message) => message.message_index)).toEqual(
      Array.from({ length: 2400 }, (_, k) => k)
    )
    // Parallel index ranges give the same rows in the same order, whatever their size.
    expect(
      await listSessionMessages(demo, { sessionId: long, range: 700 })
    ).toEqual(messages)
    const branchedAll = await listSessionMessages(demo, {
      sessionId: branched,
      range: 1,
    })
    expect(branchedAll.map((message) => message.message_index)).toEqual([
      0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 7,
    ])
    // Keyset: a batch after a (message_index, id) continues exactly there.
    const page = await listSessionMessagesBatch(demo, {
      sessionId: long,
      after: { index: 99, id: messages[99]!.id },
      limit: 3,
    })
    expect(page.map((message) => message.message_index)).toEqual([
      100, 101, 102,
    ])
  })

  it("reads the page's conversation in keyset pages: the first small, each message once, device names embedded", async () => {
    const whole = await getSessionThread(demo, { sessionId: long })
    const pages = []
    let after = null as Parameters<typeof getSessionThreadPage>[1]["after"]
    do {
      const page = await getSessionThreadPage(demo, {
        sessionId: long,
        after,
        limit: after ? 1000 : FIRST_PAGE,
      })
      pages.push(page)
      after = page.next
    } while (after)
    expect(pages.map((page) => page.messages.length)).toEqual([
      FIRST_PAGE,
      1000,
      1000,
      2400 - FIRST_PAGE - 2000,
    ])
    expect(pages.flatMap((page) => page.messages)).toEqual(whole.messages)
    expect(pages[0]!.devices).toEqual(whole.devices)
    expect(mergeThreadPages(pages)).toEqual(whole)

    // The header embeds the device's name in the same request.
    const header = await getSessionHeader(demo, { id: long })
    expect(header?.deviceName).toBe(
      whole.devices.find((device) => device.id === header?.session.device_id)
        ?.name ?? null
    )

    expect(
      await getSessionThreadPage(sam, { sessionId: long, limit: FIRST_PAGE })
    ).toEqual({ messages: [], devices: [], next: null })
  })

  it("reads the header and the first page in one request, the same as reading each alone", async () => {
    for (const [sessionId, limit] of [
      [long, FIRST_PAGE],
      [branched, FIRST_PAGE],
      [branched, 4],
      [tools, 1000],
    ] as const) {
      const screen = await getSessionFirstScreen(demo, { id: sessionId, limit })
      expect(screen?.header).toEqual(
        await getSessionHeader(demo, { id: sessionId })
      )
      expect(screen?.page).toEqual(
        await getSessionThreadPage(demo, { sessionId, limit })
      )
    }
    // A page cut short says where the next one starts; a whole one says there is none.
    const cut = await getSessionFirstScreen(demo, { id: branched, limit: 4 })
    expect(cut?.page.messages.map((message) => message.message_index)).toEqual([
      0, 1, 1, 1,
    ])
    expect(cut?.page.next).toEqual({
      index: 1,
      id: cut?.page.messages[3]?.id,
    })
    expect(
      (await getSessionFirstScreen(demo, { id: branched }))?.page.next
    ).toBeNull()
    // Not the caller's: nothing, as the header alone answers.
    expect(await getSessionFirstScreen(sam, { id: long })).toBeNull()
  })

  it("shows another account nothing: no session, no messages, no export", async () => {
    expect(await getSession(sam, { id: branched })).toBeNull()
    expect(await getSessionHeader(sam, { id: branched })).toBeNull()
    expect(await getSessionThread(sam, { sessionId: branched })).toEqual({
      messages: [],
      devices: [],
    })
    expect(await listSessionMessages(sam, { sessionId: branched })).toEqual([])
    expect(await findExportSessions(sam, [branched])).toBeNull()
    // One unreadable id spoils the whole export, before anything is written.
    expect(
      await findExportSessions(demo, [
        branched,
        "00000000-0000-4000-a000-00000000dead",
      ])
    ).toBeNull()
  })

  it("exports JSONL with every branch, batch by batch, and Markdown of the visible branch", async () => {
    const sessions = await findExportSessions(demo, [long, branched])
    expect(sessions?.map((session) => session.id)).toEqual([long, branched])

    let jsonl = ""
    let chunks = 0
    for await (const chunk of exportChunks(demo, "json", sessions!, {
      batch: 500,
    })) {
      jsonl += chunk
      chunks++
    }
    const lines = jsonl
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(lines).toHaveLength(1 + 2400 + 1 + 13)
    expect(lines[0]).toMatchObject({ type: "session", id: long })
    expect(
      lines.filter(
        (line) => line.type === "message" && line.session_id === branched
      )
    ).toHaveLength(13)
    // Streamed: one chunk per session line and per batch of messages (5 + 1 for the long one).
    expect(chunks).toBe(1 + 5 + 1 + 1)

    let markdown = ""
    for await (const chunk of exportChunks(demo, "markdown", [sessions![1]!]))
      markdown += chunk
    expect(markdown).toContain("# Pick a quantisation for llama-3.3-70b")
    expect(markdown).toContain("Keep Q4_K_M with an 8k context")
    expect(markdown).not.toContain("Short answer: **IQ3_M**")
    expect(markdown).toContain("This session has 3 forks")
  })

  it("refuses a malformed export query with the reason", () => {
    expect(
      parseExportQuery(new URLSearchParams("format=pdf&id=" + branched)).success
    ).toBe(false)
    expect(parseExportQuery(new URLSearchParams("format=json")).success).toBe(
      false
    )
    expect(
      parseExportQuery(new URLSearchParams("format=json&id=not-a-uuid")).success
    ).toBe(false)
    const ok = parseExportQuery(
      new URLSearchParams(
        `format=json&id=${branched}&id=${branched.toUpperCase()}`
      )
    )
    expect(ok.success && ok.data.ids).toEqual([branched])
  })
})
