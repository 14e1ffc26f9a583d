import { accessToken, serviceClient } from "@lmx/supabase-local/testing/storage"
import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"

import { type Database } from "@/lib/database.types"
import { FIXTURES_SQL, ROWS, USERS } from "@/supabase/tests/ops-fixtures"

import { artifactDownload } from "./artifact-download"

// The run page's artifact download: the row through RLS, then a signed URL from Storage under
// the run-artifacts policy, for a member, a stranger, an expired and an unstored artifact.

vi.mock("server-only", () => ({}))

const P = ROWS.project
const STORED = "0f000000-0000-4000-8000-0000000000a1"
const EXPIRED = "0f000000-0000-4000-8000-0000000000a2"
const PATH = `${P}/${ROWS.run}/reports/coverage.txt`

describe(`run artifact downloads (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const as = async (user: string) =>
    createClient<Database>(stack.url, stack.keys.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: {
        headers: { Authorization: `Bearer ${await accessToken(stack, user)}` },
      },
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })

  beforeAll(async () => {
    stack = await startTestStack({ seedFiles: [] })
    await stack.db.exec(`
      ${FIXTURES_SQL}
      insert into ops.run_artifacts (id, run_id, project_id, key, size_bytes, sha256, storage_path, expires_at) values
        ('${STORED}', '${ROWS.run}', '${P}', 'reports/coverage.txt', 9, repeat('cd', 32), '${PATH}', now() + interval '1 day'),
        ('${EXPIRED}', '${ROWS.run}', '${P}', 'old.txt', 1, repeat('ef', 32), '${P}/${ROWS.run}/old.txt', now() - interval '1 day');
    `)
    const upload = await serviceClient(stack)
      .storage.from("run-artifacts")
      .upload(PATH, "coverage", { contentType: "text/plain" })
    expect(upload.error).toBeNull()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("hands a member a signed URL that downloads the file as an attachment", async () => {
    const download = await artifactDownload(await as(USERS.viewer), {
      runId: ROWS.run,
      artifactId: STORED,
    })
    if (!download.ok) throw new Error(download.reason)
    const response = await fetch(download.url)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("coverage")
    expect(response.headers.get("content-disposition")).toContain(
      "coverage.txt"
    )
  })

  it("answers 404 to a stranger, a wrong run, a malformed id and an unstored file; 410 when expired", async () => {
    const viewer = await as(USERS.viewer)
    expect(
      await artifactDownload(await as(USERS.stranger), {
        runId: ROWS.run,
        artifactId: STORED,
      })
    ).toMatchObject({ ok: false, status: 404 })
    expect(
      await artifactDownload(viewer, {
        runId: "0e000000-0000-4000-8000-0000000000ff",
        artifactId: STORED,
      })
    ).toMatchObject({ ok: false, status: 404 })
    expect(
      await artifactDownload(viewer, { runId: "x", artifactId: STORED })
    ).toMatchObject({ ok: false, status: 404 })
    // The fixture's own artifact has no storage_path: recorded, never uploaded.
    expect(
      await artifactDownload(viewer, {
        runId: ROWS.run,
        artifactId: ROWS.artifact,
      })
    ).toEqual({
      ok: false,
      status: 404,
      reason: "The worker did not upload this file.",
    })
    expect(
      await artifactDownload(viewer, { runId: ROWS.run, artifactId: EXPIRED })
    ).toMatchObject({ ok: false, status: 410 })
  })

  it("answers 404 when Storage no longer holds the file", async () => {
    await serviceClient(stack).storage.from("run-artifacts").remove([PATH])
    expect(
      await artifactDownload(await as(USERS.developer), {
        runId: ROWS.run,
        artifactId: STORED,
      })
    ).toMatchObject({ ok: false, status: 404 })
  })
})
