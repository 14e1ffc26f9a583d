import { createHash } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import os from "node:os"
import path from "node:path"

import {
  expect as baseExpect,
  test,
  type Browser,
  type Page,
} from "@playwright/test"
import { createClient } from "@supabase/supabase-js"
import WebSocket from "ws"

import { type Database } from "../lib/database.types"
import { readStackState } from "./fixtures/auth"
import {
  startAgent,
  startAgentPair,
  tempDeviceConfig,
} from "./fixtures/devices"
import {
  createConfirmedUser,
  sessionCookiesFor,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

// Runs with a real worker (issues #12 and #15): a developer pairs a machine with
// `npm run device -- pair`, lets it run jobs for a project on its page, and this spec starts
// `npm run device -- worker` on it as a child process. Everything after that goes through the
// product: the browser queues and cancels, the worker claims over Realtime, runs shell steps,
// streams their output, uploads an artifact to Storage, and stops a canceled step with SIGTERM.
// e2e/runs.spec.ts keeps the cases a real process cannot stage exactly (the queue position of
// a waiting run, a failing group's exact duration, runs outside one's projects).

// A real agent process (tsx), its step processes and the production app share a loaded
// machine here: pages and the worker get longer than the suite's 10 s to show each state.
const expect = baseExpect.configure({ timeout: 30_000 })

const PROJECT = "Runs Worker E2E"
const DEVICE = "E2E Runner"
const BUILD = "Build and package"
const SOAK = "Long soak"

// Files the worker's steps and this spec share, named through the worker's environment (a
// step sees the device's environment: docs/workflows.md, "The worker").
const shared = mkdtempSync(path.join(os.tmpdir(), "lmx-e2e-runs-"))
const GATE = path.join(shared, "gate")
const SECOND_GATE = path.join(shared, "second-gate")
const KEPT = path.join(shared, "kept")
const DATA_DIR = path.join(shared, "worker-data")

const BUILD_DEFINITION = {
  version: 1,
  inputs: { target: { type: "string", default: "production" } },
  steps: [
    {
      name: "Build",
      // Coloured output on both streams and markup that must stay text; then, at the spec's
      // gates, more output written while the run page is open (a step's group folds once
      // it ends, so the step waits again before ending).
      run: [
        `printf '\\033[32mcompiled\\033[0m for %s\\n' "$INPUT_TARGET"`,
        `printf '\\033[31merror\\033[0m: <img src=x onerror=alert(1)> needle\\n' >&2`,
        `echo "waiting for the gate"`,
        `while [ ! -e "$E2E_RUNS_GATE" ]; do sleep 0.1; done`,
        `echo '::group::Unit tests'`,
        `echo '3 suites'`,
        `echo '::endgroup::'`,
        `i=1; while [ $i -le 40 ]; do echo "test $i passed needle"; i=$((i+1)); done`,
        `echo "waiting for the second gate"`,
        `while [ ! -e "$E2E_RUNS_SECOND_GATE" ]; do sleep 0.1; done`,
      ].join("\n"),
      timeout_seconds: 300,
    },
    {
      name: "Package",
      // Random bytes, so only the very file can match; a copy is kept for the spec.
      run: [
        "mkdir -p dist",
        "head -c 200000 /dev/urandom > dist/bundle.bin",
        `cp dist/bundle.bin "$E2E_RUNS_KEPT/$LMX_RUN_ID.bin"`,
        "sha256sum dist/bundle.bin",
      ].join("\n"),
    },
    {
      name: "Keep bundle",
      uses: "upload-artifact",
      with: { path: "dist/*.bin" },
    },
  ],
}

const SOAK_DEFINITION = {
  version: 1,
  steps: [
    {
      name: "Soak",
      run: [
        `trap 'echo "SIGTERM received, cleaning up"; exit 143' TERM`,
        // More lines than the log's window shows, so the reader can scroll away from the end.
        `i=1; while [ $i -le 150 ]; do echo "soak line $i"; i=$((i+1)); done`,
        "echo pid $$",
        "echo soaking",
        "while true; do sleep 0.2; done",
      ].join("\n"),
      timeout_seconds: 600,
    },
  ],
}

function sha256(bytes: Buffer) {
  return createHash("sha256").update(bytes).digest("hex")
}

async function signedInPage(browser: Browser, email: string, password: string) {
  const context = await browser.newContext()
  await context.addCookies(await sessionCookiesFor(email, password))

  return context.newPage()
}

async function expectNoSidewaysScroll(page: Page, what: string) {
  const overflow = await page.evaluate(
    () =>
      document.documentElement.scrollWidth -
      document.documentElement.clientWidth
  )
  expect(overflow, `${what} scrolls sideways`).toBeLessThanOrEqual(0)
}

test.describe("runs with a real worker", () => {
  test.describe.configure({ mode: "serial" })

  let developer: Awaited<ReturnType<typeof createConfirmedUser>>
  let projectId: string
  let deviceId: string
  let config: ReturnType<typeof tempDeviceConfig>
  let worker: ReturnType<typeof startAgent> | undefined
  let page: Page
  let builtRunId: string

  test.beforeAll(async ({ browser }) => {
    // Pairing and the agent's first start (tsx) are slow on a loaded machine.
    test.setTimeout(240_000)
    mkdirSync(KEPT)
    developer = await createConfirmedUser("runs-worker-developer")
    const supabase = await userClient(developer.email, developer.password)
    const project = await supabase
      .schema("ops")
      .rpc("create_project", { p_name: PROJECT })
    expect(project.error).toBeNull()
    projectId = (project.data as { id: string }).id
    for (const [name, kind, definition] of [
      [BUILD, "build", BUILD_DEFINITION],
      [SOAK, "custom", SOAK_DEFINITION],
    ] as const) {
      const workflow = await supabase.schema("ops").from("workflows").insert({
        project_id: projectId,
        name,
        kind,
        created_by: developer.id!,
        definition,
      })
      expect(workflow.error).toBeNull()
    }

    page = await signedInPage(browser, developer.email, developer.password)

    // Pair a machine as a person does: the agent prints a link, the developer approves it.
    config = tempDeviceConfig()
    const pairing = await startAgentPair(config.path, DEVICE)
    const pairPage = await page.context().newPage()
    await pairPage.goto(pairing.link)
    await pairPage.getByRole("button", { name: "Approve and pair" }).click()
    await expect(
      pairPage.getByRole("heading", { name: "Device approved" })
    ).toBeVisible()
    await pairPage.close()
    await expect
      .poll(() => pairing.output().stdout, { timeout: 60_000 })
      .toContain(`heartbeat accepted for "${DEVICE}"`)
    pairing.stop()
    await pairing.done
    deviceId = (
      JSON.parse(readFileSync(config.path, "utf8")) as { device_id: string }
    ).device_id

    // On the device's page: let it run jobs, two at a time, for the project.
    await page.goto(`/devices/${deviceId}`)
    await expect(page.getByText("Never started")).toBeVisible()
    await page.getByRole("button", { name: "Edit settings" }).click()
    const settings = page.getByRole("dialog", { name: "Device settings" })
    await settings.getByLabel("Let this device run workflow jobs").check()
    await settings.getByLabel("Jobs at a time").fill("2")
    await settings.getByLabel(PROJECT, { exact: true }).check()
    await settings.getByRole("button", { name: "Save settings" }).click()
    await expect(settings).toBeHidden()

    // Start the worker, and wait until it listens on Realtime (so a queued run wakes it).
    worker = startAgent(["worker", "--data-dir", DATA_DIR], {
      configPath: config.path,
      env: {
        E2E_RUNS_GATE: GATE,
        E2E_RUNS_SECOND_GATE: SECOND_GATE,
        E2E_RUNS_KEPT: KEPT,
      },
    })
    const says = () => worker!.output().stdout
    await Promise.race([
      expect
        .poll(says, { timeout: 120_000 })
        .toContain("Listening for queued runs and cancels (Realtime)."),
      worker.done.then((run) => {
        throw new Error(`the worker exited:\n${run.stdout}\n${run.stderr}`)
      }),
    ])
    expect(says()).toContain(
      "Worker started: 1 project, up to 2 runs at a time."
    )
  })

  test.afterAll(async () => {
    // Already stopped by the last test, unless it failed first.
    worker?.stop()
    const exited = await worker?.done
    // Printed for a failing run's report: what the worker said.
    if (exited)
      console.log(`worker output:\n${exited.stdout}\n${exited.stderr}`)
    config?.dispose()
    rmSync(shared, { recursive: true, force: true })
  })

  test("[runs] a developer queues a run, the worker claims it, its log streams in with colours and groups, and its artifact downloads with the right sha256", async ({}, testInfo) => {
    test.setTimeout(180_000)
    const pageErrors: Error[] = []
    page.on("pageerror", (error) => pageErrors.push(error))

    await page.goto("/runs")
    await page.getByRole("button", { name: "Run workflow" }).click()
    const dialog = page.getByRole("dialog")
    await dialog
      .getByLabel("Workflow")
      .selectOption({ label: `${PROJECT} / ${BUILD}` })
    await expect(dialog.getByLabel("target")).toHaveValue("production")
    await dialog.getByLabel("target").fill("staging")
    await dialog.getByRole("button", { name: "Queue run" }).click()
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/)
    builtRunId = page.url().split("/").pop()!

    // The worker claims it and runs the first step, which waits for the gate.
    const run = page.getByRole("region", { name: "Run" })
    const log = page.getByTestId("run-log")
    await expect(run).toContainText("Running")
    await expect(run.getByRole("link", { name: DEVICE })).toBeVisible()
    await expect(log.getByText("waiting for the gate")).toBeVisible()
    await expect(log.getByText("compiled")).toHaveClass(/emerald/)
    await expect(log.getByText("error", { exact: true })).toHaveClass(/red/)
    // Markup written by a step is text: no element was made from it.
    await expect(log.getByText(/<img src=x onerror/)).toBeVisible()
    await expect(page.locator("img[src='x']")).toHaveCount(0)
    expect(worker!.output().stdout).toContain(`Claimed run ${builtRunId}`)

    // The rest is written while the page is open, and arrives without a reload.
    await page.evaluate(() => Object.assign(window, { __lmxNoReload: true }))
    writeFileSync(GATE, "go")
    // Following the log: the newest line is in view while the step writes.
    await expect(log.getByText("waiting for the second gate")).toBeVisible()
    await expect(log.getByText("test 40 passed needle")).toBeVisible()
    // The step's own ::group:: is a nested group, folded once it ended; it opens on a click.
    // (It is near the top, scrolled out of the virtualised window while following.)
    await log.evaluate((element) => element.scrollTo({ top: 0 }))
    const unitTests = log.getByRole("button", { name: /Unit tests/ })
    await expect(unitTests).toHaveAttribute("aria-expanded", "false")
    await unitTests.click()
    await expect(log.getByText("3 suites")).toBeVisible()
    await expect(log.getByRole("button", { name: /^Build/ })).toHaveAttribute(
      "aria-expanded",
      "true"
    )
    writeFileSync(SECOND_GATE, "go")
    await expect(run).toContainText("Succeeded", { timeout: 60_000 })
    // Each step is a group with its duration, folded now that it succeeded.
    for (const step of ["Build", "Package", "Keep bundle"]) {
      const group = log.getByRole("button", { name: new RegExp(`^${step}`) })
      await expect(group).toHaveAttribute("aria-expanded", "false")
      await expect(group).toContainText(/\d+\.\d s$|\d+ s$|\d+ m/)
    }
    expect(
      await page.evaluate(
        () => (window as { __lmxNoReload?: boolean }).__lmxNoReload
      )
    ).toBe(true)

    // Search the log: the match count, next and previous.
    const search = page.getByLabel("Search the log")
    await search.fill("needle")
    const count = page.getByRole("search").getByRole("status")
    await expect(count).toHaveText("1 of 41")
    await page.getByRole("button", { name: "Next match" }).click()
    await expect(count).toHaveText("2 of 41")
    await page.getByRole("button", { name: "Next match" }).click()
    await expect(count).toHaveText("3 of 41")
    await page.getByRole("button", { name: "Previous match" }).click()
    await expect(count).toHaveText("2 of 41")
    await search.fill("no such words here")
    await expect(count).toHaveText("No matches")
    await search.fill("")

    // The artifact the Package step made: listed with its size and sha256, and downloaded
    // (from Storage, through a signed URL) with exactly the bytes the step wrote.
    const artifacts = page.getByRole("region", { name: "Artifacts" })
    await expect(artifacts).toContainText("dist/bundle.bin")
    await expect(artifacts).toContainText("195 KB")
    const shown = /sha256 ([0-9a-f]{64})/.exec(
      (await artifacts.getByText(/^sha256 /).textContent()) ?? ""
    )?.[1]
    const kept = readFileSync(path.join(KEPT, `${builtRunId}.bin`))
    expect(kept.length).toBe(200_000)
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      artifacts.getByRole("link", { name: "Download dist/bundle.bin" }).click(),
    ])
    expect(download.suggestedFilename()).toBe("bundle.bin")
    const downloaded = readFileSync((await download.path())!)
    expect(sha256(downloaded)).toBe(sha256(kept))
    expect(shown).toBe(sha256(kept))
    // …and the step's own sha256sum agrees: found by searching the log for the hash, which
    // opens the folded Package group at the line.
    await search.fill(sha256(kept))
    // Twice: the step's sha256sum line, and the upload step's line for the artifact.
    await expect(count).toHaveText("1 of 2")
    await expect(
      log.getByText(`${sha256(kept)}  dist/bundle.bin`)
    ).toBeVisible()

    // The run's folder on the device is gone once it ended.
    expect(existsSync(path.join(DATA_DIR, "runs", builtRunId))).toBe(false)
    await snap(page, testInfo, "run with a real worker")

    // A line permalink opens its folded group and marks the line.
    await page.goto(`/runs/${builtRunId}#L4`)
    const permalinked = page.getByTestId("run-log").locator('[data-line="4"]')
    await expect(permalinked).toBeVisible()
    await expect(permalinked).toHaveClass(/ring-1/)

    // Re-run with the same inputs: a new run, which the worker takes and finishes (the
    // gates are open now).
    await page.getByRole("button", { name: "Re-run", exact: true }).click()
    await expect(page).not.toHaveURL(new RegExp(builtRunId))
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/)
    const again = page.getByRole("region", { name: "Run" })
    await expect(again).toContainText("Succeeded", { timeout: 60_000 })
    await expect(again).toContainText("staging")
    expect(pageErrors).toEqual([])
  })

  test("[runs] a developer cancels a long run: the worker hears it and stops the step with SIGTERM; a viewer can neither start nor cancel", async ({
    browser,
  }, testInfo) => {
    test.setTimeout(180_000)
    await page.goto("/runs")
    await page.getByRole("button", { name: "Run workflow" }).click()
    const dialog = page.getByRole("dialog")
    await dialog
      .getByLabel("Workflow")
      .selectOption({ label: `${PROJECT} / ${SOAK}` })
    await dialog.getByRole("button", { name: "Queue run" }).click()
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/)
    const soakId = page.url().split("/").pop()!
    const run = page.getByRole("region", { name: "Run" })
    const log = page.getByTestId("run-log")
    await expect(log.getByText("soaking")).toBeVisible()
    await expect(run).toContainText("Running")
    // The worker keeps its device online (minutes after the pairing agent's last heartbeat).
    await expect(run.getByText("online", { exact: true })).toBeVisible()

    // Follow mode pauses when the reader scrolls up, and a button resumes it.
    const follow = page.getByRole("button", { name: "Follow the log" })
    await expect(follow).toHaveCount(0)
    await log.evaluate((element) => element.scrollTo({ top: 0 }))
    await expect(log.getByText("soak line 1", { exact: true })).toBeVisible()
    await expect(follow).toBeVisible()
    await follow.click()
    await expect(log.getByText("soaking")).toBeVisible()
    await expect(follow).toHaveCount(0)
    // Per-line timestamps, since the run's start.
    await page.getByLabel("Timestamps").selectOption("since")
    await expect(log.getByText(/^\+\d+:\d\d\.\d{3}$/).first()).toBeVisible()

    // The device's page shows the worker at work on it.
    const devicePage = await page.context().newPage()
    await devicePage.goto(`/devices/${deviceId}`)
    await expect(devicePage.getByText("Running 1 run")).toBeVisible()
    await expect(
      devicePage.getByRole("link", { name: new RegExp(SOAK) })
    ).toHaveAttribute("href", `/runs/${soakId}`)
    await expect(devicePage.getByText(PROJECT).first()).toBeVisible()
    await snap(devicePage, testInfo, "device page, worker running")
    await devicePage.close()

    // A viewer of the project: the buttons are there, disabled, with the reason.
    const viewer = await createConfirmedUser("runs-worker-viewer")
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
    const viewerPage = await signedInPage(
      browser,
      viewer.email,
      viewer.password
    )
    await viewerPage.goto("/runs")
    await expect(
      viewerPage.getByRole("button", { name: "Run workflow" })
    ).toBeDisabled()
    await expect(
      viewerPage.getByText("Viewers cannot start or cancel runs").first()
    ).toBeVisible()
    await viewerPage.goto(`/runs/${soakId}`)
    await expect(
      viewerPage.getByRole("button", { name: "Cancel run" })
    ).toBeDisabled()
    await expect(
      viewerPage.getByRole("button", { name: "Cancel run" })
    ).toHaveAccessibleDescription(/Viewers cannot start or cancel runs/)
    await viewerPage.goto(`/runs/${builtRunId}`)
    await expect(
      viewerPage.getByRole("button", { name: "Re-run" })
    ).toBeDisabled()
    // The database agrees: the RPCs refuse the viewer too.
    const asViewer = await userClient(viewer.email, viewer.password)
    expect(
      (await asViewer.schema("ops").rpc("cancel_run", { p_run_id: soakId }))
        .error?.code
    ).toBe("42501")
    await viewerPage.context().close()

    // /runs, open in another tab, lists it running.
    const listPage = await page.context().newPage()
    await listPage.goto("/runs")
    const listed = listPage
      .getByRole("table")
      .locator(`[data-run-id="${soakId}"]`)
    await expect(listed).toContainText("Running")
    await listPage.evaluate(() =>
      Object.assign(window, { __lmxNoReload: true })
    )

    // The developer cancels; the worker hears it over Realtime and sends SIGTERM.
    await page.getByRole("button", { name: "Cancel run" }).click()
    await page
      .getByRole("alertdialog")
      .getByRole("button", { name: "Cancel run" })
      .click()
    await expect(run).toContainText("Canceled")
    // The worker's closing line, in the step's group (folded once the worker closed it).
    const soakGroup = log.getByRole("button", { name: /^Soak/ })
    await expect(async () => {
      if ((await soakGroup.getAttribute("aria-expanded")) === "false")
        await soakGroup.click()
      await expect(
        log.getByText(
          /^Canceled: sent SIGTERM; the step stopped \d+ ms after SIGTERM/
        )
      ).toBeVisible({ timeout: 1000 })
    }).toPass({ timeout: 30_000 })
    await expect
      .poll(() => worker!.output().stdout)
      .toContain(`Run ${soakId} was canceled in the console; stopping it.`)
    await expect
      .poll(() => worker!.output().stdout)
      .toContain(`Run ${soakId} canceled.`)
    await expect
      .poll(() => existsSync(path.join(DATA_DIR, "runs", soakId)))
      .toBe(false)
    // The events timeline: the cancel by the developer, the stop on the device.
    const events = page.getByRole("region", { name: "Events" })
    await expect(
      events.getByRole("listitem").filter({ hasText: "canceled" }).first()
    ).toContainText(`by ${developer.email.split("@")[0]}`)
    await expect(
      events.getByRole("listitem").filter({ hasText: "worker.stopped" })
    ).toContainText(`on ${DEVICE}`)
    await snap(page, testInfo, "canceled run")
    // …and /runs in the other tab shows it live, without a reload.
    await expect(listed).toContainText("Canceled")
    expect(
      await listPage.evaluate(
        () => (window as { __lmxNoReload?: boolean }).__lmxNoReload
      )
    ).toBe(true)
    await listPage.close()

    // On a phone: the run page of the built run stacks and never scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`/runs/${builtRunId}`)
    await expect(page.getByTestId("run-log")).toBeVisible()
    await expect(page.getByRole("region", { name: "Artifacts" })).toContainText(
      "dist/bundle.bin"
    )
    await expectNoSidewaysScroll(page, "the run page")
    await snap(page, testInfo, "run on a phone")
    await page.goto("/runs")
    await expectNoSidewaysScroll(page, "/runs")
  })

  test("[runs] stopping the worker (SIGTERM) stops the step it runs; the run waits for its lease", async () => {
    test.setTimeout(120_000)
    const supabase = await userClient(developer.email, developer.password)
    const soak = await supabase
      .schema("ops")
      .from("workflows")
      .select("id")
      .eq("project_id", projectId)
      .eq("name", SOAK)
      .single()
    expect(soak.error).toBeNull()
    const queued = await supabase
      .schema("ops")
      .rpc("queue_run", { p_workflow_id: soak.data!.id })
    expect(queued.error).toBeNull()
    const runId = queued.data!.id
    // The step's shell prints its pid first thing.
    const pidInLog = async () => {
      const { data } = await supabase
        .schema("ops")
        .from("run_logs")
        .select("line")
        .eq("run_id", runId)
        .like("line", "pid %")
      return Number(data?.[0]?.line.slice("pid ".length) ?? 0)
    }
    await expect.poll(pidInLog, { timeout: 60_000 }).toBeGreaterThan(0)
    const pid = await pidInLog()
    expect(() => process.kill(pid, 0)).not.toThrow()

    worker!.stop()
    const exited = await worker!.done
    worker = undefined
    expect(exited.stdout).toContain(
      `Run ${runId} was stopped with the worker; nothing was completed.`
    )
    await expect
      .poll(() => {
        try {
          process.kill(pid, 0)
          return "running"
        } catch {
          return "gone"
        }
      })
      .toBe("gone")
    // Completed by nobody: the run stays the worker's until its lease expires.
    const row = await supabase
      .schema("ops")
      .from("runs")
      .select("status")
      .eq("id", runId)
      .single()
    expect(row.data?.status).toBe("running")
    await supabase.schema("ops").rpc("cancel_run", { p_run_id: runId })
  })
})
