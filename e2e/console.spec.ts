import { expect, test } from "@playwright/test"

import { CONSOLE_USER, CONSOLE_USER_STATE } from "./fixtures/session"

// The shell sends signed-out visitors to sign-in; these run as the console user that
// global.setup.ts signed in (an account with no devices yet).
test.use({ storageState: CONSOLE_USER_STATE })

const SECTIONS = [
  { label: "Devices", href: "/devices" },
  { label: "Sessions", href: "/sessions" },
  { label: "Runs", href: "/runs" },
  { label: "Projects", href: "/projects" },
  { label: "Usage", href: "/usage" },
  { label: "Settings", href: "/settings" },
] as const

test("[console] shell renders", async ({ page }, testInfo) => {
  const pageErrors: Error[] = []
  page.on("pageerror", (error) => pageErrors.push(error))

  // Start from a light system theme so switching to dark is a visible change.
  await page.emulateMedia({ colorScheme: "light" })
  await page.goto("/")

  await expect(page).toHaveURL(/\/devices$/)
  await expect(
    page.getByRole("heading", { level: 1, name: "Devices" })
  ).toBeVisible()
  await expect(page.getByText("No devices paired yet")).toBeVisible()
  await expect(page.getByText("npm run device -- pair")).toBeVisible()

  const nav = page.getByRole("navigation", { name: "Console" })
  for (const { label, href } of SECTIONS) {
    await expect(nav.getByRole("link", { name: label })).toHaveAttribute(
      "href",
      href
    )
  }
  await expect(nav.getByRole("link", { name: "Devices" })).toHaveAttribute(
    "aria-current",
    "page"
  )

  await nav.getByRole("link", { name: "Sessions" }).click()
  await expect(page).toHaveURL(/\/sessions$/)
  await expect(
    page.getByRole("heading", { level: 1, name: "Sessions" })
  ).toBeVisible()
  await expect(nav.getByRole("link", { name: "Sessions" })).toHaveAttribute(
    "aria-current",
    "page"
  )
  await expect(nav.getByRole("link", { name: "Devices" })).not.toHaveAttribute(
    "aria-current"
  )

  await page.getByRole("button", { name: "Account menu" }).click()
  await expect(page.getByRole("menu")).toContainText(CONSOLE_USER.email)
  await page.keyboard.press("Escape")

  const html = page.locator("html")
  await expect(html).not.toHaveClass(/\bdark\b/)
  await page.getByRole("button", { name: "Toggle theme" }).click()
  await page.getByRole("menuitemradio", { name: "Dark" }).click()
  await expect(html).toHaveClass(/\bdark\b/)

  await page.reload()
  await expect(html).toHaveClass(/\bdark\b/)
  await expect(
    page.getByRole("heading", { level: 1, name: "Sessions" })
  ).toBeVisible()

  const screenshot = testInfo.outputPath("console-dark.png")
  await page.screenshot({ path: screenshot, fullPage: true })
  await testInfo.attach("console shell (dark)", {
    path: screenshot,
    contentType: "image/png",
  })
  expect(pageErrors).toEqual([])
})

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true })

  test("[console] navigation opens in a sheet", async ({ page }, testInfo) => {
    await page.goto("/devices")

    await expect(
      page.getByRole("heading", { level: 1, name: "Devices" })
    ).toBeVisible()
    // The desktop sidebar is hidden; its links live behind the menu button.
    await expect(page.getByRole("navigation", { name: "Console" })).toBeHidden()

    await page.getByRole("button", { name: "Open navigation" }).click()
    const sheet = page.getByRole("dialog")
    await expect(sheet).toBeVisible()
    for (const { label } of SECTIONS) {
      await expect(sheet.getByRole("link", { name: label })).toBeVisible()
    }

    const screenshot = testInfo.outputPath("console-phone-menu.png")
    await page.screenshot({ path: screenshot })
    await testInfo.attach("console shell on a phone (menu open)", {
      path: screenshot,
      contentType: "image/png",
    })

    await sheet.getByRole("link", { name: "Runs" }).click()
    await expect(page).toHaveURL(/\/runs$/)
    await expect(sheet).toBeHidden()
    await expect(
      page.getByRole("heading", { level: 1, name: "Runs" })
    ).toBeVisible()
  })
})
