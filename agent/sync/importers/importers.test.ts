import { mkdtemp, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { detectSource, importFile, importText, listSourceFiles } from "."
import { ImportError } from "../model"
import { readSourceText } from "../read-source-file"

// Every importer against sample files in its app's real format (agent/sync/fixtures), and
// against the files a sync meets in the wild: empty, cut off, not UTF-8, huge, with fields
// the importer does not know.

const FIXTURES = path.join(import.meta.dirname, "..", "fixtures")
let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "lmx-import-"))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

async function scratchFile(name: string, content: string | Uint8Array) {
  const file = path.join(scratch, name)
  await writeFile(file, content)

  return file
}

describe("LM Studio", () => {
  it("reads a conversation: versions become sibling branches, the chat goes on from the selected one", async () => {
    const [session] = await importFile(
      "lmstudio",
      path.join(FIXTURES, "lmstudio", "Work", "1733215200000.conversation.json")
    )
    expect(session).toMatchObject({
      clientId: "lmstudio:1733215200000.conversation.json",
      title: "Quantisation for the Studio Mac",
      model:
        "lmstudio-community/Qwen3-Coder-30B-A3B-Instruct-GGUF/Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf",
      createdAt: "2024-12-03T08:40:00.000Z",
    })
    expect(
      session!.messages.map((m) => [m.clientId, m.parentClientId, m.role])
    ).toEqual([
      ["system", null, "system"],
      ["0.0", "system", "user"],
      ["1.0", "0.0", "assistant"],
      ["1.1", "0.0", "assistant"],
      // currentlySelected is 1: the next prompt answers the second version.
      ["2.0", "1.1", "user"],
    ])
  })

  it("keeps each prediction's stats and splits the thinking block from the reply", async () => {
    const [session] = await importFile(
      "lmstudio",
      path.join(FIXTURES, "lmstudio", "Work", "1733215200000.conversation.json")
    )
    const first = session!.messages[2]!
    expect(first).toMatchObject({
      content: "Q4_K_M keeps quality within a percent of Q8.",
      reasoning: null,
      inputTokens: 38,
      outputTokens: 17,
      tokensPerSecond: 61.2,
      timeToFirstTokenMs: 214,
      tokenUsage: expect.objectContaining({ stopReason: "eosFound" }),
    })
    expect(session!.messages[3]).toMatchObject({
      content: "Q6_K fits in 64 GB and is nearly lossless.",
      reasoning: "64 GB leaves room for Q6.",
      model: "qwen3-coder-30b-a3b-instruct",
    })
  })

  it("splits <think> reasoning written inline", async () => {
    const [session] = await importFile(
      "lmstudio",
      path.join(FIXTURES, "lmstudio", "1733301600000.conversation.json")
    )
    expect(session!.messages[1]).toMatchObject({
      content: "Use the native REST API: each response carries stats.",
      reasoning: "The native API reports stats.",
      model: "gpt-oss-20b",
    })
    expect(session!.metadata).toMatchObject({
      source: "lmstudio",
      pinned: true,
    })
  })

  it("finds conversation files in sub-folders and recognises the folder", async () => {
    const files = await listSourceFiles(
      "lmstudio",
      path.join(FIXTURES, "lmstudio")
    )
    expect(files.map((f) => path.basename(f))).toEqual([
      "1733301600000.conversation.json",
      "1733215200000.conversation.json",
    ])
    expect(await detectSource(path.join(FIXTURES, "lmstudio"), true)).toBe(
      "lmstudio"
    )
  })

  it("refuses JSON that is not a conversation", () => {
    expect(() =>
      importText("lmstudio", "x.conversation.json", '{"name": "no messages"}')
    ).toThrow("not an LM Studio conversation")
  })
})

