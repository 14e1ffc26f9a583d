import { createHash } from "node:crypto"
import { cp, mkdir, writeFile } from "node:fs/promises"
import path from "node:path"

import { restService } from "@lmx/supabase-local/rest"
import { createStorageService } from "@lmx/supabase-local/storage/service"
import { TEST_ENGINE } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import {
  DEMO_USER,
  SERVER,
  startSyncHarness,
  type SyncHarness,
} from "./sync-harness"

// Attachments end to end: the agent's `sync` finds files next to messages (a JSONL file's
// `attachments`, an Open WebUI export's inline images), the sync routes (in-process) record
// them, and the bytes go to the local stack's Storage through the signed upload URLs.

vi.mock("server-only", () => ({}))

const STRANGER = "00000000-0000-4000-a000-00000000dead"
// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64"
)

/** Requests the agent sent to Storage: "<method> <path> <upload-offset>". */
let storageRequests: string[] = []
/** When set, the PATCH with this index (0-based) is cut after 2 MB of its body. */
let cutPatch: number | null = null
let harness: SyncHarness
let stack: SyncHarness["stack"]
let work: string
let configPath: string

/** Uploads go to Storage itself, never through the console: recorded, and cut on demand. */
const fetchStorage: typeof fetch = async (input, init) => {
  const url = new URL(String(input))
  const method = init?.method ?? "GET"
  const offset = new Headers(init?.headers).get("upload-offset") ?? ""
  const patches = storageRequests.filter((r) => r.startsWith("PATCH")).length
  storageRequests.push(`${method} ${url.pathname} ${offset}`.trim())
  if (method === "PATCH" && patches === cutPatch) {
    // The connection drops mid-chunk: the body stream fails after 2 MB.
    const whole = Buffer.from(init!.body as Uint8Array)
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(whole.subarray(0, 2 * 1024 * 1024))
        setTimeout(() => controller.error(new Error("connection cut")), 50)
      },
    })
    return fetch(input, { ...init, body, duplex: "half" } as RequestInit)
  }
  return fetch(input, init)
}

const fetchThroughHandlers: typeof fetch = (input, init) =>
  harness.fetch(input, init)
const agent = (...args: string[]) => harness.agent(...args)
const userClient = (sub: string) => harness.userClient(sub)

function sha256(bytes: Uint8Array) {
  return createHash("sha256").update(bytes).digest("hex")
}

