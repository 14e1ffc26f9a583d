import { cp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import path from "node:path"

import { restService } from "@lmx/supabase-local/rest"
import { TEST_ENGINE } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import { startSyncHarness, type SyncHarness } from "./sync-harness"

// The agent's `sync` end to end: the real CLI, its importers and state file, the sync route
// handlers (called in-process instead of over HTTP) and the local stack's database.

vi.mock("server-only", () => ({}))

const FIXTURES = path.join(import.meta.dirname, "fixtures")

let harness: SyncHarness
let stack: SyncHarness["stack"]
let work: string
let deviceId: string
const agent = (...args: string[]) => harness.agent(...args)

async function sessions() {
  const { rows } = await stack.db.query<{
    client_id: string
    title: string
    message_count: number
    deleted: boolean
    sync_version: string
  }>(
    "select client_id, title, message_count, deleted_at is not null as deleted, sync_version from public.cloud_sessions where device_id = $1 order by client_id",
    [deviceId]
  )

  return rows
}

describe(`npm run device -- sync (${TEST_ENGINE})`, () => {
  beforeAll(async () => {
    harness = await startSyncHarness({
      services: [restService],
      routes: ["heartbeat", "sync/push", "sync/pull"],
      deviceName: "Sync Mac",
      forwardedFor: "198.20.0.1",
      workPrefix: "lmx-sync-",
    })
    ;({ stack, work, deviceId } = harness)
    await cp(path.join(FIXTURES, "lmstudio"), path.join(work, "lmstudio"), {
      recursive: true,
    })
  })
  afterAll(async () => {
    await harness?.stop()
  })

  it("--dry-run says what would be pushed and sends nothing", async () => {
    const run = await agent("sync", path.join(work, "lmstudio"), "--dry-run")
    expect(run.code).toBe(0)
    expect(run.out).toContain("sessions: would push 2 new")
    expect(run.out).toContain('new session "Quantisation for the Studio Mac"')
    expect(await sessions()).toEqual([])
  })

  it("syncs an LM Studio folder, then a re-run sends nothing, and the state file is 0600", async () => {
    const first = await agent("sync", path.join(work, "lmstudio"))
    expect(first.code).toBe(0)
    expect(first.out).toContain(
      "console: 9 applied, 0 already there, 0 conflicts, 0 rejected"
    )
    expect(await sessions()).toEqual([
      expect.objectContaining({
        client_id: "lmstudio:1733215200000.conversation.json",
        title: "Quantisation for the Studio Mac",
        message_count: 5,
      }),
      expect.objectContaining({
        client_id: "lmstudio:1733301600000.conversation.json",
        message_count: 2,
      }),
    ])
    const state = await stat(path.join(work, "config", "sync-state.json"))
    expect(state.mode & 0o777).toBe(0o600)

    const again = await agent("sync", path.join(work, "lmstudio"))
    expect(again.out).toContain("2 files (0 read, 2 unchanged, 0 skipped)")
    expect(again.out).toContain("console: 0 applied")
  })

  it("re-syncs only the changed chat, and tombstones a deleted one", async () => {
    const file = path.join(work, "lmstudio", "1733301600000.conversation.json")
    const json = JSON.parse(await readFile(file, "utf8"))
    json.name = "Tokens per second, measured"
    json.messages.push({
      versions: [
        {
          type: "singleStep",
          role: "user",
          content: [{ type: "text", text: "Thanks!" }],
        },
      ],
      currentlySelected: 0,
    })
    await writeFile(file, JSON.stringify(json))

    const changed = await agent("sync", path.join(work, "lmstudio"))
    expect(changed.out).toContain("2 files (1 read, 1 unchanged, 0 skipped)")
    expect(changed.out).toContain("console: 2 applied")
    expect((await sessions())[1]).toMatchObject({
      title: "Tokens per second, measured",
      message_count: 3,
      sync_version: "2",
    })

    await rm(path.join(work, "lmstudio", "Work"), { recursive: true })
    const deleted = await agent("sync", path.join(work, "lmstudio"))
    expect(deleted.out).toContain("1 deleted")
    expect((await sessions())[0]).toMatchObject({
      title: "Quantisation for the Studio Mac",
      deleted: true,
    })
  })

  it("skips a malformed file with its path and reason and syncs the rest", async () => {
    const folder = path.join(work, "openwebui")
    await cp(path.join(FIXTURES, "openwebui"), folder, { recursive: true })
    await writeFile(
      path.join(folder, "chat-export-broken.json"),
      '[{"id": "x", "chat": {'
    )

    const run = await agent("sync", folder)
    expect(run.err).toMatch(
      /skipped .*chat-export-broken\.json: the file is not valid JSON/
    )
    expect(run.out).toContain("console: 8 applied")
    expect((await sessions()).map((s) => s.title)).toContain(
      "Docker compose for Open WebUI"
    )
  })

  it("reports rejected items and exits 1, and the heartbeat carries the sync status", async () => {
    const file = path.join(work, "big.jsonl")
    await writeFile(
      file,
      `${JSON.stringify({ type: "session", id: "big", title: "Too big" })}\n${JSON.stringify({ type: "message", id: "m", role: "user", content: "x".repeat(1_000_001) })}\n`
    )
    const run = await agent("sync", file)
    expect(run.code).toBe(1)
    expect(run.out).toContain("not sent")
    expect(run.out).toContain("content_too_large")

    expect((await agent("heartbeat")).code).toBe(0)
    const { rows } = await stack.db.query<{
      sync_status: { pending: number; last_error: string }
    }>(
      "select capabilities -> 'sync_status' as sync_status from public.devices where id = $1",
      [deviceId]
    )
    expect(rows[0]!.sync_status).toMatchObject({
      pending: 1,
      last_error: expect.stringContaining("content_too_large"),
    })
  })

  it("--pull writes sessions changed in the console into JSONL, and the cursor survives restarts", async () => {
    await stack.db.query(
      "update public.cloud_sessions set title = 'Renamed in the console' where client_id = 'openwebui:0f5d9e3a-77aa-4b0c-8d21-5f3c2b1a9e88'"
    )
    const out = path.join(work, "pulled")
    const first = await agent("sync", "--pull", out)
    expect(first.code).toBe(0)
    const files = await readdir(out)
    const contents = await Promise.all(
      files.map((f) => readFile(path.join(out, f), "utf8"))
    )
    expect(contents.join("\n")).toContain('"title":"Renamed in the console"')
    // What this device pushed itself and nobody changed is not news.
    expect(contents.join("\n")).not.toContain("Docker compose for Open WebUI")

    const second = await agent("sync", "--pull", out)
    expect(second.out).toMatch(/^Pulled 0 changes/)
  })
})