describe("Open WebUI", () => {
  it("turns the history tree into branches, with model, usage and reasoning", async () => {
    const sessions = await importFile(
      "openwebui",
      path.join(FIXTURES, "openwebui", "chat-export-1733400000000.json")
    )
    expect(sessions.map((s) => [s.clientId, s.title, s.model])).toEqual([
      [
        "openwebui:6b1a7c52-3f0e-4a37-9a55-0c1f7e9b2d11",
        "Docker compose for Open WebUI",
        "llama3.1:8b",
      ],
      [
        "openwebui:0f5d9e3a-77aa-4b0c-8d21-5f3c2b1a9e88",
        "Ollama model storage path",
        "qwen2.5:14b",
      ],
    ])
    const [first] = sessions
    expect(first!.messages.map((m) => [m.clientId, m.parentClientId])).toEqual([
      ["u-1", null],
      ["a-1", "u-1"],
      ["a-2", "u-1"],
      ["u-2", "a-2"],
    ])
    expect(first!.messages[1]).toMatchObject({
      inputTokens: 26,
      outputTokens: 58,
      timeToFirstTokenMs: 150,
    })
    expect(first!.messages[1]!.tokensPerSecond).toBeCloseTo(40, 0)
    expect(first!.messages[2]).toMatchObject({
      reasoning: "Two services, one volume each.",
      content: "services:\n  ollama:\n    image: ollama/ollama",
      tokensPerSecond: 41.3,
      createdAt: "2024-12-05T12:01:00.000Z",
    })
    expect(sessions[1]!.metadata).toMatchObject({ pinned: true })
  })

  it("refuses a list that is not chats", () => {
    expect(() =>
      importText("openwebui", "chat-export-1.json", '[{"title": "no chat"}]')
    ).toThrow("not an Open WebUI chat export")
  })
})

describe("ChatGPT", () => {
  it("turns the mapping into branches, skips hidden nodes, makes code-interpreter calls tool calls", async () => {
    const [session] = await importFile(
      "chatgpt",
      path.join(FIXTURES, "chatgpt", "conversations.json")
    )
    expect(session).toMatchObject({
      clientId: "chatgpt:6750a1b2-0c3d-800e-9f10-1a2b3c4d5e6f",
      title: "Plot tokens per second",
      model: "gpt-4o",
      lastModifiedAt: "2024-12-06T15:51:40.456Z",
    })
    expect(
      session!.messages.map((m) => [m.clientId, m.parentClientId, m.role])
    ).toEqual([
      ["u1", null, "user"],
      ["a1", "u1", "assistant"],
      ["t1", "a1", "tool"],
      ["a2", "t1", "assistant"],
      ["a1b", "u1", "assistant"],
    ])
    expect(session!.messages[1]).toMatchObject({
      content: "",
      toolCalls: [
        {
          id: "a1",
          type: "function",
          function: {
            name: "python",
            arguments: expect.stringContaining("plt.bar"),
          },
          result: "<BarContainer object of 3 artists>",
        },
      ],
    })
    expect(session!.messages[4]!.model).toBe("gpt-4o-mini")
  })
})

describe("our JSONL", () => {
  it("keeps the client's own text ids and every field, ignoring unknown ones", async () => {
    const [session] = await importFile(
      "jsonl",
      path.join(FIXTURES, "jsonl", "opta-local.jsonl")
    )
    expect(session).toMatchObject({
      clientId: "opta-2024-12-03-a",
      title: "Opta Local: tunnel setup",
    })
    expect(session!.messages[1]).toMatchObject({
      clientId: "msg_02 assistant",
      parentClientId: "msg_01 user",
      reasoning: "The user wants remote access.",
      inputTokens: 120,
      outputTokens: 40,
      cachedTokens: 100,
      tokensPerSecond: 58.5,
      timeToFirstTokenMs: 210,
    })
  })

  it("reads the .json form with nested messages", () => {
    const sessions = importText(
      "jsonl",
      "x.lmx.json",
      JSON.stringify({
        sessions: [
          {
            id: "s",
            messages: [{ id: "m", role: "user", content: "hello there" }],
          },
        ],
      })
    )
    expect(sessions[0]).toMatchObject({ clientId: "s", title: "hello there" })
  })

  it("names the line that is wrong", () => {
    const bad =
      '{"type":"session","id":"s"}\n{"type":"message","id":"m","role":"wizard"}\n'
    expect(() => importText("jsonl", "x.jsonl", bad)).toThrow(/line 2: role/)
    expect(() =>
      importText(
        "jsonl",
        "x.jsonl",
        '{"type":"session","id":"s"}\n{"type":"mess'
      )
    ).toThrow("line 2 is cut off")
  })
})

