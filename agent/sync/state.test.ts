import { mkdtemp, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { emptyState, readSyncState, writeSyncState } from "./state"

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lmx-state-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("sync state file", () => {
  it("round-trips, is 0600, and belongs to one device", async () => {
    const file = path.join(dir, "sync-state.json")
    const state = emptyState("device-a")
    state.sessions.chat = {
      s: [2, "h"],
      file: "/a",
      p: { title: "t" },
      m: { m0: [1, "x", 0, "user"] },
    }
    await writeSyncState(file, state)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readSyncState(file, "device-a")).toEqual(state)
    expect(await readSyncState(file, "device-b")).toEqual(
      emptyState("device-b")
    )
  })

  it("starts over from a damaged file rather than trusting it", async () => {
    const file = path.join(dir, "damaged.json")
    const state = emptyState("device-a")
    await writeFile(
      file,
      JSON.stringify({
        ...state,
        sessions: {
          chat: {
            s: [1, "h"],
            file: "/a",
            p: {},
            m: { m0: [0, "x", 0, "user"] },
          },
        },
      })
    )
    expect(await readSyncState(file, "device-a")).toEqual(state)
    await writeFile(file, '{"version": 1, "device_id": "device-a", "sess')
    expect(await readSyncState(file, "device-a")).toEqual(state)
  })
})