describe(`sync uploads chat attachments (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    harness = await startSyncHarness({
      services: [restService, createStorageService],
      routes: ["sync/push", "sync/attachments"],
      deviceName: "Attachment Mac",
      forwardedFor: "198.20.0.2",
      workPrefix: "lmx-attach-",
      stackFetch: fetchStorage,
    })
    ;({ stack, work, configPath } = harness)
  })
  afterAll(async () => {
    await harness?.stop()
  })

  it("uploads a JSONL chat's files once, refuses what the bucket does not take, and only the owner reads them", async () => {
    const folder = path.join(work, "jsonl")
    await mkdir(path.join(folder, "files"), { recursive: true })
    await writeFile(path.join(folder, "files", "diagram.png"), PNG)
    await writeFile(path.join(folder, "files", "notes.txt"), "some notes\n")
    await writeFile(path.join(folder, "files", "tool.exe"), "MZ")
    const lines = [
      { type: "session", id: "attach-1", title: "With files" },
      {
        type: "message",
        id: "m1",
        session_id: "attach-1",
        role: "user",
        content: "Look at this",
        attachments: [
          { path: "files/diagram.png" },
          { path: "files/notes.txt", mime_type: "text/plain" },
          { path: "files/tool.exe" },
          { path: "files/missing.png" },
        ],
      },
    ]
    await writeFile(
      path.join(folder, "chat.jsonl"),
      lines.map((line) => JSON.stringify(line)).join("\n")
    )

    const first = await agent("sync", folder, "--source", "jsonl")
    expect(first.out).toContain(
      "attachments: 2 uploaded, 0 already there, 2 not sent"
    )
    expect(first.err).toContain(
      "chat attachments take text, PDF and images, not application/octet-stream"
    )
    expect(first.err).toContain("missing.png")
    expect(first.err).toContain("the file is not there")

    const { rows } = await stack.db.query<{
      name: string
      mime_type: string
      size_bytes: string
      sha256: string
      object_path: string
    }>(
      `select a.name, a.mime_type, a.size_bytes, a.sha256, a.object_path
         from public.message_attachments a join public.cloud_sessions s on s.id = a.session_id
        where s.client_id = 'attach-1' order by a.name`
    )
    expect(
      rows.map((r) => [r.name, r.mime_type, Number(r.size_bytes)])
    ).toEqual([
      ["diagram.png", "image/png", PNG.length],
      ["notes.txt", "text/plain", 11],
    ])
    expect(rows[0]!.sha256).toBe(sha256(PNG))
    expect(rows[0]!.object_path).toMatch(
      new RegExp(`^${DEMO_USER}/[0-9a-f-]{36}/${sha256(PNG)}/diagram.png$`)
    )

    const demo = await userClient(DEMO_USER)
    const download = await demo.storage
      .from("chat-attachments")
      .download(rows[0]!.object_path)
    expect(Buffer.from(await download.data!.arrayBuffer())).toEqual(PNG)
    const seen = await demo
      .from("message_attachments")
      .select("name")
      .in("name", ["diagram.png", "notes.txt"])
    expect(seen.data).toHaveLength(2)

    const stranger = await userClient(STRANGER)
    expect(
      (
        await stranger.storage
          .from("chat-attachments")
          .download(rows[0]!.object_path)
      ).error
    ).toMatchObject({ statusCode: "404" })
    expect(
      (await stranger.from("message_attachments").select("name")).data
    ).toEqual([])

    // The file changes (a new message): the agent reads it again, the console already holds
    // the attachments' bytes, nothing is uploaded twice and no row is doubled.
    await writeFile(
      path.join(folder, "chat.jsonl"),
      [
        ...lines,
        {
          type: "message",
          id: "m2",
          session_id: "attach-1",
          parent_id: "m1",
          role: "assistant",
          content: "Nice",
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n")
    )
    const again = await agent("sync", folder, "--source", "jsonl")
    expect(again.out).toContain(
      "attachments: 0 uploaded, 2 already there, 2 not sent"
    )
    const count = await stack.db.query<{ n: number }>(
      "select count(*)::int as n from public.message_attachments a join public.cloud_sessions s on s.id = a.session_id where s.client_id = 'attach-1'"
    )
    expect(count.rows[0]!.n).toBe(2)
  })

  it("uploads an Open WebUI export's inline images", async () => {
    const folder = path.join(work, "openwebui")
    await mkdir(folder, { recursive: true })
    const chat = {
      id: "owui-attach",
      title: "Picture chat",
      chat: {
        history: {
          currentId: "u1",
          messages: {
            u1: {
              id: "u1",
              parentId: null,
              childrenIds: [],
              role: "user",
              content: "What is in the picture?",
              files: [
                {
                  type: "image",
                  url: `data:image/png;base64,${PNG.toString("base64")}`,
                },
              ],
              timestamp: 1733400000,
            },
          },
        },
      },
    }
    await writeFile(
      path.join(folder, "chat-export-1.json"),
      JSON.stringify([chat])
    )
    const run = await agent("sync", folder, "--source", "openwebui")
    // The same bytes as the JSONL chat's, but another session: its own object.
    expect(run.out).toContain(
      "attachments: 1 uploaded, 0 already there, 0 not sent"
    )
    const { rows } = await stack.db.query<{ name: string; mime_type: string }>(
      "select a.name, a.mime_type from public.message_attachments a join public.cloud_sessions s on s.id = a.session_id where s.client_id = 'openwebui:owui-attach'"
    )
    expect(rows).toEqual([{ name: "image-1.png", mime_type: "image/png" }])
  })

  it("uploads the files of a sample LM Studio folder from its user-files", async () => {
    const home = path.join(work, "lmstudio-home")
    await cp(
      path.join(import.meta.dirname, "fixtures", "lmstudio-home"),
      home,
      {
        recursive: true,
      }
    )
    const run = await agent(
      "sync",
      path.join(home, "conversations"),
      "--source",
      "lmstudio"
    )
    expect(run.out).toContain(
      "attachments: 2 uploaded, 0 already there, 0 not sent"
    )
    const { rows } = await stack.db.query<{
      name: string
      mime_type: string
      size_bytes: string
      object_path: string
      uploaded_at: string | null
    }>(
      `select a.name, a.mime_type, a.size_bytes, a.object_path, a.uploaded_at
         from public.message_attachments a join public.cloud_sessions s on s.id = a.session_id
        where s.client_id = 'lmstudio:1733390000000.conversation.json' order by a.mime_type desc`
    )
    expect(
      rows.map((r) => [r.name, r.mime_type, Number(r.size_bytes)])
    ).toEqual([
      ["gpu-hours.png", "image/png", 460],
      ["Q3 report.pdf", "application/pdf", 594],
    ])
    const demo = await userClient(DEMO_USER)
    const png = await demo.storage
      .from("chat-attachments")
      .download(rows[0]!.object_path)
    const onDisk = await (
      await import("node:fs/promises")
    ).readFile(path.join(home, "user-files", "1733390000000 - 101.png"))
    expect(Buffer.from(await png.data!.arrayBuffer())).toEqual(onDisk)
  })

  it("sends a file over 6 MB over TUS and resumes it after the connection is cut", async () => {
    const folder = path.join(work, "big")
    await mkdir(folder, { recursive: true })
    // 13 MB of text: three 6 MB chunks.
    const big = Buffer.alloc(13 * 1024 * 1024, "all work and no play\n")
    await writeFile(path.join(folder, "log.txt"), big)
    await writeFile(
      path.join(folder, "chat.jsonl"),
      [
        { type: "session", id: "attach-big", title: "Big file" },
        {
          type: "message",
          id: "b1",
          session_id: "attach-big",
          role: "user",
          content: "the log",
          attachments: [{ path: "log.txt", mime_type: "text/plain" }],
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n")
    )
    storageRequests = []
    cutPatch = 1
    try {
      const run = await agent("sync", folder, "--source", "jsonl")
      expect(run.err).toBe("")
      expect(run.out).toContain(
        "attachments: 1 uploaded, 0 already there, 0 not sent"
      )
    } finally {
      cutPatch = null
    }
    const tus = storageRequests.filter((r) =>
      r.includes("/upload/resumable/sign")
    )
    // One upload created, never a plain PUT of the whole file.
    expect(tus.filter((r) => r.startsWith("POST"))).toHaveLength(1)
    expect(storageRequests.some((r) => r.startsWith("PUT"))).toBe(false)
    // After the cut second chunk, the agent asked the server where it was and went on from
    // there: the first chunk was not sent again.
    const patches = tus.filter((r) => r.startsWith("PATCH"))
    const cutAt = patches.findIndex((_, i) => i === 1)
    expect(tus[tus.indexOf(patches[cutAt]!) + 1]).toMatch(/^HEAD /)
    const offsets = patches.map((r) => Number(r.split(" ")[2]))
    expect(offsets[0]).toBe(0)
    expect(offsets[1]).toBe(6 * 1024 * 1024)
    expect(offsets[2]).toBeGreaterThanOrEqual(6 * 1024 * 1024)
    expect(offsets.filter((o) => o === 0)).toHaveLength(1)

    const { rows } = await stack.db.query<{
      object_path: string
      sha256: string
    }>(
      `select a.object_path, a.sha256 from public.message_attachments a
         join public.cloud_sessions s on s.id = a.session_id where s.client_id = 'attach-big'`
    )
    expect(rows[0]!.sha256).toBe(sha256(big))
    const demo = await userClient(DEMO_USER)
    const download = await demo.storage
      .from("chat-attachments")
      .download(rows[0]!.object_path)
    expect(sha256(Buffer.from(await download.data!.arrayBuffer()))).toBe(
      sha256(big)
    )

    // Deduplicated by sha256: the next sync sends nothing.
    storageRequests = []
    await writeFile(path.join(folder, "chat.jsonl"), "\n", { flag: "a" })
    const again = await agent("sync", folder, "--source", "jsonl")
    expect(again.out).toContain(
      "attachments: 0 uploaded, 1 already there, 0 not sent"
    )
    expect(storageRequests).toEqual([])
  })

  it("marks an attachment uploaded only when its bytes land in the bucket", async () => {
    const secret = JSON.parse(
      (await import("node:fs")).readFileSync(configPath, "utf8")
    ).device_secret
    const bytes = Buffer.from("late bytes\n")
    const response = await fetchThroughHandlers(
      `${SERVER}/api/device/v1/sync/attachments`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${secret}`,
        },
        body: JSON.stringify({
          attachments: [
            {
              session_client_id: "attach-1",
              message_client_id: "m1",
              name: "late.txt",
              mime_type: "text/plain",
              size_bytes: bytes.length,
              sha256: sha256(bytes),
            },
          ],
        }),
      }
    )
    const [result] = (await response.json()).results
    expect(result.status).toBe("upload")
    const uploadedAt = async () =>
      (
        await stack.db.query<{ uploaded_at: string | null }>(
          "select uploaded_at from public.message_attachments where name = 'late.txt'"
        )
      ).rows[0]!.uploaded_at
    expect(await uploadedAt()).toBeNull()
    // The session page does not sign a file that is not there yet.
    const demo = await userClient(DEMO_USER)
    const seen = await demo
      .from("message_attachments")
      .select("name, uploaded_at")
      .eq("name", "late.txt")
    expect(seen.data).toEqual([{ name: "late.txt", uploaded_at: null }])

    const put = await fetch(result.upload_url, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: bytes,
    })
    expect(put.status).toBe(200)
    expect(await uploadedAt()).not.toBeNull()
  })

  it("refuses attachments that break the bucket's limits with a clear reason", async () => {
    const response = await fetchThroughHandlers(
      `${SERVER}/api/device/v1/sync/attachments`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${JSON.parse((await import("node:fs")).readFileSync(configPath, "utf8")).device_secret}`,
        },
        body: JSON.stringify({
          attachments: [
            {
              session_client_id: "attach-1",
              message_client_id: "m1",
              name: "huge.png",
              mime_type: "image/png",
              size_bytes: 60 * 1024 * 1024,
              sha256: "0".repeat(64),
            },
            {
              session_client_id: "attach-1",
              message_client_id: "m1",
              name: "run.exe",
              mime_type: "application/x-msdownload",
              size_bytes: 10,
              sha256: "0".repeat(64),
            },
            {
              session_client_id: "nope",
              message_client_id: "m1",
              name: "a.txt",
              mime_type: "text/plain",
              size_bytes: 1,
              sha256: "0".repeat(64),
            },
            {
              session_client_id: "attach-1",
              message_client_id: "m1",
              name: "../escape.txt",
              mime_type: "text/plain",
              size_bytes: 1,
              sha256: "0".repeat(64),
            },
          ],
        }),
      }
    )
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.results).toEqual([
      expect.objectContaining({
        index: 0,
        status: "rejected",
        reason: "too_large",
      }),
      expect.objectContaining({
        index: 1,
        status: "rejected",
        reason: "type_not_allowed",
      }),
      expect.objectContaining({
        index: 2,
        status: "rejected",
        reason: "not_found",
      }),
      expect.objectContaining({
        index: 3,
        status: "rejected",
        reason: "invalid",
      }),
    ])
    expect(body.results[0].message).toContain("50 MiB")
  })
})
