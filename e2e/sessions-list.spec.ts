import { expect, test, type Page } from "@playwright/test"

import { DEMO_USER } from "./fixtures/auth"
import {
  sessionCookiesFor,
  signInAsNewUser,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

const STUDIO_MAC = "00000000-0000-4000-b000-000000000001"
const DEMO_ID = "00000000-0000-4000-a000-000000000001"

async function openAsDemo(page: Page, path = "/sessions") {
  await page
    .context()
    .addCookies(await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password))
  await page.goto(path)
  await expect(
    page.getByRole("heading", { level: 1, name: "Sessions" })
  ).toBeVisible()
}

/** The data rows of the desktop table (the header row left out). */
function tableRows(page: Page) {
  return page
    .getByRole("table")
    .getByRole("row")
    .filter({
      has: page.getByRole("cell"),
    })
}

test("[sessions] the demo account pages, filters by device in the URL and searches", async ({
  page,
}, testInfo) => {
  // Four pages of rows, a full-page screenshot of all 184, then filters and a search: on a
  // loaded CI machine the screenshot alone took 20 s and the whole walk ran past 60 s.
  test.setTimeout(180_000)
  const pageErrors: Error[] = []
  page.on("pageerror", (error) => pageErrors.push(error))
  await openAsDemo(page)

  // The seed's 184 sessions (seed.sql 180, seed_sessions.sql 4): a first page of 50, the rest
  // behind "Load more".
  await expect(tableRows(page)).toHaveCount(50)
  await expect(tableRows(page).first()).toContainText(/\$\d/)
  await expect(tableRows(page).first().locator("time")).toHaveAttribute(
    "title",
    /\d{4}/
  )
  await expect(page.getByRole("button", { name: "Load more" })).toBeVisible()
  // Infinite scroll: reaching the end of the list loads the next pages (keyset cursors).
  await expect(async () => {
    await page.evaluate(() =>
      window.scrollTo(0, document.documentElement.scrollHeight)
    )
    await expect(page.getByText("184 sessions, all shown")).toBeVisible({
      timeout: 1_000,
    })
  }).toPass({ timeout: 30_000 })
  await expect(tableRows(page)).toHaveCount(184)
  await page.evaluate(() => window.scrollTo(0, 0))
  await expect(page.getByText("No sessions synced yet")).toHaveCount(0)
  await snap(page, testInfo, "sessions, demo")

  // A filter in the URL: every row is that device's, and the control shows it.
  await page.goto(`/sessions?device=${STUDIO_MAC}`)
  await expect(page.getByLabel("Device")).toHaveText("Studio Mac")
  const filtered = tableRows(page)
  await expect(filtered.first()).toBeVisible()
  const count = await filtered.count()
  expect(count).toBeGreaterThan(0)
  for (let i = 0; i < count; i++) {
    await expect(filtered.nth(i).getByRole("cell").nth(2)).toHaveText(
      "Studio Mac"
    )
  }
  // Changing a filter writes the URL.
  await page.getByLabel("Tool calls").click()
  await page.getByRole("option", { name: "With tool calls" }).click()
  await expect(page).toHaveURL(/tools=yes/)
  await expect(page).toHaveURL(new RegExp(`device=${STUDIO_MAC}`))

  // Search a word from the seeded answers and land on the message.
  await page
    .getByRole("searchbox", { name: "Search sessions" })
    .fill("tokenised")
  await expect(page).toHaveURL(/q=tokenised/)
  const results = page.getByRole("list", { name: "Search results" })
  await expect(results).toBeVisible()
  const firstHit = results.locator("a[href*='#m-']").first()
  await expect(firstHit.locator("mark").first()).toHaveText(/tokenised/i)
  const href = await firstHit.getAttribute("href")
  expect(href).toMatch(/^\/sessions\/[0-9a-f-]{36}#m-[0-9a-f-]{36}$/)
  await firstHit.click()
  await expect(page).toHaveURL(new RegExp(`${href!.replace(/[#]/g, "\\#")}$`))
  expect(pageErrors).toEqual([])
})

test("[sessions] a session synced meanwhile appears without a reload, marked updated", async ({
  page,
}) => {
  await openAsDemo(page)
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toHaveText(
    "Live"
  )
  await page.evaluate(() => Object.assign(window, { __lmxNoReload: true }))

  const demo = await userClient(DEMO_USER.email, DEMO_USER.password)
  const title = `Live sync check ${Date.now()}`
  const inserted = await demo
    .from("cloud_sessions")
    .insert({ user_id: DEMO_ID, title, model: "gpt-oss-20b" })
    .select("id")
    .single()
  expect(inserted.error).toBeNull()

  const row = tableRows(page).filter({ hasText: title })
  await expect(row).toBeVisible({ timeout: 15_000 })
  await expect(row).toContainText("Updated")
  expect(await page.evaluate(() => "__lmxNoReload" in window)).toBe(true)

  // Out of the other tests' way.
  await demo
    .from("cloud_sessions")
    .update({
      deleted_at: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    })
    .eq("id", inserted.data!.id)
})

test("[sessions] archive, find under archived; delete, restore from recently deleted", async ({
  page,
}) => {
  await openAsDemo(page)
  const first = tableRows(page).first()
  const title = (await first.getByRole("link").first().textContent())!.trim()
  expect(title).toMatch(/#\d+$/)
  const row = tableRows(page).filter({
    has: page.getByRole("link", { name: title, exact: true }),
  })

  // Archive: out of the list, under Archived, still searchable.
  await page
    .getByRole("button", { name: `Archive ${title}`, exact: true })
    .click()
  await expect(row).toHaveCount(0)
  await page.getByRole("button", { name: "Archived", exact: true }).click()
  await expect(page).toHaveURL(/view=archived/)
  await expect(row).toHaveCount(1)
  await expect(row).toContainText("Archived")
  await page
    .getByRole("button", { name: `Unarchive ${title}`, exact: true })
    .click()
  await expect(row).toHaveCount(0)
  await page.getByRole("button", { name: "Sessions", exact: true }).click()
  await expect(row).toHaveCount(1)

  // Delete through the selection, then restore.
  await page
    .getByRole("checkbox", { name: `Select ${title}`, exact: true })
    .check()
  const toolbar = page.getByRole("toolbar", { name: "Selected sessions" })
  await expect(toolbar).toContainText("1 session selected")
  await expect(
    toolbar.getByRole("link", { name: "Export Markdown" })
  ).toHaveAttribute(
    "href",
    /^\/sessions\/export\?format=markdown&id=[0-9a-f-]{36}$/
  )
  await toolbar.getByRole("button", { name: "Delete" }).click()
  const dialog = page.getByRole("alertdialog")
  await expect(dialog).toContainText("Delete 1 session?")
  await dialog.getByRole("button", { name: "Delete" }).click()
  await expect(dialog).toBeHidden()
  await expect(row).toHaveCount(0)

  await page
    .getByRole("button", { name: "Recently deleted", exact: true })
    .click()
  await expect(page).toHaveURL(/view=deleted/)
  const deleted = page.getByRole("list", { name: "Recently deleted sessions" })
  await expect(deleted).toContainText(title)
  await deleted
    .getByRole("button", { name: `Restore ${title}`, exact: true })
    .click()
  await expect(deleted.getByText(title, { exact: true })).toHaveCount(0)
  await page.getByRole("button", { name: "Sessions", exact: true }).click()
  await expect(row).toHaveCount(1)
})

test("[sessions] a new account sees the empty state with the sync command", async ({
  page,
  context,
}) => {
  await signInAsNewUser(context, "sessions-empty")
  await page.goto("/sessions")
  await expect(
    page.getByRole("heading", { level: 2, name: "No sessions synced yet" })
  ).toBeVisible()
  await expect(
    page.getByText("npm run device -- sync", { exact: true })
  ).toBeVisible()
  await expect(page.getByRole("table")).toHaveCount(0)
})

test("[sessions] on a phone the list is cards", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await openAsDemo(page)
  const cards = page.getByRole("list", { name: "Sessions" })
  await expect(cards.getByRole("listitem").first()).toBeVisible()
  await expect(page.getByRole("table")).toBeHidden()
  // Nothing wider than the screen.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth
  )
  expect(overflow).toBeLessThanOrEqual(0)
  await snap(page, testInfo, "sessions, phone")
})
