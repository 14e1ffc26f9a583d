import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { ObjectFiles, type ObjectWriter } from "./files"

/** A small file under the scratch folder, to hash. */
function writeSample() {
  const file = path.join(root, `sample-${Math.random()}`)
  writeFileSync(file, "abc")

  return file
}

const md5 = (bytes: Buffer) => `"${createHash("md5").update(bytes).digest("hex")}"`

/** Deterministic bytes that differ in every 4 KB, so a misplaced chunk changes the digest. */
function bodyOf(size: number, seed: number) {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i + 4 <= size; i += 4096) bytes.writeUInt32LE((i * 31 + seed) >>> 0, i)

  return bytes
}

/** Writes a body as a request delivers it: socket-sized chunks, each a buffer of its own. */
async function writeInChunks(writer: ObjectWriter, bytes: Buffer, chunk = 64 * 1024) {
  for (let i = 0; i < bytes.length; i += chunk)
    await writer.write(Buffer.from(bytes.subarray(i, i + chunk)))
}

let root: string

describe("ObjectFiles writers", () => {
  let files: ObjectFiles

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "lmx-object-files-"))
    files = new ObjectFiles(root)
    await files.init()
  })

  afterAll(async () => {
    await files.md5.stop()
    rmSync(root, { recursive: true, force: true })
  })

  it("gives a large body the MD5 of its bytes, hashed by the md5 thread behind the writes", async () => {
    // Over 8 MB: batches, and a flush to disk while the body streams.
    const bytes = bodyOf(9 * 1024 * 1024 + 17, 1)
    const writer = await files.create(null)
    await writeInChunks(writer, bytes)
    expect(await writer.finish()).toBe(md5(bytes))
    expect(writer.size).toBe(bytes.length)
    expect(readFileSync(writer.file).equals(bytes)).toBe(true)
  })

  it("hashes small and empty bodies too", async () => {
    for (const bytes of [bodyOf(10 * 1024, 2), bodyOf(200 * 1024, 3), Buffer.alloc(0)]) {
      const writer = await files.create(null)
      await writeInChunks(writer, bytes, 7000)
      expect(await writer.finish()).toBe(md5(bytes))
    }
  })

  it.runIf(existsSync("/proc/self/fd"))(
    "leaves no file open on the md5 thread after small bodies hashed inline",
    async () => {
      const openFiles = () => readdirSync("/proc/self/fd").length
      // One round trip first, so the thread and its own descriptors exist before counting.
      expect(await files.md5.file(writeSample(), 3)).toMatch(/^[0-9a-f]{32}$/)
      const before = openFiles()
      for (let i = 0; i < 20; i++) {
        const writer = await files.create(null)
        await writeInChunks(writer, bodyOf(1000 + i, i))
        await writer.finish()
      }
      // A large body after them: its digest comes back once the thread has read every
      // message sent before it.
      const writer = await files.create(null)
      await writeInChunks(writer, bodyOf(2 * 1024 * 1024, 9))
      await writer.finish()
      expect(openFiles()).toBe(before)
    }
  )

  it("keeps concurrent uploads' digests apart", async () => {
    const bodies = [bodyOf(3 * 1024 * 1024, 4), bodyOf(2 * 1024 * 1024 + 5, 5)]
    const writers = await Promise.all(bodies.map(() => files.create(null)))
    const etags = await Promise.all(
      writers.map(async (writer, i) => {
        await writeInChunks(writer, bodies[i]!)
        return writer.finish()
      })
    )
    expect(etags).toEqual(bodies.map(md5))
  })

  it("removes an aborted body's file, and the md5 thread goes on serving the next", async () => {
    const writer = await files.create(null)
    await writeInChunks(writer, bodyOf(2 * 1024 * 1024, 6))
    await writer.abort()
    expect(readdirSync(path.join(root, ".tmp"))).not.toContain(path.basename(writer.file))
    const next = bodyOf(1024 * 1024 + 1, 7)
    const other = await files.create(null)
    await writeInChunks(other, next)
    expect(await other.finish()).toBe(md5(next))
  })

  it("refuses a body over the limit while it streams", async () => {
    const writer = await files.create(1024 * 1024)
    await expect(writeInChunks(writer, bodyOf(2 * 1024 * 1024, 8))).rejects.toMatchObject({
      status: 413,
    })
    await writer.abort()
  })

  it("answers an error, not silence, when the file to hash is missing", async () => {
    await expect(files.md5.file(path.join(root, "missing"), 10)).rejects.toThrow(/md5/)
  })
})
