import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { describe, expect, it } from "vitest"

import { watchFolder } from "./watch"

describe("watchFolder", () => {
  it("reports a file once after a burst of writes, and ignores files it does not accept", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "lmx-watch-"))
    const changed: string[] = []
    const controller = new AbortController()
    const watching = watchFolder({
      folder,
      accept: (file) => file.endsWith(".conversation.json"),
      onChange: (file) => changed.push(path.basename(file)),
      signal: controller.signal,
      debounceMs: 100,
    })
    try {
      for (let i = 0; i < 5; i += 1) {
        await writeFile(path.join(folder, "a.conversation.json"), `{"n": ${i}}`)
        await writeFile(path.join(folder, "notes.txt"), String(i))
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await expect
        .poll(() => changed, { timeout: 3000 })
        .toEqual(["a.conversation.json"])
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(changed).toEqual(["a.conversation.json"])
    } finally {
      controller.abort()
      await watching
      await rm(folder, { recursive: true, force: true })
    }
  })
})
