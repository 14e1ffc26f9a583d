import { createHash } from "node:crypto"

import { expect, test } from "@playwright/test"

import { DEMO_USER } from "./fixtures/auth"
import { sessionCookiesFor } from "./fixtures/session"

// Chat attachments on the session page (supabase/seed_storage.sql): the demo's tool-calls
// session carries a screenshot, shown inline from Storage by a signed URL, and a log offered
// as a download; no byte of either passes through Next.js.

function seedId(label: string) {
  const hex = createHash("md5").update(label).digest("hex")

  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const TOOLS = seedId("lmx-demo-session-tools")

test("[sessions] the demo session shows its image attachment inline and its log as a download", async ({
  page,
  context,
  baseURL,
}) => {
  await context.addCookies(
    await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
  )
  const errors: Error[] = []
  page.on("pageerror", (error) => errors.push(error))
  await page.goto(`/sessions/${TOOLS}`)

  const attachments = page.getByRole("list", { name: "Attachments" })
  const image = attachments.getByRole("img", { name: "backup-error.png" })
  await expect(image).toBeVisible()
  // The image really loaded (a broken signed URL leaves naturalWidth at 0), from Storage.
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(160)
  const src = (await image.getAttribute("src"))!
  expect(src).toContain("/storage/v1/object/sign/chat-attachments/")
  expect(new URL(src).origin).not.toBe(new URL(baseURL!).origin)

  const download = attachments.getByRole("link", {
    name: /Download backup-log\.txt \(162 B · text\/plain\)/,
  })
  await expect(download).toBeVisible()
  const href = (await download.getAttribute("href"))!
  const response = await page.request.get(href)
  expect(response.status()).toBe(200)
  expect(response.headers()["content-disposition"]).toContain("attachment")
  expect(await response.text()).toContain("no space left on device")
  expect(errors).toEqual([])
})
