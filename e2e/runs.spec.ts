import { expect, test, type Browser } from "@playwright/test"
import { createClient } from "@supabase/supabase-js"
import { SignJWT } from "jose"
import WebSocket from "ws"

import { type Database } from "../lib/database.types"
import { devicePairStartResponseSchema } from "../lib/devices/schema"
import { readStackState } from "./fixtures/auth"
import { deviceApi } from "./fixtures/devices"
import {
  createConfirmedUser,
  sessionCookiesFor,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

// The runs pages (docs/runs.md) against the local stack. The test plays the worker itself,
// through the queue's device RPCs with a device JWT, as the device agent's worker does, for
// what a real worker cannot stage exactly (a run waiting in the queue with its place, a
// failing step's exit code and duration); e2e/runs-worker.spec.ts runs a real
// `npm run device -- worker`.

const HOSTILE = `Deploy <img src=x onerror="alert(1)"> ${"y".repeat(60)}`

/** A device's JWT, as the device API mints it (lib/supabase/device.ts). */
async function deviceJwt(userId: string, deviceId: string) {
  const now = Math.floor(Date.now() / 1000)

  return new SignJWT({ role: "authenticated", device_id: deviceId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setAudience("authenticated")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(readStackState().jwtSecret))
}

function clientWithToken(token: string) {
  const stack = readStackState()

  return createClient<Database>(stack.url, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: {
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
    },
    global: { headers: { Authorization: `Bearer ${token}` } },
  })
}

async function setUp() {
  const developer = await createConfirmedUser("runs-developer")
  const supabase = await userClient(developer.email, developer.password)
  const project = await supabase
    .schema("ops")
    .rpc("create_project", { p_name: "Runs E2E" })
  expect(project.error).toBeNull()
  const projectId = (project.data as { id: string }).id
  const workflow = await supabase
    .schema("ops")
    .from("workflows")
    .insert({
      project_id: projectId,
      name: HOSTILE,
      kind: "deploy",
      created_by: developer.id!,
      definition: {
        version: 1,
        inputs: { target: { type: "string", default: "production" } },
        steps: [{ name: "Build", run: "make" }],
      },
    })
    .select("id")
    .single()
  expect(workflow.error).toBeNull()

  // A paired device of the developer's, online and with the job helper on.
  const started = await deviceApi("pair", { name: "E2E Worker" })
  expect(started.status).toBe(200)
  const approved = await supabase.rpc("pairing_approve", {
    user_code: devicePairStartResponseSchema.parse(started.json).user_code,
  })
  expect(approved.error).toBeNull()
  const deviceId = String(approved.data)
  const token = await deviceApi("pair/token", {
    device_code: started.json.device_code,
  })
  expect(token.status).toBe(200)
  expect(
    (await deviceApi("heartbeat", {}, String(token.json.access_token))).status
  ).toBe(200)
  const helper = await supabase
    .from("devices")
    .update({ helper_enabled: true })
    .eq("id", deviceId)
  expect(helper.error).toBeNull()
  // …and the project chosen on its page: without it the claim guard skips the project's runs
  // and the device is no worker for it (docs/workflows.md).
  const enabled = await supabase
    .from("device_run_projects")
    .insert({ device_id: deviceId, project_id: projectId })
  expect(enabled.error).toBeNull()
  const worker = clientWithToken(await deviceJwt(developer.id!, deviceId))

  return {
    developer,
    supabase,
    projectId,
    workflowId: workflow.data!.id,
    worker,
  }
}

async function pageAs(browser: Browser, email: string, password: string) {
  const context = await browser.newContext()
  await context.addCookies(await sessionCookiesFor(email, password))

  return context.newPage()
}

test("[runs] a developer queues a run and watches its log stream in, searches it, and cancels another; a viewer cannot", async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000)
  const { developer, supabase, projectId, workflowId, worker } = await setUp()
  const page = await pageAs(browser, developer.email, developer.password)

  // Queue a run from the page: the form is generated from the workflow's inputs.
  await page.goto("/runs")
  await expect(page.getByRole("heading", { name: "No runs yet" })).toBeVisible()
  await page.getByRole("button", { name: "Run workflow" }).click()
  const dialog = page.getByRole("dialog")
  await expect(dialog.getByLabel("target")).toHaveValue("production")
  await dialog.getByLabel("target").fill("staging")
  await dialog.getByLabel("Priority").fill("3")
  await dialog.getByRole("button", { name: "Queue run" }).click()
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/)
  const runId = page.url().split("/").pop()!
  await expect(page.getByTestId("queue-text")).toContainText(
    "1st in queue · 1 worker online for this project · waiting"
  )
  await expect(page.getByText("staging")).toBeVisible()
  await expect(page.getByText("Waiting for the first line…")).toBeVisible()

  // The worker claims it and streams its log; the open page shows it live.
  const claimed = await worker
    .schema("ops")
    .rpc("claim_next_run", { p_project_id: projectId })
  expect(claimed.error).toBeNull()
  expect(claimed.data?.[0]?.id).toBe(runId)
  expect(
    (await worker.schema("ops").rpc("start_workflow_run", { p_run_id: runId }))
      .error
  ).toBeNull()
  const append = async (lines: unknown[]) => {
    const { error } = await worker
      .schema("ops")
      .rpc("append_run_log", { p_run_id: runId, p_lines: lines as never })
    expect(error).toBeNull()
  }
  await append([
    { stream: "system", line: "::group::Build" },
    "\u001b[32mcompiled\u001b[0m 214 modules",
    {
      stream: "stderr",
      line: '\u001b[31merror\u001b[0m: <img src=x onerror="alert(1)"> needle',
    },
  ])
  const log = page.getByTestId("run-log")
  await expect(log.getByRole("button", { name: /Build/ })).toBeVisible()
  await expect(log.getByText("compiled")).toHaveClass(/emerald/)
  await expect(log.getByText("error", { exact: true })).toHaveClass(/red/)
  // Markup in a line is text: no image element was made from it.
  await expect(log.getByText(/<img src=x onerror/)).toBeVisible()
  await expect(page.locator("img[src='x']")).toHaveCount(0)

  await append(
    Array.from({ length: 60 }, (_, index) => `step output ${index + 1}`)
  )
  // Following the log: the newest line is in view while the step is being written.
  await expect(log.getByText("step output 60")).toBeVisible()
  await append([{ stream: "system", line: "::endgroup::" }])
  expect(
    (
      await worker.schema("ops").rpc("append_run_event", {
        p_run_id: runId,
        p_kind: "step.finished",
        p_message: "Build",
        p_data: {
          index: 0,
          name: "Build",
          exit_code: 2,
          duration_ms: 1500,
          timed_out: false,
          canceled: false,
        },
      })
    ).error
  ).toBeNull()
  expect(
    (
      await worker.schema("ops").rpc("complete_workflow_run", {
        p_run_id: runId,
        p_status: "failed",
        p_exit_code: 2,
        p_error: 'Step "Build" exited with code 2',
      })
    ).error
  ).toBeNull()
  await expect(page.getByRole("region", { name: "Run" })).toContainText(
    "Failed"
  )
  // The failing step stays open, in red, with its exit code and duration.
  const build = log.getByRole("button", { name: /Build/ })
  await expect(build).toHaveAttribute("aria-expanded", "true")
  await expect(build).toContainText("exit 2")
  await expect(build).toContainText("1.5 s")

  // Search the log: server-side, with the match count and next/previous.
  await page.getByLabel("Search the log").fill("needle")
  await expect(page.getByText("1 of 1")).toBeVisible()
  await page.getByLabel("Search the log").fill("step output")
  await expect(page.getByText("1 of 60")).toBeVisible()
  await page.getByRole("button", { name: "Next match" }).click()
  await expect(page.getByText("2 of 60")).toBeVisible()
  await snap(page, testInfo, "run log")

  // The raw log downloads as text.
  const raw = await page.request.get(`/runs/${runId}/raw`)
  expect(raw.status()).toBe(200)
  expect(await raw.text()).toContain('error: <img src=x onerror="alert(1)">')

  // Cancel a second run from its page.
  const second = await supabase
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: workflowId })
  expect(second.error).toBeNull()
  await page.goto(`/runs/${second.data!.id}`)
  await page.getByRole("button", { name: "Cancel run" }).click()
  await page
    .getByRole("alertdialog")
    .getByRole("button", { name: "Cancel run" })
    .click()
  await expect(page.getByRole("region", { name: "Run" })).toContainText(
    "Canceled"
  )
  await page.goto("/runs")
  await expect(
    page.getByRole("table").locator(`[data-run-id="${second.data!.id}"]`)
  ).toContainText("Canceled")

  // A viewer of the project sees the buttons disabled, with the reason.
  const viewer = await createConfirmedUser("runs-viewer")
  const stack = readStackState()
  const admin = createClient<Database>(stack.url, stack.serviceRoleKey, {
    auth: { persistSession: false },
    realtime: {
      transport: WebSocket as unknown as typeof globalThis.WebSocket,
    },
  })
  const membership = await admin
    .schema("ops")
    .from("project_memberships")
    .insert({ project_id: projectId, user_id: viewer.id!, role: "viewer" })
  expect(membership.error).toBeNull()
  const third = await supabase
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: workflowId })
  const viewerPage = await pageAs(browser, viewer.email, viewer.password)
  await viewerPage.goto("/runs")
  await expect(
    viewerPage.getByRole("button", { name: "Run workflow" })
  ).toBeDisabled()
  await expect(
    viewerPage.getByText("Viewers cannot start or cancel runs").first()
  ).toBeVisible()
  await viewerPage.goto(`/runs/${third.data!.id}`)
  await expect(
    viewerPage.getByRole("button", { name: "Cancel run" })
  ).toBeDisabled()
  await viewerPage.goto(`/runs/${runId}`)
  await expect(
    viewerPage.getByRole("button", { name: "Re-run" })
  ).toBeDisabled()
  // The queue agrees: the RPC refuses the viewer too.
  const refused = await (
    await userClient(viewer.email, viewer.password)
  )
    .schema("ops")
    .rpc("cancel_run", { p_run_id: third.data!.id })
  expect(refused.error?.code).toBe("42501")

  // On a phone, the long hostile workflow name never widens the page.
  for (const target of [page, viewerPage]) {
    await target.setViewportSize({ width: 390, height: 844 })
    for (const path of ["/runs", `/runs/${runId}`]) {
      await target.goto(path)
      await expect(
        target
          .locator("main a:visible, main h1:visible")
          .filter({ hasText: /Deploy <img/ })
          .first()
      ).toBeVisible()
      const overflow = await target.evaluate(
        () =>
          document.documentElement.scrollWidth -
          document.documentElement.clientWidth
      )
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0)
    }
  }
  await snap(page, testInfo, "run on a phone")

  // Every step folded: the log's box is as tall as its rows, not an empty 65% of the screen.
  const phoneLog = page.getByTestId("run-log")
  const folded = phoneLog.getByRole("button", { name: /Build/ })
  await folded.click()
  await expect(folded).toHaveAttribute("aria-expanded", "false")
  await expect(phoneLog.getByText("step output 60")).toBeHidden()
  const fit = await phoneLog.evaluate((box) => ({
    box: box.clientHeight,
    rows: box.firstElementChild?.getBoundingClientRect().height ?? 0,
    screen: window.innerHeight,
  }))
  expect(fit.rows).toBeGreaterThan(0)
  expect(
    fit.box - fit.rows,
    "empty space under the folded log"
  ).toBeLessThanOrEqual(1)
  expect(fit.box).toBeLessThan(fit.screen * 0.3)
  await snap(page, testInfo, "run on a phone, steps folded")
})

test("[runs] a run that is not in the user's projects is not found", async ({
  browser,
}) => {
  const { supabase, workflowId } = await setUp()
  const queued = await supabase
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: workflowId })
  const stranger = await createConfirmedUser("runs-stranger")
  const page = await pageAs(browser, stranger.email, stranger.password)
  // A real 404 status, not a streamed 200: no loading boundary sits above the run page.
  expect((await page.goto(`/runs/${queued.data!.id}`))?.status()).toBe(404)
  await expect(page.getByText("Page not found")).toBeVisible()
  expect(
    (await page.request.get(`/runs/${queued.data!.id}/raw`)).status()
  ).toBe(404)
  expect((await page.goto("/runs/not-a-run"))?.status()).toBe(404)
  await expect(page.getByText("Page not found")).toBeVisible()
})
