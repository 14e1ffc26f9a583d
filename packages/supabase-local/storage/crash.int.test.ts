import { spawn, type ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { Readable } from "node:stream"

import { afterAll, describe, expect, it } from "vitest"

import { startLocalStack } from "../stack"
import { serviceClient, STORAGE_FIXTURE_MIGRATIONS, withoutConfigBuckets } from "../testing/storage"
import { createPersistentStorage, PROJECT_ROOT, TEST_ENGINE } from "../testing/test-stack"
import { ObjectFiles } from "./files"

const CHILD = path.join(import.meta.dirname, "../testing/storage-child.ts")

type Child = { process: ChildProcess; url: string; serviceRoleKey: string }

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  })
  let output = ""
  for await (const chunk of child.stdout!) {
    output += String(chunk)
    const line = output.split("\n").find((candidate) => candidate.startsWith("{"))
    if (line)
      return { process: child, ...(JSON.parse(line) as { url: string; serviceRoleKey: string }) }
  }
  throw new Error(`the child stack exited before it listened: ${output}`)
}

function filesIn(dir: string) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name !== ".instance")
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
  } catch {
    return []
  }
}

describe(`Storage after a crash (${TEST_ENGINE})`, () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it("leaves no object and no bytes when killed mid-upload, or between bytes and row", async () => {
    const { storage, drop } = await createPersistentStorage()
    const storageDir = mkdtempSync(path.join(tmpdir(), "lmx-storage-crash-"))
    cleanups.push(drop, () => rmSync(storageDir, { recursive: true, force: true }))

    const child = await startChild({
      LMX_CHILD_STORAGE: JSON.stringify(storage),
      LMX_CHILD_STORAGE_DIR: storageDir,
    })
    cleanups.push(() => void child.process.kill("SIGKILL"))
    // A committed object, to prove the sweep keeps what the database names.
    const kept = await fetch(`${child.url}/storage/v1/object/open/kept.txt`, {
      method: "POST",
      headers: { authorization: `Bearer ${child.serviceRoleKey}`, "content-type": "text/plain" },
      body: "kept",
    })
    expect(kept.status).toBe(200)

    // An upload that sends 2 MB and then stalls: the process is killed while it streams.
    let release!: () => void
    const stalled = new Promise<void>((resolve) => (release = resolve))
    const body = Readable.from(
      (async function* () {
        yield Buffer.alloc(2 * 1024 * 1024, "a")
        await stalled
      })()
    )
    const upload = fetch(`${child.url}/storage/v1/object/big/crash.bin`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${child.serviceRoleKey}`,
        "content-type": "application/octet-stream",
      },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: "half",
    } as RequestInit).catch((error: unknown) => error)
    const tmp = path.join(storageDir, ".tmp")
    for (
      let i = 0;
      i < 200 && !readdirSync(tmp).some((f) => statSync(path.join(tmp, f)).size > 0);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(readdirSync(tmp).length).toBe(1)
    child.process.kill("SIGKILL")
    await new Promise((resolve) => child.process.once("exit", resolve))
    release()
    await upload

    // A crash after the rename, before the row committed: a version no row names.
    const orphan = path.join(storageDir, ObjectFiles.folderOf("big"), randomUUID())
    mkdirSync(path.dirname(orphan), { recursive: true })
    writeFileSync(orphan, "orphan")

    const stack = await startLocalStack({
      root: PROJECT_ROOT,
      port: 0,
      storage,
      storageDir,
      migrationsDir: STORAGE_FIXTURE_MIGRATIONS,
      seedFiles: [],
      configOverrides: withoutConfigBuckets,
    })
    try {
      const rows = await stack.db.query<{ name: string }>(
        "select name from storage.objects order by name"
      )
      expect(rows.rows).toEqual([{ name: "kept.txt" }])
      expect(filesIn(storageDir)).toHaveLength(1)
      const admin = serviceClient(stack)
      expect(await (await admin.storage.from("open").download("kept.txt")).data!.text()).toBe(
        "kept"
      )
      expect((await admin.storage.from("big").exists("crash.bin")).data).toBe(false)
    } finally {
      await stack.stop()
    }
  })
})
