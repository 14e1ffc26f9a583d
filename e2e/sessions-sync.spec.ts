import { cpSync, mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"

import { expect, test } from "@playwright/test"

import { runAgent, startAgentPair, tempDeviceConfig } from "./fixtures/devices"
import { signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"

// A new user pairs a machine, and its agent syncs LM Studio and Open WebUI chats (the sample
// files the importers are tested with, in those apps' own formats): the titles reach the
// sessions page that was already open, and the device page.

const FIXTURES = path.resolve(import.meta.dirname, "../agent/sync/fixtures")
const LMSTUDIO_TITLES = [
  "Quantisation for the Studio Mac",
  "LM Studio tokens per second",
]
const OPENWEBUI_TITLES = [
  "Docker compose for Open WebUI",
  "Ollama model storage path",
]

test("[sessions] a paired machine syncs LM Studio and Open WebUI chats into the console", async ({
  page,
}, testInfo) => {
  // Three agent runs (a fresh tsx process each) and a production app on a busy machine.
  test.setTimeout(300_000)
  const config = tempDeviceConfig()
  const folders = mkdtempSync(path.join(os.tmpdir(), "lmx-e2e-chats-"))
  let pairing: Awaited<ReturnType<typeof startAgentPair>> | undefined

  try {
    await signInAsNewUser(page.context(), "sessions-sync")
    const lmstudio = path.join(folders, "conversations")
    const openwebui = path.join(folders, "open-webui")
    cpSync(path.join(FIXTURES, "lmstudio"), lmstudio, { recursive: true })
    cpSync(path.join(FIXTURES, "openwebui"), openwebui, { recursive: true })

    // Pair: the agent prints a link, the user approves it in the browser.
    pairing = await startAgentPair(config.path, "Chat Mac")
    const pairPage = await page.context().newPage()
    await pairPage.goto(pairing.link)
    await pairPage.getByRole("button", { name: "Approve and pair" }).click()
    await expect(
      pairPage.getByRole("heading", { name: "Device approved" })
    ).toBeVisible()
    await pairPage.close()
    await expect
      .poll(() => pairing!.output().stdout, { timeout: 60_000 })
      .toContain('heartbeat accepted for "Chat Mac"')
    pairing.stop()
    await pairing.done

    await page.goto("/sessions")
    await expect(
      page.getByRole("heading", { level: 1, name: "Sessions" })
    ).toBeVisible()
    await expect(page.getByText("No sessions synced yet")).toBeVisible()

    const lm = await runAgent(["sync", lmstudio], { configPath: config.path })
    expect(lm.code).toBe(0)
    expect(lm.stderr).not.toMatch(/skipped|rejected|conflict/)
    expect(lm.stdout).toContain("Syncing lmstudio chats")
    expect(lm.stdout).toContain("console: 9 applied")
    const webui = await runAgent(["sync", openwebui], {
      configPath: config.path,
    })
    expect(webui.code).toBe(0)
    expect(webui.stdout).toContain("Syncing openwebui chats")
    expect(webui.stdout).toContain("console: 8 applied")

    // The sessions page that was open before the sync: the sessions arrive live (Realtime),
    // without a reload.
    const titles = [...LMSTUDIO_TITLES, ...OPENWEBUI_TITLES]
    for (const title of titles) {
      // The list renders a table and phone cards; the one this window shows.
      await expect(
        page.getByText(title, { exact: true }).filter({ visible: true })
      ).toBeVisible({ timeout: 20_000 })
    }
    await snap(page, testInfo, "1 sessions synced")

    // A re-run is a no-op.
    const again = await runAgent(["sync", lmstudio], {
      configPath: config.path,
    })
    expect(again.stdout).toContain("2 files (0 read, 2 unchanged, 0 skipped)")

    // The device page: its sessions and when it last synced.
    await page.goto("/devices")
    const card = page.getByRole("article", { name: "Chat Mac" })
    await expect(card.getByText(/Last synced/)).toBeVisible()
    await expect(card.getByText("Synced", { exact: true })).toBeVisible()
    await card.getByRole("link", { name: "Chat Mac" }).click()
    await expect(
      page.getByRole("heading", { level: 1, name: "Chat Mac" })
    ).toBeVisible()
    for (const title of titles) {
      await expect(page.getByText(title, { exact: true })).toBeVisible()
    }
    await snap(page, testInfo, "2 device sessions")
  } finally {
    pairing?.stop()
    config.dispose()
    rmSync(folders, { recursive: true, force: true })
  }
})
