import { readdirSync } from "node:fs"
import path from "node:path"

import { accessToken, storageClient } from "@lmx/supabase-local/testing/storage"
import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { type SupabaseClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, FIXTURES_SQL, ROWS, USERS } from "./ops-fixtures"

// The project's buckets through supabase-js against the local stack: the same policies the
// RLS matrix checks (storage-rls.int.test.ts), now with real uploads, limits and devices.
const SESSION = "5e000000-0000-4000-8000-000000000001"
const RUNNING_RUN = "0e000000-0000-4000-8000-000000000002"
const P = ROWS.project
const MB = 1024 * 1024

describe(`the project's buckets through supabase.storage (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let storageDir: string
  let developer: SupabaseClient
  let viewer: SupabaseClient
  let stranger: SupabaseClient
  let devDevice: SupabaseClient
  let adminDevice: SupabaseClient

  beforeAll(async () => {
    const { mkdtempSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    storageDir = mkdtempSync(path.join(tmpdir(), "lmx-storage-buckets-"))
    stack = await startTestStack({ seedFiles: [], storageDir })
    await stack.db.exec(`
      ${FIXTURES_SQL}
      insert into ops.runs (id, project_id, workflow_id, status, requested_by, claimed_by, claimed_at,
        attempts, queued_at, started_at, lease_expires_at) values
        ('${RUNNING_RUN}', '${P}', '${ROWS.workflow}', 'running', '${USERS.developer}',
         '${DEVICES.developer}', now() - interval '1 minute', 1, now() - interval '2 minutes',
         now() - interval '1 minute', now() + interval '1 hour');
      insert into public.cloud_sessions (id, user_id, project_id, title) values
        ('${SESSION}', '${USERS.developer}', '${P}', 'Shared with the project');
    `)
    developer = storageClient(stack, await accessToken(stack, USERS.developer))
    viewer = storageClient(stack, await accessToken(stack, USERS.viewer))
    stranger = storageClient(stack, await accessToken(stack, USERS.stranger))
    devDevice = storageClient(
      stack,
      await accessToken(stack, USERS.developer, { device_id: DEVICES.developer })
    )
    adminDevice = storageClient(
      stack,
      await accessToken(stack, USERS.admin, { device_id: DEVICES.admin })
    )
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("chat-attachments: the owner writes, project members read, strangers get nothing", async () => {
    const name = `${USERS.developer}/${SESSION}/screenshot.png`
    const png = new Blob([Buffer.alloc(2048, 1)], { type: "image/png" })
    expect((await devDevice.storage.from("chat-attachments").upload(name, png)).error).toBeNull()
    const asViewer = await viewer.storage.from("chat-attachments").download(name)
    expect(asViewer.error).toBeNull()
    expect((await asViewer.data!.arrayBuffer()).byteLength).toBe(2048)
    expect((await stranger.storage.from("chat-attachments").download(name)).data).toBeNull()
    const signed = await viewer.storage.from("chat-attachments").createSignedUrl(name, 60)
    expect((await fetch(signed.data!.signedUrl)).status).toBe(200)
    const overwrite = await viewer.storage
      .from("chat-attachments")
      .upload(name, "mine now", { contentType: "text/plain", upsert: true })
    expect(overwrite.error).not.toBeNull()
  })

  it("chat-attachments: refuses a type or a size the bucket does not take (415, 413)", async () => {
    const folder = `${USERS.developer}/${SESSION}`
    const zip = await developer.storage
      .from("chat-attachments")
      .upload(`${folder}/a.zip`, "PK", { contentType: "application/zip" })
    expect(zip.error).toMatchObject({ statusCode: "415" })
    // 60 MB to a 50 MB bucket: refused from its declared length, before a byte is stored.
    const huge = await developer.storage
      .from("chat-attachments")
      .upload(`${folder}/huge.txt`, Buffer.alloc(60 * MB, "a"), { contentType: "text/plain" })
    expect(huge.error).toMatchObject({ statusCode: "413" })
    expect(readdirSync(path.join(storageDir, ".tmp"))).toEqual([])
    expect(
      (await developer.storage.from("chat-attachments").exists(`${folder}/huge.txt`)).data
    ).toBe(false)
  })

  it("run-artifacts: only the device holding the lease writes; members read; admins remove", async () => {
    const name = `${P}/${RUNNING_RUN}/build.log`
    const denied = await developer.storage
      .from("run-artifacts")
      .upload(name, "from the browser", { contentType: "text/plain" })
    expect(denied.error).toMatchObject({ statusCode: "403" })
    const otherDevice = await adminDevice.storage
      .from("run-artifacts")
      .upload(name, "not my run", { contentType: "text/plain" })
    expect(otherDevice.error).toMatchObject({ statusCode: "403" })
    const held = await devDevice.storage
      .from("run-artifacts")
      .upload(name, "step 1 ok\n", { contentType: "text/plain" })
    expect(held.error).toBeNull()
    expect(await (await viewer.storage.from("run-artifacts").download(name)).data!.text()).toBe(
      "step 1 ok\n"
    )
    expect((await stranger.storage.from("run-artifacts").download(name)).data).toBeNull()
    const late = await devDevice.storage
      .from("run-artifacts")
      .upload(`${P}/${ROWS.run}/late.log`, "after the lease", { contentType: "text/plain" })
    expect(late.error).toMatchObject({ statusCode: "403" })
    expect((await viewer.storage.from("run-artifacts").remove([name])).data).toEqual([])
    const admin = storageClient(stack, await accessToken(stack, USERS.admin))
    expect((await admin.storage.from("run-artifacts").remove([name])).data).toHaveLength(1)
  })
})
