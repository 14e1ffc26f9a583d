import { tokenClient, userToken } from "@lmx/supabase-local/testing/rest-conformance"
import { startTestStack, TEST_ENGINE, type TestStack } from "@lmx/supabase-local/testing/test-stack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { DEVICES, emailOf, FIXTURES_SQL, ROWS, USERS } from "./ops-fixtures"

// The ops paths the app and the device API really take, through supabase-js and the local
// stack's REST API: signed-in users reading and queueing, a device token working a run, and
// the HTTP statuses the functions' errors become.
describe(`ops through the REST API (${TEST_ENGINE})`, () => {
  let stack: TestStack

  beforeAll(async () => {
    stack = await startTestStack({ seedFiles: [] })
    await stack.db.exec(FIXTURES_SQL)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  async function user(name: keyof typeof USERS) {
    return tokenClient(stack, await userToken(stack, USERS[name], { email: emailOf(name) }), "ops")
  }

  // Minted the way the device API mints them: HS256 with the project's JWT secret.
  async function device(owner: keyof typeof USERS, deviceId: string) {
    const now = Math.floor(Date.now() / 1000)
    const token = await stack.keys.signWithSecret({
      sub: USERS[owner],
      role: "authenticated",
      aud: "authenticated",
      device_id: deviceId,
      iat: now,
      exp: now + 300,
    })

    return tokenClient(stack, token, "ops")
  }

  it("shows a project's runs to its members and nothing to others", async () => {
    const viewer = await user("viewer")
    const stranger = await user("stranger")
    const seen = await viewer.from("runs").select("id, status").eq("project_id", ROWS.project)
    expect(seen.error).toBeNull()
    expect(seen.data).toEqual([{ id: ROWS.run, status: "succeeded" }])
    const hidden = await stranger.from("runs").select("id").eq("project_id", ROWS.project)
    expect(hidden.data).toEqual([])
  })

  it("queues, claims, logs and completes a run; refuses a viewer and a late worker with their statuses", async () => {
    const developer = await user("developer")
    const queued = await developer
      .rpc("queue_run", { p_workflow_id: ROWS.workflow })
      .single<{ id: string; status: string }>()
    expect(queued.error).toBeNull()
    expect(queued.data?.status).toBe("queued")
    const runId = queued.data!.id

    const viewer = await user("viewer")
    const denied = await viewer.rpc("queue_run", { p_workflow_id: ROWS.workflow })
    expect(denied.status).toBe(403)
    expect(denied.error?.message).toBe(
      "Only developers, admins and owners can queue, cancel or re-run runs"
    )

    const position = await viewer
      .rpc("list_queued_runs", { p_project_id: ROWS.project })
      .select("run_id, queue_position")
    expect(position.data).toEqual([{ run_id: runId, queue_position: 1 }])

    const worker = await device("developer", DEVICES.developer)
    const claimed = await worker.rpc("claim_next_run", { p_lease_seconds: 60 }).select("id, status")
    expect(claimed.data).toEqual([{ id: runId, status: "claimed" }])
    expect((await worker.rpc("start_workflow_run", { p_run_id: runId })).error).toBeNull()
    const logged = await worker.rpc("append_run_log", {
      p_run_id: runId,
      p_lines: ["\u001b[1m$ npm ci\u001b[0m", { line: "compiled 12 modules", stream: "stdout" }],
    })
    expect(logged.data).toEqual([{ first_line_no: 1, last_line_no: 2 }])
    const done = await worker
      .rpc("complete_workflow_run", { p_run_id: runId, p_status: "succeeded", p_exit_code: 0 })
      .select("status")
    expect(done.data).toEqual({ status: "succeeded" })

    const late = await worker.rpc("heartbeat_run_lease", { p_run_id: runId })
    expect(late.status).toBe(409)
    expect(late.error?.code).toBe("PT409")

    const lines = await viewer
      .from("run_logs")
      .select("line_no, line")
      .eq("run_id", runId)
      .textSearch("search", "compiled", { config: "simple" })
    expect(lines.data).toEqual([{ line_no: 2, line: "compiled 12 modules" }])
  })

  it("refuses a revoked device and answers unknown runs with 404", async () => {
    const revoked = await device("owner", DEVICES.ownerRevoked)
    const refused = await revoked.rpc("claim_next_run")
    expect(refused.status).toBe(403)

    const developer = await user("developer")
    const missing = await developer.rpc("cancel_run", {
      p_run_id: "00000000-0000-4000-8000-00000000dead",
    })
    expect(missing.status).toBe(404)
    expect(missing.error?.message).toBe("No such run or workflow")
  })

  it("lets an admin invite and the invitee accept with their own session", async () => {
    const admin = await user("admin")
    const invited = await admin
      .rpc("invite_member", {
        p_project_id: ROWS.project,
        p_email: emailOf("newcomer"),
        p_role: "viewer",
      })
      .single<{ token: string }>()
    expect(invited.error).toBeNull()

    const newcomer = await user("newcomer")
    const accepted = await newcomer.rpc("accept_invitation", { p_token: invited.data!.token })
    expect(accepted.data).toBe(ROWS.project)
    const projects = await newcomer.from("projects").select("id")
    expect(projects.data).toEqual([{ id: ROWS.project }])
  })
})
