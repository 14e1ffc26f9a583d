import { mkdtempSync, readdirSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import path from "node:path"

import { type SupabaseClient } from "@supabase/supabase-js"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { serviceClient, startStorageStack } from "../testing/storage"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// Object names come from clients: whatever they are, the bytes stay in the bucket's folder
// (names never reach the file system) and the answer is a 2xx or a 4xx, never a 500.
const HOSTILE_NAMES = [
  "..",
  "../escape.txt",
  "a/../../escape.txt",
  "%2e%2e/%2e%2e/escape.txt",
  "%2E%2E%2Fescape.txt",
  "..\\..\\escape.txt",
  "a\u0000b.txt",
  "/absolute.txt",
  "a//b.txt",
  "trailing/",
  ".",
  "x".repeat(1025),
  `${"deep/".repeat(300)}x.txt`,
  "caf\u00e9.txt",
  "cafe\u0301.txt",
  "emoji-\u{1f600}.txt",
  "line\nbreak.txt",
  "percent%.txt",
  "question?.txt",
  "hash#.txt",
]

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
}

describe(`Storage object names are fuzzed safely (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let admin: SupabaseClient
  let sandbox: string
  let storageDir: string

  beforeAll(async () => {
    sandbox = mkdtempSync(path.join(tmpdir(), "lmx-storage-fuzz-"))
    storageDir = path.join(sandbox, "files")
    stack = await startStorageStack({ storageDir })
    admin = serviceClient(stack)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  /**
   * POST then GET of `/object/open/<path>` with the path sent as it is (dot segments and
   * percent escapes reach the server unresolved; only bytes HTTP forbids are escaped), each on
   * a connection of its own so that a slow machine's keep-alive timing plays no part.
   */
  async function rawStatuses(rawPath: string) {
    const sendable = rawPath.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char))
    const url = new URL(stack.url)
    const statuses: number[] = []
    for (const method of ["POST", "GET"]) {
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          const req = request(
            {
              host: url.hostname,
              port: url.port,
              method,
              path: `/storage/v1/object/open/${sendable}`,
              agent: false,
              headers: {
                apikey: stack.keys.serviceRoleKey,
                authorization: `Bearer ${stack.keys.serviceRoleKey}`,
                "content-type": "text/plain",
              },
            },
            (res) => {
              res.resume()
              res.on("end", () => resolve(res.statusCode ?? 0))
            }
          )
          req.on("error", reject)
          req.end(method === "POST" ? "x" : undefined)
        })
      )
    }

    return statuses
  }

  it("answers hostile names with a 2xx or a 4xx and keeps every byte inside the folder", async () => {
    for (const name of HOSTILE_NAMES) {
      const { error } = await admin.storage
        .from("open")
        .upload(name, "fuzz", { contentType: "text/plain", upsert: true })
      if (error) expect((error as { status?: number }).status, name).toBe(400)
      await admin.storage.from("open").download(name)
      for (const status of await rawStatuses(name)) expect(status, name).toBeLessThan(500)
      for (const status of await rawStatuses(encodeURIComponent(name)))
        expect(status, name).toBeLessThan(500)
    }
    for (const file of filesUnder(sandbox))
      expect(file.startsWith(`${storageDir}${path.sep}`)).toBe(true)
  })

  it("never answers a 500 for arbitrary names (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (name) => {
        const statuses = await rawStatuses(encodeURIComponent(name))
        for (const status of statuses) expect(status).toBeLessThan(500)
      }),
      { numRuns: 60 }
    )
    for (const file of filesUnder(sandbox))
      expect(file.startsWith(`${storageDir}${path.sep}`)).toBe(true)
  })
})
