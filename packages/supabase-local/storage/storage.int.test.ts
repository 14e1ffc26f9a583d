import { createHash, randomUUID } from "node:crypto"
import { existsSync, readdirSync } from "node:fs"
import path from "node:path"

import { type SupabaseClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

import { accessToken, serviceClient, startStorageStack, storageClient } from "../testing/storage"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

const ALICE = "00000000-0000-4000-8000-00000000a11c"
const BOB = "00000000-0000-4000-8000-000000000b0b"

function text(size: number, seed = "x") {
  return Buffer.alloc(size, seed)
}

describe(`Storage through supabase-js (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let alice: SupabaseClient
  let bob: SupabaseClient
  let anon: SupabaseClient
  let admin: SupabaseClient
  let storageDir: string

  beforeAll(async () => {
    storageDir = path.join(
      (await import("node:fs")).mkdtempSync(
        path.join((await import("node:os")).tmpdir(), "lmx-storage-")
      ),
      "files"
    )
    stack = await startStorageStack({ storageDir })
    alice = storageClient(stack, await accessToken(stack, ALICE))
    bob = storageClient(stack, await accessToken(stack, BOB))
    anon = storageClient(stack)
    admin = serviceClient(stack)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("uploads, downloads, and reports info for the owner; others see nothing", async () => {
    const docs = alice.storage.from("docs")
    const upload = await docs.upload(`${ALICE}/notes/hello.txt`, "hello world", {
      contentType: "text/plain",
      cacheControl: "60",
    })
    expect(upload.error).toBeNull()
    expect(upload.data).toMatchObject({
      path: `${ALICE}/notes/hello.txt`,
      fullPath: `docs/${ALICE}/notes/hello.txt`,
    })
    expect(upload.data!.id).toMatch(/^[0-9a-f-]{36}$/)

    const download = await docs.download(`${ALICE}/notes/hello.txt`)
    expect(download.error).toBeNull()
    expect(await download.data!.text()).toBe("hello world")

    const info = await docs.info(`${ALICE}/notes/hello.txt`)
    expect(info.error).toBeNull()
    expect(info.data).toMatchObject({
      size: 11,
      contentType: "text/plain",
      cacheControl: "max-age=60",
    })
    expect((await docs.exists(`${ALICE}/notes/hello.txt`)).data).toBe(true)
    expect((await docs.exists(`${ALICE}/notes/nope.txt`)).data).toBe(false)

    const asBob = await bob.storage.from("docs").download(`${ALICE}/notes/hello.txt`)
    expect(asBob.error).toMatchObject({ status: 400, statusCode: "404" })
    const asAnon = await anon.storage.from("docs").download(`${ALICE}/notes/hello.txt`)
    expect(asAnon.data).toBeNull()
  })

  it("refuses writes the policies do not allow, before storing a byte", async () => {
    const denied = await bob.storage
      .from("docs")
      .upload(`${ALICE}/evil.txt`, "x", { contentType: "text/plain" })
    expect(denied.error).toMatchObject({
      statusCode: "403",
      message: "new row violates row-level security policy",
    })
    const anonDenied = await anon.storage
      .from("docs")
      .upload(`${ALICE}/evil.txt`, "x", { contentType: "text/plain" })
    expect(anonDenied.error).toMatchObject({ statusCode: "403" })
    expect((await admin.storage.from("docs").exists(`${ALICE}/evil.txt`)).data).toBe(false)
  })

  it("answers 409 for an existing name unless x-upsert, and upserts replace the bytes", async () => {
    const docs = alice.storage.from("docs")
    const name = `${ALICE}/dup.txt`
    expect((await docs.upload(name, "one", { contentType: "text/plain" })).error).toBeNull()
    const again = await docs.upload(name, "two", { contentType: "text/plain" })
    expect(again.error).toMatchObject({ statusCode: "409", message: "The resource already exists" })
    expect(
      (await docs.upload(name, "three", { contentType: "text/plain", upsert: true })).error
    ).toBeNull()
    expect(await (await docs.download(name)).data!.text()).toBe("three")
    expect((await docs.update(name, "four", { contentType: "text/plain" })).error).toBeNull()
    expect(await (await docs.download(name)).data!.text()).toBe("four")
  })

  it("takes Blob uploads as multipart and keeps the part's content type", async () => {
    const docs = alice.storage.from("docs")
    const blob = new Blob([text(5000, "b")], { type: "image/png" })
    const { error } = await docs.upload(`${ALICE}/pic.png`, blob)
    expect(error).toBeNull()
    const info = await docs.info(`${ALICE}/pic.png`)
    expect(info.data).toMatchObject({
      size: 5000,
      contentType: "image/png",
      cacheControl: "max-age=3600",
    })
    const bytes = Buffer.from(await (await docs.download(`${ALICE}/pic.png`)).data!.arrayBuffer())
    expect(bytes.equals(text(5000, "b"))).toBe(true)
  })

  it("enforces the bucket's size and MIME rules (413 / 415)", async () => {
    const docs = alice.storage.from("docs")
    const tooBig = await docs.upload(`${ALICE}/big.txt`, text(1048577), {
      contentType: "text/plain",
    })
    expect(tooBig.error).toMatchObject({ statusCode: "413" })
    const blobTooBig = await docs.upload(
      `${ALICE}/big.txt`,
      new Blob([text(1048577)], { type: "text/plain" })
    )
    expect(blobTooBig.error).toMatchObject({ statusCode: "413" })
    const wrongType = await docs.upload(`${ALICE}/x.zip`, "PK", { contentType: "application/zip" })
    expect(wrongType.error).toMatchObject({
      statusCode: "415",
      message: "mime type application/zip is not supported",
    })
    expect((await admin.storage.from("docs").exists(`${ALICE}/big.txt`)).data).toBe(false)
  })

  it("serves byte ranges and attachment downloads", async () => {
    await alice.storage
      .from("docs")
      .upload(`${ALICE}/range.txt`, "0123456789", { contentType: "text/plain" })
    const token = await accessToken(stack, ALICE)
    const url = `${stack.url}/storage/v1/object/docs/${ALICE}/range.txt`
    const headers = { apikey: stack.keys.anonKey, authorization: `Bearer ${token}` }
    const partial = await fetch(url, { headers: { ...headers, range: "bytes=2-5" } })
    expect(partial.status).toBe(206)
    expect(partial.headers.get("content-range")).toBe("bytes 2-5/10")
    expect(await partial.text()).toBe("2345")
    const suffix = await fetch(url, { headers: { ...headers, range: "bytes=-3" } })
    expect(await suffix.text()).toBe("789")
    const outside = await fetch(url, { headers: { ...headers, range: "bytes=20-30" } })
    expect(outside.status).toBe(416)
    const attachment = await fetch(`${url}?download=report.txt`, { headers })
    expect(attachment.headers.get("content-disposition")).toContain('filename="report.txt"')
  })

  it("lists a folder level with folders, search, limit/offset and sorting", async () => {
    const docs = alice.storage.from("docs")
    for (const name of ["a.txt", "b.txt", "c.txt", "sub/d.txt", "sub/e.txt"]) {
      await docs.upload(`${ALICE}/list/${name}`, name, { contentType: "text/plain" })
    }
    const level = await docs.list(`${ALICE}/list`)
    expect(level.error).toBeNull()
    expect(level.data!.map((entry) => entry.name)).toEqual(["a.txt", "b.txt", "c.txt", "sub"])
    expect(level.data!.find((entry) => entry.name === "sub")!.id).toBeNull()
    const paged = await docs.list(`${ALICE}/list`, { limit: 2, offset: 1 })
    expect(paged.data!.map((entry) => entry.name)).toEqual(["b.txt", "c.txt"])
    const searched = await docs.list(`${ALICE}/list`, { search: "b" })
    expect(searched.data!.map((entry) => entry.name)).toEqual(["b.txt"])
    const desc = await docs.list(`${ALICE}/list`, { sortBy: { column: "name", order: "desc" } })
    expect(desc.data!.map((entry) => entry.name)).toEqual(["sub", "c.txt", "b.txt", "a.txt"])
    expect((await bob.storage.from("docs").list(`${ALICE}/list`)).data).toEqual([])
  })

  it("pages list-v2 with cursors, grouping folders with a delimiter", async () => {
    const docs = alice.storage.from("docs")
    const seen: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10; page++) {
      const { data, error } = await docs.listV2({
        prefix: `${ALICE}/list/`,
        limit: 2,
        with_delimiter: true,
        cursor,
      })
      expect(error).toBeNull()
      seen.push(...data!.folders.map((f) => f.name), ...data!.objects.map((o) => o.name))
      if (!data!.hasNext) break
      cursor = data!.nextCursor
    }
    expect(seen.sort()).toEqual(
      [
        `${ALICE}/list/a.txt`,
        `${ALICE}/list/b.txt`,
        `${ALICE}/list/c.txt`,
        `${ALICE}/list/sub/`,
      ].sort()
    )
    const flat = await docs.listV2({ prefix: `${ALICE}/list/`, limit: 100 })
    expect(flat.data!.objects).toHaveLength(5)
  })

  it("moves and copies, also across buckets, as the policies allow", async () => {
    const docs = alice.storage.from("docs")
    await docs.upload(`${ALICE}/move-me.txt`, "moving", { contentType: "text/plain" })
    expect((await docs.move(`${ALICE}/move-me.txt`, `${ALICE}/moved.txt`)).error).toBeNull()
    expect((await docs.exists(`${ALICE}/move-me.txt`)).data).toBe(false)
    expect(await (await docs.download(`${ALICE}/moved.txt`)).data!.text()).toBe("moving")

    const copied = await docs.copy(`${ALICE}/moved.txt`, `${ALICE}/copy.txt`)
    expect(copied.data).toEqual({ path: `docs/${ALICE}/copy.txt` })
    expect(await (await docs.download(`${ALICE}/copy.txt`)).data!.text()).toBe("moving")

    const across = await docs.copy(`${ALICE}/copy.txt`, `${ALICE}/copy.txt`, {
      destinationBucket: "big",
    })
    expect(across.error).toBeNull()
    expect(await (await alice.storage.from("big").download(`${ALICE}/copy.txt`)).data!.text()).toBe(
      "moving"
    )
    const movedAcross = await docs.move(`${ALICE}/copy.txt`, `${ALICE}/from-docs.txt`, {
      destinationBucket: "big",
    })
    expect(movedAcross.error).toBeNull()
    expect(
      await (await alice.storage.from("big").download(`${ALICE}/from-docs.txt`)).data!.text()
    ).toBe("moving")

    const stolen = await bob.storage.from("docs").move(`${ALICE}/moved.txt`, `${BOB}/mine.txt`)
    expect(stolen.error).not.toBeNull()
    const copyDenied = await bob.storage.from("docs").copy(`${ALICE}/moved.txt`, `${BOB}/mine.txt`)
    expect(copyDenied.error).not.toBeNull()
  })

  it("removes in bulk, only what the caller may delete, and the bytes go too", async () => {
    const docs = alice.storage.from("docs")
    await docs.upload(`${ALICE}/rm/1.txt`, "1", { contentType: "text/plain" })
    await docs.upload(`${ALICE}/rm/2.txt`, "2", { contentType: "text/plain" })
    const bobTry = await bob.storage.from("docs").remove([`${ALICE}/rm/1.txt`])
    expect(bobTry.data).toEqual([])
    const before = countFiles(storageDir)
    const removed = await docs.remove([
      `${ALICE}/rm/1.txt`,
      `${ALICE}/rm/2.txt`,
      `${ALICE}/rm/none.txt`,
    ])
    expect(removed.error).toBeNull()
    expect(removed.data!.map((row) => row.name).sort()).toEqual([
      `${ALICE}/rm/1.txt`,
      `${ALICE}/rm/2.txt`,
    ])
    expect(countFiles(storageDir)).toBe(before - 2)
  })

  it("signs download URLs (single, bulk, expiry, download) that need no key", async () => {
    const docs = alice.storage.from("docs")
    await docs.upload(`${ALICE}/signed.txt`, "signed bytes", { contentType: "text/plain" })
    const signed = await docs.createSignedUrl(`${ALICE}/signed.txt`, 60)
    expect(signed.error).toBeNull()
    const fetched = await fetch(signed.data!.signedUrl)
    expect(fetched.status).toBe(200)
    expect(await fetched.text()).toBe("signed bytes")
    const asDownload = await docs.createSignedUrl(`${ALICE}/signed.txt`, 60, { download: "s.txt" })
    expect((await fetch(asDownload.data!.signedUrl)).headers.get("content-disposition")).toContain(
      "s.txt"
    )
    const tampered = signed.data!.signedUrl.replace("signed.txt", "other.txt")
    expect((await fetch(tampered)).status).toBe(400)

    const bulk = await docs.createSignedUrls([`${ALICE}/signed.txt`, `${ALICE}/missing.txt`], 60)
    expect(bulk.data![0]!.error).toBeNull()
    expect(bulk.data![1]!.error).toMatch(/does not exist/)
    expect(await (await fetch(bulk.data![0]!.signedUrl!)).text()).toBe("signed bytes")

    expect(
      (await bob.storage.from("docs").createSignedUrl(`${ALICE}/signed.txt`, 60)).error
    ).not.toBeNull()

    const expired = await docs.createSignedUrl(`${ALICE}/signed.txt`, 1)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const late = await fetch(expired.data!.signedUrl)
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({
      statusCode: "400",
      code: "InvalidJWT",
      error: "InvalidJWT",
      message: '"exp" claim timestamp check failed',
    })
  })

  // The bodies hosted Storage's own tests expect (src/test/object.test.ts, bucket.test.ts): HTTP
  // 400 with the real status in the body, except ranges (416).
  it("answers errors with hosted Storage's status and body", async () => {
    const docs = alice.storage.from("docs")
    const missing = await docs.info(`${ALICE}/nowhere.txt`)
    expect(missing.error).toMatchObject({
      status: 400,
      statusCode: "404",
      code: "NoSuchKey",
      message: "Object not found",
    })
    const badToken = storageClient(stack, `${(await accessToken(stack, ALICE)).slice(0, -4)}AAAA`)
    expect((await badToken.storage.from("docs").download(`${ALICE}/x`)).error).toMatchObject({
      status: 400,
      statusCode: "403",
      code: "AccessDenied",
      message: "signature verification failed",
    })
    const id = `full-${randomUUID().slice(0, 8)}`
    await admin.storage.createBucket(id)
    await admin.storage.from(id).upload("a.txt", "a", { contentType: "text/plain" })
    expect((await admin.storage.deleteBucket(id)).error).toMatchObject({
      status: 400,
      statusCode: "409",
      code: "ResourceNotEmpty",
      message: "The bucket you tried to delete is not empty",
    })
    await admin.storage.emptyBucket(id)
    expect((await admin.storage.deleteBucket(id)).error).toBeNull()
  })

  it("refuses a download link replayed as an upload, and the reverse (token scopes)", async () => {
    const docs = alice.storage.from("docs")
    await docs.upload(`${ALICE}/scoped.txt`, "scoped", { contentType: "text/plain" })
    const download = await docs.createSignedUrl(`${ALICE}/scoped.txt`, 60)
    const token = new URL(download.data!.signedUrl).searchParams.get("token")!
    const replay = await docs.uploadToSignedUrl(`${ALICE}/scoped.txt`, token, "overwritten", {
      contentType: "text/plain",
      upsert: true,
    })
    expect(replay.error).toMatchObject({
      statusCode: "400",
      code: "InvalidSignature",
      message: "Token is not scoped for upload",
    })
    expect(await (await docs.download(`${ALICE}/scoped.txt`)).data!.text()).toBe("scoped")

    const upload = await docs.createSignedUploadUrl(`${ALICE}/scoped-new.txt`)
    const asDownload = await fetch(
      `${stack.url}/storage/v1/object/sign/docs/${ALICE}/scoped-new.txt?token=${upload.data!.token}`
    )
    expect(await asDownload.json()).toMatchObject({
      statusCode: "400",
      code: "InvalidSignature",
      message: "Token is not scoped for download",
    })
  })

  it("signs upload URLs for a path the caller may write", async () => {
    const docs = alice.storage.from("docs")
    const signed = await docs.createSignedUploadUrl(`${ALICE}/via-signed.txt`)
    expect(signed.error).toBeNull()
    const uploaded = await anon.storage
      .from("docs")
      .uploadToSignedUrl(`${ALICE}/via-signed.txt`, signed.data!.token, "from a signed url", {
        contentType: "text/plain",
      })
    expect(uploaded.error).toBeNull()
    expect(await (await docs.download(`${ALICE}/via-signed.txt`)).data!.text()).toBe(
      "from a signed url"
    )
    expect(
      (await bob.storage.from("docs").createSignedUploadUrl(`${ALICE}/x.txt`)).error
    ).not.toBeNull()
  })

  it("serves public buckets by public URL, and never private ones", async () => {
    const open = alice.storage.from("open")
    await open.upload("hello.txt", "public bytes", { contentType: "text/plain" })
    const { publicUrl } = open.getPublicUrl("hello.txt").data
    const response = await fetch(publicUrl)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("public bytes")
    const privateUrl = alice.storage.from("docs").getPublicUrl(`${ALICE}/signed.txt`).data.publicUrl
    expect((await fetch(privateUrl)).status).toBe(400)
  })

  it("manages buckets with the service role; users see only what RLS shows", async () => {
    const id = `b-${randomUUID().slice(0, 8)}`
    const created = await admin.storage.createBucket(id, {
      public: false,
      fileSizeLimit: "2MB",
      allowedMimeTypes: ["text/plain"],
    })
    expect(created.data).toEqual({ name: id })
    const got = await admin.storage.getBucket(id)
    expect(got.data).toMatchObject({
      id,
      public: false,
      file_size_limit: 2_000_000,
      allowed_mime_types: ["text/plain"],
    })
    expect((await admin.storage.createBucket(id)).error).toMatchObject({ statusCode: "409" })
    expect((await admin.storage.updateBucket(id, { public: true })).data).toEqual({
      message: "Successfully updated",
    })
    expect((await admin.storage.getBucket(id)).data!.public).toBe(true)
    await admin.storage.from(id).upload("a.txt", "a", { contentType: "text/plain" })
    expect((await admin.storage.deleteBucket(id)).error).toMatchObject({ statusCode: "409" })
    expect((await admin.storage.emptyBucket(id)).data).toEqual({ message: "Successfully emptied" })
    expect((await admin.storage.deleteBucket(id)).data).toEqual({ message: "Successfully deleted" })
    expect((await admin.storage.getBucket(id)).error).toMatchObject({ statusCode: "404" })

    const listed = await alice.storage.listBuckets()
    expect(listed.data!.map((bucket) => bucket.id).sort()).toEqual([
      "big",
      "docs",
      "open",
      "seeded",
    ])
    expect((await anon.storage.listBuckets()).data).toEqual([])
    expect((await alice.storage.createBucket("mine")).error).toMatchObject({ statusCode: "403" })
  })

  it("creates the buckets config.toml declares and uploads their objects_path", async () => {
    const bucket = await admin.storage.getBucket("seeded")
    expect(bucket.data).toMatchObject({
      public: true,
      file_size_limit: 1024 * 1024,
      allowed_mime_types: ["text/plain"],
    })
    const listed = await admin.storage.from("seeded").list("notes")
    expect(listed.data!.map((entry) => entry.name)).toEqual(["welcome.txt"])
    const { publicUrl } = admin.storage.from("seeded").getPublicUrl("notes/welcome.txt").data
    expect(await (await fetch(publicUrl)).text()).toBe("Seeded from objects_path.\n")
  })

  it("keeps the same bytes for concurrent upserts of one path, with no orphan files", async () => {
    const name = `${ALICE}/race.txt`
    const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i} `.repeat(200))
    const results = await Promise.all(
      bodies.map((body) =>
        alice.storage.from("docs").upload(name, body, { contentType: "text/plain", upsert: true })
      )
    )
    for (const result of results) expect(result.error).toBeNull()
    const final = await (await alice.storage.from("docs").download(name)).data!.text()
    expect(bodies).toContain(final)
    const info = await alice.storage.from("docs").info(name)
    expect(info.data!.etag).toBe(`"${createHash("md5").update(final).digest("hex")}"`)
    const { rows } = await stack.db.query<{ n: number }>(
      "select count(*)::int as n from storage.objects where version is not null"
    )
    expect(countFiles(storageDir)).toBe(rows[0]!.n)
  })

  it("upserts a large object while it is being downloaded: the reader gets the whole old version, and its bytes go after the reply", async () => {
    const big = alice.storage.from("big")
    const name = `${ALICE}/replaced.bin`
    const before = Buffer.alloc(12 * 1024 * 1024, "a")
    const after = Buffer.alloc(3 * 1024 * 1024, "b")
    const options = { contentType: "application/octet-stream", upsert: true }
    expect((await big.upload(name, before, options)).error).toBeNull()
    const oldVersion = (await big.info(name)).data!.version!
    const signed = await big.createSignedUrl(name, 60)
    const reading = await fetch(signed.data!.signedUrl)
    const reader = reading.body!.getReader()
    const first = await reader.read()

    expect((await big.upload(name, after, options)).error).toBeNull()
    const oldFile = path.join(storageDir, "big", oldVersion)
    await vi.waitFor(() => expect(existsSync(oldFile)).toBe(false))
    const chunks = [Buffer.from(first.value!)]
    for (let next = await reader.read(); !next.done; next = await reader.read())
      chunks.push(Buffer.from(next.value))
    expect(Buffer.concat(chunks).equals(before)).toBe(true)

    const now = await big.download(name)
    expect(Buffer.from(await now.data!.arrayBuffer()).equals(after)).toBe(true)
    const { rows } = await stack.db.query<{ n: number }>(
      "select count(*)::int as n from storage.objects where version is not null"
    )
    expect(countFiles(storageDir)).toBe(rows[0]!.n)
  })
})

function countFiles(root: string) {
  let count = 0
  for (const folder of readdirSync(root, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name.startsWith(".")) continue
    count += readdirSync(path.join(root, folder.name)).length
  }

  return count
}
