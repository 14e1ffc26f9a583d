import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  renameSync,
  rmSync,
} from "node:fs"
import os from "node:os"
import path from "node:path"

import { expect, test } from "@playwright/test"

import { runAgent, startAgentPair, tempDeviceConfig } from "./fixtures/devices"
import { signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"

// A sample LM Studio home (agent/sync/fixtures/lmstudio-home: conversations/ and user-files/,
// in LM Studio's own format) synced by a real `npm run device -- sync`: the chat's image shows
// inline and its PDF is a download card with size and type, and they arrive on a session page
// that was already open, without a reload (Realtime on message_attachments).

const HOME = path.resolve(
  import.meta.dirname,
  "../agent/sync/fixtures/lmstudio-home"
)
const TITLE = "Reading the GPU report"

test("[sessions] an attachment synced from a sample LM Studio folder appears in the open session", async ({
  page,
  baseURL,
}, testInfo) => {
  // Three agent runs (a fresh tsx process each) and a production app on a busy machine.
  test.setTimeout(300_000)
  const config = tempDeviceConfig()
  const home = mkdtempSync(path.join(os.tmpdir(), "lmx-e2e-lmstudio-"))
  let pairing: Awaited<ReturnType<typeof startAgentPair>> | undefined

  try {
    await signInAsNewUser(page.context(), "attachments-sync")
    cpSync(HOME, home, { recursive: true })
    const conversations = path.join(home, "conversations")
    // The files are not there yet at the first sync: the chat arrives without them.
    renameSync(path.join(home, "user-files"), path.join(home, "later"))

    pairing = await startAgentPair(config.path, "Vision Mac")
    const pairPage = await page.context().newPage()
    await pairPage.goto(pairing.link)
    await pairPage.getByRole("button", { name: "Approve and pair" }).click()
    await expect(
      pairPage.getByRole("heading", { name: "Device approved" })
    ).toBeVisible()
    await pairPage.close()
    await expect
      .poll(() => pairing!.output().stdout, { timeout: 60_000 })
      .toContain('heartbeat accepted for "Vision Mac"')
    pairing.stop()
    await pairing.done

    const first = await runAgent(["sync", conversations], {
      configPath: config.path,
    })
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(
      "attachments: 0 uploaded, 0 already there, 2 not sent"
    )
    expect(first.stderr).toContain("the file is not there")

    await page.goto("/sessions")
    await page
      .getByRole("link", { name: TITLE })
      .filter({ visible: true })
      .first()
      .click()
    await expect(
      page.getByRole("heading", { level: 1, name: TITLE })
    ).toBeVisible()
    await expect(page.getByText("Live", { exact: true })).toBeVisible({
      timeout: 20_000,
    })
    await expect(page.getByRole("list", { name: "Attachments" })).toHaveCount(0)

    // LM Studio's user-files appear, the chat file changes: the next sync sends the files.
    renameSync(path.join(home, "later"), path.join(home, "user-files"))
    appendFileSync(
      path.join(conversations, "1733390000000.conversation.json"),
      "\n"
    )
    const second = await runAgent(["sync", conversations], {
      configPath: config.path,
    })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain(
      "attachments: 2 uploaded, 0 already there, 0 not sent"
    )

    // The page that was open: no reload.
    const attachments = page.getByRole("list", { name: "Attachments" })
    const image = attachments.getByRole("img", { name: "gpu-hours.png" })
    await expect(image).toBeVisible({ timeout: 20_000 })
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(16)
    const src = (await image.getAttribute("src"))!
    expect(src).toContain("/storage/v1/object/sign/chat-attachments/")
    expect(new URL(src).origin).not.toBe(new URL(baseURL!).origin)

    const download = attachments.getByRole("link", {
      name: "Download Q3 report.pdf (594 B · application/pdf)",
    })
    await expect(download).toBeVisible()
    const response = await page.request.get(
      (await download.getAttribute("href"))!
    )
    expect(response.status()).toBe(200)
    expect(response.headers()["content-type"]).toContain("application/pdf")
    expect((await response.body()).subarray(0, 5).toString()).toBe("%PDF-")
    await snap(page, testInfo, "1 attachments arrived live")
  } finally {
    pairing?.stop()
    config.dispose()
    rmSync(home, { recursive: true, force: true })
  }
})
