import { expect, test, type Page, type TestInfo } from "@playwright/test"

import { devicePairStartResponseSchema } from "../lib/devices/schema"
import { deviceApi } from "./fixtures/devices"
import {
  createConfirmedUser,
  sessionCookiesFor,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

// Names people type have no spaces sometimes, and are as long as the database allows. No
// console page may then scroll sideways, on a phone or on a desktop: every user-supplied
// text wraps or is cut short with the whole of it on hover.

const long = (prefix: string, length = 80) =>
  `${prefix}${"x".repeat(length - prefix.length - 1)}Z`

const NAMES = {
  device: long("Device"),
  pendingDevice: long("Pending"),
  hostname: long("host", 120),
  display: long("Display"),
  project: long("Project", 100),
  workflow: long("Workflow", 100),
  session: long("Session", 200),
  model: long("model", 120),
  tunnel: `https://${long("tunnel", 150)}.example.net`,
}

type Seeded = {
  deviceId: string
  userCode: string
  email: string
  password: string
}

let seeded: Seeded

/** One account holding a long name wherever a page shows one, written through the APIs. */
async function seedLongNames(): Promise<Seeded> {
  const user = await createConfirmedUser("long-names")
  const supabase = await userClient(user.email, user.password)
  const { data: auth } = await supabase.auth.getUser()
  const userId = auth.user!.id

  const profile = await supabase
    .from("profiles")
    .update({ display_name: NAMES.display })
    .eq("id", userId)
  expect(profile.error).toBeNull()

  // A paired device that has reported, with a long name, host, model and tunnel.
  const started = await deviceApi("pair", {
    name: NAMES.device,
    hostname: NAMES.hostname,
    role: "llm_host",
  })
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
  const beat = await deviceApi(
    "heartbeat",
    {
      hostname: NAMES.hostname,
      capabilities: {
        gpu: long("gpu", 120),
        models_loaded: [NAMES.model, "short-model"],
      },
    },
    String(token.json.access_token)
  )
  expect(beat.status).toBe(200)
  const tunnel = await supabase
    .from("devices")
    .update({ tunnel_url: NAMES.tunnel })
    .eq("id", deviceId)
  expect(tunnel.error).toBeNull()

  // A pairing request still waiting, for /pair?code=….
  const pending = await deviceApi("pair", {
    name: NAMES.pendingDevice,
    hostname: NAMES.hostname,
  })
  expect(pending.status).toBe(200)

  // A synced session and its message (usage by model), a project, a workflow and a run.
  const session = await supabase
    .from("cloud_sessions")
    .insert({
      user_id: userId,
      title: NAMES.session,
      model: NAMES.model,
      device_id: deviceId,
    })
    .select("id")
    .single()
  expect(session.error).toBeNull()
  const message = await supabase.from("cloud_messages").insert({
    user_id: userId,
    session_id: session.data!.id,
    message_index: 0,
    role: "assistant",
    content: "hello",
    model: NAMES.model,
    device_id: deviceId,
    input_tokens: 1200,
    output_tokens: 300,
  })
  expect(message.error).toBeNull()
  const project = await supabase
    .schema("ops")
    .rpc("create_project", { p_name: NAMES.project })
  expect(project.error).toBeNull()
  const workflow = await supabase
    .schema("ops")
    .from("workflows")
    .insert({
      project_id: (project.data as { id: string }).id,
      name: NAMES.workflow,
      kind: "build",
      created_by: userId,
    })
    .select("id")
    .single()
  expect(workflow.error).toBeNull()
  const run = await supabase
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: workflow.data!.id })
  expect(run.error).toBeNull()

  return {
    deviceId,
    userCode: String(pending.json.user_code),
    email: user.email,
    password: user.password,
  }
}

async function expectNoSidewaysScroll(
  page: Page,
  testInfo: TestInfo,
  label: string
) {
  await snap(page, testInfo, label)
  const widths = await page.evaluate(() => {
    // The deepest visible element reaching past the window: what to fix when this fails.
    let culprit = ""
    for (const element of document.body.querySelectorAll("*")) {
      const box = element.getBoundingClientRect()
      if (box.width === 0 || box.right <= window.innerWidth + 0.5) continue
      const classes =
        typeof element.className === "string" ? element.className : ""
      culprit = `<${element.tagName.toLowerCase()} class="${classes.slice(0, 120)}"> right edge ${Math.round(box.right)} px: "${(element.textContent ?? "").trim().slice(0, 60)}"`
    }

    return {
      scroll: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      culprit,
    }
  })
  expect(
    widths.scroll,
    `${label}: the page is ${widths.scroll} px wide in a ${widths.viewport} px window; ${widths.culprit}`
  ).toBeLessThanOrEqual(widths.viewport)
}

test.beforeAll(async () => {
  test.setTimeout(120_000)
  seeded = await seedLongNames()
})

for (const viewport of [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 900 },
]) {
  test.describe(`on a ${viewport.name}`, () => {
    test.use({
      viewport: { width: viewport.width, height: viewport.height },
    })

    test(`[layout] 80-character names do not widen any console page (${viewport.name})`, async ({
      page,
      context,
    }, testInfo) => {
      test.setTimeout(180_000)
      await context.addCookies(
        await sessionCookiesFor(seeded.email, seeded.password)
      )
      const pages = [
        ["/devices", NAMES.device],
        [`/devices/${seeded.deviceId}`, NAMES.device],
        [`/pair?code=${seeded.userCode}`, NAMES.pendingDevice],
        ["/sessions", NAMES.session],
        ["/runs", NAMES.workflow],
        ["/projects", NAMES.project],
        ["/usage", NAMES.model],
        ["/settings", NAMES.display],
      ] as const

      for (const [path, name] of pages) {
        await page.goto(path)
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible()
        // The long name is on the page (whole, cut short with the whole in its title, or in a field).
        await expect(
          page
            .getByText(name, { exact: true })
            .or(page.locator(`[title="${name}"], [value="${name}"]`))
            .first()
        ).toBeAttached()
        await expectNoSidewaysScroll(page, testInfo, `${viewport.name} ${path}`)
      }

      // Dialogs that repeat the name.
      await page.goto(`/devices/${seeded.deviceId}`)
      await page.getByRole("button", { name: "Revoke" }).click()
      const confirm = page.getByRole("alertdialog")
      await expect(confirm).toBeVisible()
      await expectNoSidewaysScroll(
        page,
        testInfo,
        `${viewport.name} revoke dialog`
      )
      const dialogFits = await confirm.evaluate(
        (dialog) => dialog.scrollWidth <= dialog.clientWidth
      )
      expect(dialogFits, "the revoke dialog's text fits inside it").toBe(true)
      await page.keyboard.press("Escape")
      await page.getByRole("button", { name: "Rename" }).click()
      const rename = page.getByRole("dialog", { name: "Rename device" })
      await expect(rename).toBeVisible()
      await expectNoSidewaysScroll(
        page,
        testInfo,
        `${viewport.name} rename dialog`
      )
      await page.keyboard.press("Escape")

      // The account menu shows the display name.
      await page.getByRole("button", { name: "Account menu" }).click()
      await expect(page.getByRole("menu")).toBeVisible()
      await expectNoSidewaysScroll(
        page,
        testInfo,
        `${viewport.name} account menu`
      )
    })
  })
}