describe("odd files", () => {
  it("gives a reason for an empty, cut-off, non-UTF-8 or oversized file", async () => {
    const empty = await scratchFile("empty.conversation.json", "")
    await expect(importFile("lmstudio", empty)).rejects.toThrow(
      "the file is empty"
    )

    const fixture = await importFile(
      "lmstudio",
      path.join(FIXTURES, "lmstudio", "1733301600000.conversation.json")
    )
    expect(fixture).toHaveLength(1)
    const cut = await scratchFile(
      "cut.conversation.json",
      '{"name": "x", "messages": [{"versions": ['
    )
    await expect(importFile("lmstudio", cut)).rejects.toThrow(
      /not valid JSON.*cut off/
    )

    const latin1 = await scratchFile(
      "latin1.conversation.json",
      Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d])
    )
    await expect(importFile("lmstudio", latin1)).rejects.toThrow("not UTF-8")

    const big = await scratchFile("big.jsonl", "x".repeat(2048))
    await expect(readSourceText(big, 1024)).rejects.toBeInstanceOf(ImportError)
  })

  it("reads a huge conversation (5,000 messages) and tolerates unknown fields everywhere", () => {
    const messages = Array.from({ length: 5000 }, (_, i) => ({
      versions: [
        {
          type: "singleStep",
          role: i % 2 ? "assistant" : "user",
          content: [{ type: "text", text: `m${i}` }],
          futureField: { x: 1 },
        },
      ],
      currentlySelected: 0,
      anotherNewField: true,
    }))
    const [session] = importText(
      "lmstudio",
      "huge.conversation.json",
      JSON.stringify({ name: "huge", messages, someNewTopLevelThing: [1, 2] })
    )
    expect(session!.messages).toHaveLength(5000)
    expect(session!.messages[4999]).toMatchObject({
      clientId: "4999.0",
      parentClientId: "4998.0",
    })
  })
})

