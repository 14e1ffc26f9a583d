import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import http from "node:http"
import { type AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { StorageApiError } from "./errors"
import { ObjectFiles } from "./files"
import { type StorageState } from "./kernel"
import { sendObject, type ObjectRow } from "./read"

const BUCKET = "docs"

/** Deterministic bytes that differ in every 4 KB. */
function bodyOf(size: number, seed: number) {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i + 4 <= size; i += 4096) bytes.writeUInt32LE((i * 31 + seed) >>> 0, i)

  return bytes
}

function rowOf(version: string): ObjectRow {
  const now = new Date().toISOString()

  return {
    id: "6f1b7c1e-0000-4000-8000-000000000001",
    bucket_id: BUCKET,
    name: "alice/report.bin",
    owner: null,
    owner_id: null,
    version,
    metadata: { mimetype: "application/octet-stream" },
    user_metadata: null,
    created_at: now,
    updated_at: now,
    last_accessed_at: now,
  }
}

let root: string
let files: ObjectFiles
let server: http.Server
let base: string
/** What the next request's sendObject reads the row with. */
let lookup: () => Promise<ObjectRow>

/** Stores bytes as a new version, as an upload does; returns the version. */
async function store(bytes: Buffer) {
  const writer = await files.create(null)
  await writer.write(bytes)
  await writer.finish()
  const version = randomUUID()
  await files.commit(writer, BUCKET, version)

  return version
}

/** GET through the server; resolves with the response as soon as its headers are in. */
function get(): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(base, resolve).on("error", reject))
}

async function bodyOfResponse(response: http.IncomingMessage) {
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)

  return Buffer.concat(chunks)
}

describe("sendObject and replaced versions", () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "lmx-storage-read-"))
    files = new ObjectFiles(root)
    await files.init()
    const state = { files } as StorageState
    server = http.createServer((req, res) => {
      sendObject(state, req, res, lookup, new URL(req.url ?? "/", "http://localhost")).catch(
        (error: unknown) => {
          // The error's own status (hosted sends most with HTTP 400 and it in the body).
          res.writeHead(error instanceof StorageApiError ? error.status : 500)
          res.end(error instanceof StorageApiError ? error.code : String(error))
        }
      )
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await files.settled()
    await files.md5.stop()
    rmSync(root, { recursive: true, force: true })
  })

  it("reads the row again when the version it named was removed before the file was opened", async () => {
    const old = await store(bodyOf(1000, 1))
    const fresh = bodyOf(2000, 2)
    const current = await store(fresh)
    await files.remove(BUCKET, old)
    // The first read of the row is from just before an upsert replaced it.
    const rows = [rowOf(old), rowOf(current)]
    let reads = 0
    lookup = async () => rows[Math.min(reads++, rows.length - 1)]!
    const response = await get()
    expect(response.statusCode).toBe(200)
    expect(response.headers["x-version"]).toBe(current)
    expect((await bodyOfResponse(response)).equals(fresh)).toBe(true)
    expect(reads).toBe(2)
  })

  it("answers not found when the row still names a version whose file is gone", async () => {
    const gone = await store(bodyOf(10, 3))
    await files.remove(BUCKET, gone)
    lookup = async () => rowOf(gone)
    const response = await get()
    expect(response.statusCode).toBe(404)
    expect((await bodyOfResponse(response)).toString()).toBe("NoSuchKey")
  })

  it("lets a download that has begun read the old version to its end after removeLater", async () => {
    // Larger than one read: streamed, so most of it is read from the file after the removal.
    const oldBytes = bodyOf(24 * 1024 * 1024 + 5, 4)
    const old = await store(oldBytes)
    lookup = async () => rowOf(old)
    const response = await get()
    expect(response.statusCode).toBe(200)
    const first = (await response[Symbol.asyncIterator]().next()).value as Buffer
    response.pause()
    files.removeLater(BUCKET, old)
    await files.settled()
    expect(existsSync(files.pathOf(BUCKET, old))).toBe(false)
    response.resume()
    const rest = await bodyOfResponse(response)
    expect(Buffer.concat([first, rest]).equals(oldBytes)).toBe(true)
  })

  it("removes a replaced version only after the current task, and settled waits for it", async () => {
    const version = await store(bodyOf(100, 5))
    files.removeLater(BUCKET, version)
    expect(existsSync(files.pathOf(BUCKET, version))).toBe(true)
    await files.settled()
    expect(existsSync(files.pathOf(BUCKET, version))).toBe(false)
  })
})
