import { createHash } from "node:crypto"

import { type SupabaseClient } from "@supabase/supabase-js"
import * as tus from "tus-js-client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { accessToken, startStorageStack, storageClient } from "../testing/storage"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const ALICE = "00000000-0000-4000-8000-00000000a11c"
const BOB = "00000000-0000-4000-8000-000000000b0b"
const MB = 1024 * 1024

function bytes(size: number) {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4096) out.writeUInt32LE(i, i)

  return out
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex")

describe(`Storage resumable uploads over TUS (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: SupabaseClient
  let aliceToken: string
  let endpoint: string

  beforeAll(async () => {
    stack = await startStorageStack()
    aliceToken = await accessToken(stack, ALICE)
    alice = storageClient(stack, aliceToken)
    endpoint = `${stack.url}/storage/v1/upload/resumable`
  })
  afterAll(async () => {
    await stack?.stop()
  })

  const headersFor = (token: string) => ({
    authorization: `Bearer ${token}`,
    apikey: stack.keys.anonKey,
  })

  function upload(
    data: Buffer,
    objectName: string,
    token: string,
    options: Partial<tus.UploadOptions> = {}
  ) {
    return new tus.Upload(data, {
      endpoint,
      headers: headersFor(token),
      chunkSize: MB,
      retryDelays: [],
      metadata: {
        bucketName: "big",
        objectName,
        contentType: "application/octet-stream",
        cacheControl: "3600",
      },
      ...options,
    })
  }

  function run(task: tus.Upload) {
    return new Promise<void>((resolve, reject) => {
      task.options.onSuccess = () => resolve()
      task.options.onError = (error) => reject(error)
      task.start()
    })
  }

  it("uploads a file in chunks and stores it as an object", async () => {
    const data = bytes(3 * MB + 123)
    await run(upload(data, `${ALICE}/tus/whole.bin`, aliceToken))
    const downloaded = Buffer.from(
      await (await alice.storage.from("big").download(`${ALICE}/tus/whole.bin`)).data!.arrayBuffer()
    )
    expect(sha256(downloaded)).toBe(sha256(data))
    expect((await alice.storage.from("big").info(`${ALICE}/tus/whole.bin`)).data).toMatchObject({
      size: data.length,
      cacheControl: "max-age=3600",
    })
  })

  it("resumes from the server's offset after the connection is cut", async () => {
    const data = bytes(6 * MB + 7)
    const first = upload(data, `${ALICE}/tus/resumed.bin`, aliceToken)
    await new Promise<void>((resolve, reject) => {
      first.options.onProgress = (sent) => {
        if (sent >= 3 * MB) {
          // Cut the connection mid-chunk: the request is aborted, the socket destroyed.
          void first.abort(false).then(resolve)
        }
      }
      first.options.onError = reject
      first.options.onSuccess = () => reject(new Error("finished before it was cut"))
      first.start()
    })
    expect(first.url).toBeTruthy()
    const head = await fetch(first.url!, {
      method: "HEAD",
      headers: { ...headersFor(aliceToken), "tus-resumable": "1.0.0" },
    })
    const offset = Number(head.headers.get("upload-offset"))
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(data.length)
    expect((await alice.storage.from("big").exists(`${ALICE}/tus/resumed.bin`)).data).toBe(false)

    const resumed = upload(data, `${ALICE}/tus/resumed.bin`, aliceToken, { uploadUrl: first.url! })
    let firstOffset: number | undefined
    resumed.options.onProgress = (sent) => {
      firstOffset ??= sent
    }
    await run(resumed)
    // The first progress of the second upload already counts the bytes the server had.
    expect(firstOffset).toBeGreaterThanOrEqual(offset)
    const downloaded = Buffer.from(
      await (
        await alice.storage.from("big").download(`${ALICE}/tus/resumed.bin`)
      ).data!.arrayBuffer()
    )
    expect(sha256(downloaded)).toBe(sha256(data))
  })

  it("refuses to create an upload the policies do not allow, or one over the bucket's limit", async () => {
    const bobToken = await accessToken(stack, BOB)
    await expect(run(upload(bytes(1000), `${ALICE}/tus/not-bobs.bin`, bobToken))).rejects.toThrow(
      /row-level security/
    )
    const tooBig = upload(bytes(10), `${ALICE}/tus/huge.bin`, aliceToken, {
      metadata: {
        bucketName: "docs",
        objectName: `${ALICE}/tus/huge.bin`,
        contentType: "text/plain",
      },
      uploadSize: 2 * MB,
    })
    await expect(run(tooBig)).rejects.toThrow(/exceeded/)
    const noToken = await fetch(endpoint, {
      method: "POST",
      headers: { apikey: stack.keys.anonKey, "tus-resumable": "1.0.0", "upload-length": "10" },
    })
    expect(noToken.status).toBe(400)
  })

  it("takes a signed upload URL's token in x-signature at /upload/resumable/sign, for that object only", async () => {
    const { data: signed } = await alice.storage
      .from("big")
      .createSignedUploadUrl(`${ALICE}/tus/signed.bin`)
    const token = signed!.token
    const data = bytes(2 * MB + 5)
    const signedUpload = (objectName: string, signature: string | null) =>
      new tus.Upload(data, {
        endpoint: `${endpoint}/sign`,
        headers: signature ? { "x-signature": signature } : {},
        chunkSize: MB,
        retryDelays: [],
        metadata: { bucketName: "big", objectName, contentType: "application/octet-stream" },
      })
    // Another object with the same token, or no token: refused before a byte is stored.
    await expect(run(signedUpload(`${ALICE}/tus/other.bin`, token))).rejects.toThrow(
      /InvalidSignature|signature/i
    )
    await expect(run(signedUpload(`${ALICE}/tus/signed.bin`, null))).rejects.toThrow(/x-signature/)
    // A download link's token is not an upload token.
    await alice.storage.from("big").upload(`${ALICE}/tus/seen.bin`, bytes(10))
    const link = await alice.storage.from("big").createSignedUrl(`${ALICE}/tus/seen.bin`, 60)
    const downloadToken = new URL(link.data!.signedUrl).searchParams.get("token")!
    await expect(run(signedUpload(`${ALICE}/tus/seen.bin`, downloadToken))).rejects.toThrow(
      /scoped for upload/
    )

    await run(signedUpload(`${ALICE}/tus/signed.bin`, token))
    const downloaded = Buffer.from(
      await (
        await alice.storage.from("big").download(`${ALICE}/tus/signed.bin`)
      ).data!.arrayBuffer()
    )
    expect(sha256(downloaded)).toBe(sha256(data))
    // Written as the service role for the user who signed the URL: the owner is Alice.
    const { rows } = await stack.db.query<{ owner_id: string }>(
      "select owner_id from storage.objects where bucket_id = 'big' and name = $1",
      [`${ALICE}/tus/signed.bin`]
    )
    expect(rows[0]!.owner_id).toBe(ALICE)
  })
})