describe("attachments", () => {
  it("reads Open WebUI's inline images and names its uploaded files", () => {
    const [session] = importText(
      "openwebui",
      "chat-export-1.json",
      JSON.stringify([
        {
          id: "c1",
          chat: {
            history: {
              messages: {
                u1: {
                  id: "u1",
                  parentId: null,
                  role: "user",
                  content: "see",
                  files: [
                    {
                      type: "image",
                      url: "data:image/png;base64,iVBORw0KGgo=",
                    },
                    {
                      type: "file",
                      id: "f9",
                      name: "report.pdf",
                      file: {
                        id: "f9",
                        path: "/app/backend/data/uploads/f9_report.pdf",
                        meta: {
                          name: "report.pdf",
                          content_type: "application/pdf",
                        },
                      },
                    },
                    { type: "image", url: "https://example.com/remote.png" },
                  ],
                },
              },
            },
          },
        },
      ])
    )
    const [image, pdf, ...rest] = session!.messages[0]!.attachments!
    expect(rest).toEqual([])
    expect(image).toMatchObject({ name: "image-1.png", mimeType: "image/png" })
    expect(Buffer.from((image!.source as { data: Uint8Array }).data)).toEqual(
      Buffer.from("iVBORw0KGgo=", "base64")
    )
    expect(pdf).toEqual({
      name: "report.pdf",
      mimeType: "application/pdf",
      source: { file: "uploads/f9_report.pdf" },
    })
  })

  it("reads LM Studio's file parts as files in its user-files folder, wherever the chat is filed", async () => {
    const home = path.join(FIXTURES, "lmstudio-home")
    const file = path.join(
      home,
      "conversations",
      "1733390000000.conversation.json"
    )
    const [session] = await importFile("lmstudio", file)
    const [question, answer] = session!.messages
    // The parts become attachments, not text.
    expect(question!.content).toBe(
      "What does this chart and the report say about GPU hours?"
    )
    expect(answer!.attachments).toBeUndefined()
    expect(question!.attachments).toEqual([
      {
        name: "gpu-hours.png",
        mimeType: null,
        source: {
          file: path.join("..", "user-files", "1733390000000 - 101.png"),
        },
      },
      {
        name: "Q3 report.pdf",
        mimeType: "application/pdf",
        source: {
          file: path.join("..", "user-files", "1733390000000 - 102.pdf"),
        },
      },
    ])
    // The paths lead to the bytes, as the sync resolves them.
    for (const attachment of question!.attachments!) {
      const where = path.resolve(
        path.dirname(file),
        (attachment.source as { file: string }).file
      )
      expect(where.startsWith(path.join(home, "user-files") + path.sep)).toBe(
        true
      )
      expect((await stat(where)).size).toBe(
        attachment.name.endsWith(".png") ? 460 : 594
      )
    }

    // A chat filed in a folder of a folder still finds the same user-files.
    const nested = importText(
      "lmstudio",
      path.join(home, "conversations", "Work", "Deep", "1.conversation.json"),
      JSON.stringify({
        messages: [
          {
            versions: [
              {
                type: "singleStep",
                role: "user",
                // Older builds named the identifier fileIdentifier.
                content: [
                  {
                    type: "file",
                    name: "a.txt",
                    fileIdentifier: "7 - 1.txt",
                    fileType: "text/plain",
                  },
                ],
              },
            ],
          },
        ],
      })
    )
    expect(nested[0]!.messages[0]!.attachments).toEqual([
      {
        name: "a.txt",
        mimeType: "text/plain",
        source: {
          file: path.join("..", "..", "..", "user-files", "7 - 1.txt"),
        },
      },
    ])
  })

  it("keeps an LM Studio file part whose identifier would leave user-files as text only", () => {
    const [session] = importText(
      "lmstudio",
      "/lms/conversations/1.conversation.json",
      JSON.stringify({
        messages: [
          {
            versions: [
              {
                type: "singleStep",
                role: "user",
                content: [
                  {
                    type: "file",
                    name: "x.png",
                    identifier: "../../etc/passwd",
                    fileType: "image",
                  },
                  {
                    type: "file",
                    name: "y.png",
                    identifier: "..",
                    fileType: "image",
                  },
                  { type: "file", name: "z.png", fileType: "image" },
                ],
              },
            ],
          },
        ],
      })
    )
    expect(session!.messages[0]!.attachments).toBeUndefined()
    expect(session!.messages[0]!.content).toBe(
      "[file: x.png][file: y.png][file: z.png]"
    )
  })

  it("reads a JSONL message's attachments as files next to it", () => {
    const [session] = importText(
      "jsonl",
      "chat.jsonl",
      [
        { type: "session", id: "s" },
        {
          type: "message",
          id: "m",
          session_id: "s",
          role: "user",
          content: "x",
          attachments: [
            { path: "files/a.png" },
            { path: "b.txt", name: "Notes.txt", mime_type: "text/plain" },
          ],
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n")
    )
    expect(session!.messages[0]!.attachments).toEqual([
      { name: "a.png", mimeType: null, source: { file: "files/a.png" } },
      { name: "Notes.txt", mimeType: "text/plain", source: { file: "b.txt" } },
    ])
  })
})
