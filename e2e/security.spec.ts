import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"

import { expect, test, type Page } from "@playwright/test"

import {
  readStackState,
  signInWithPassword,
  STACK_STATE_FILE,
} from "./fixtures/auth"
import { createConfirmedUser, sessionCookiesFor } from "./fixtures/session"
import { E2E_APP_URL } from "./fixtures/urls"

const STATIC_DIR = path.resolve(import.meta.dirname, "../.next/static")
const BUILD_ID = path.resolve(import.meta.dirname, "../.next/BUILD_ID")

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)

    return entry.isDirectory() ? filesUnder(full) : [full]
  })
}

// By the time any spec runs, the web server has written the stack's keys and
// then built the app with them, so this scans the bundle browsers really get.
test("[security] the client bundle holds neither the service-role key, the secret key nor the JWT secret", async ({
  request,
}) => {
  const { serviceRoleKey, jwtSecret, anonKey, publishableKey, secretKey } =
    readStackState()
  test.skip(
    statSync(BUILD_ID).mtimeMs < statSync(STACK_STATE_FILE).mtimeMs,
    "The build is older than this stack's keys (E2E_SKIP_BUILD?): scanning it would prove nothing."
  )

  const secrets = {
    "service-role key": serviceRoleKey,
    // Only the signature would be enough to forge nothing, but a leaked one
    // means the whole key was in reach of the bundler.
    "service-role key signature":
      serviceRoleKey.split(".")[2] ?? serviceRoleKey,
    "JWT secret": jwtSecret,
    "JWT secret (base64)": Buffer.from(jwtSecret).toString("base64"),
    "secret key (sb_secret_)": secretKey,
  }
  expect(anonKey).not.toBe(serviceRoleKey)

  const files = filesUnder(STATIC_DIR)
  const scripts = files.filter((file) => file.endsWith(".js"))
  expect(scripts.length).toBeGreaterThan(10)

  const leaks: string[] = []
  for (const file of files) {
    const text = readFileSync(file, "latin1")
    for (const [name, secret] of Object.entries(secrets)) {
      if (text.includes(secret))
        leaks.push(`${name} in ${path.relative(STATIC_DIR, file)}`)
    }
  }
  expect(leaks).toEqual([])
  // The control: the app is built with the publishable key (scripts/e2e-server.ts), so the
  // scan must find that one; a scan that finds no key at all would prove nothing.
  expect(
    files.some((file) => readFileSync(file, "latin1").includes(publishableKey)),
    "the publishable key in the bundle"
  ).toBe(true)

  // The pages themselves (HTML and inline flight data) too.
  for (const url of [
    "/sign-in",
    "/sign-up",
    "/forgot-password",
    "/auth/confirm",
  ]) {
    const html = await (await request.get(url)).text()
    for (const [name, secret] of Object.entries(secrets)) {
      expect(html.includes(secret), `${name} in ${url}`).toBe(false)
    }
  }
})

/** Collects every Content-Security-Policy violation a page reports, from the console and the DOM. */
async function watchCsp(page: Page) {
  const violations: string[] = []
  page.on("console", (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text()))
      violations.push(message.text())
  })
  page.on("pageerror", (error) =>
    violations.push(`page error: ${error.message}`)
  )
  // Injected by Playwright itself, so the policy does not apply to this script.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`
      )
    })
  })

  return violations
}

test.describe("under the Content-Security-Policy", () => {
  test.use({ storageState: { cookies: [], origins: [] } })

  test("[security] sign-in, devices, a dialog and the theme toggle work with no CSP violation", async ({
    page,
  }) => {
    const violations = await watchCsp(page)
    const user = await createConfirmedUser("csp")

    const response = await page.goto("/sign-in")
    const policy = response?.headers()["content-security-policy"] ?? ""
    expect(policy).toMatch(
      /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/
    )
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/)
    // Every script Next rendered carries this response's nonce.
    const nonce = /'nonce-([^']+)'/.exec(policy)![1]!
    const scriptNonces = await page
      .locator("script")
      .evaluateAll((scripts) =>
        scripts.map((script) => (script as HTMLScriptElement).nonce)
      )
    expect(scriptNonces.length).toBeGreaterThan(0)
    expect(new Set(scriptNonces)).toEqual(new Set([nonce]))

    await signInWithPassword(page, user)
    await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
    await expect(
      page.getByRole("heading", { level: 1, name: "Devices" })
    ).toBeVisible()

    await page.getByRole("button", { name: "Account menu" }).click()
    await page.getByRole("menuitem", { name: "Sign out everywhere" }).click()
    const dialog = page.getByRole("alertdialog", {
      name: "Sign out everywhere?",
    })
    await expect(dialog).toBeVisible()
    await dialog.getByRole("button", { name: "Cancel" }).click()
    await expect(dialog).toBeHidden()

    await page.emulateMedia({ colorScheme: "light" })
    await page.getByRole("button", { name: "Toggle theme" }).click()
    await page.getByRole("menuitemradio", { name: "Dark" }).click()
    await expect(page.locator("html")).toHaveClass(/\bdark\b/)
    // next-themes' inline script runs (with the nonce) before the page paints.
    await page.reload()
    await expect(page.locator("html")).toHaveClass(/\bdark\b/)

    expect(violations).toEqual([])
  })

  test("[security] signing out everywhere ends another browser's session at once", async ({
    page,
    browser,
  }) => {
    const user = await createConfirmedUser("everywhere")
    const other = await browser.newContext({
      storageState: { cookies: [], origins: [] },
    })
    try {
      await other.addCookies(await sessionCookiesFor(user.email, user.password))
      const otherPage = await other.newPage()
      await otherPage.goto("/devices")
      await expect(
        otherPage.getByRole("heading", { level: 1, name: "Devices" })
      ).toBeVisible()

      await page.goto("/sign-in")
      await signInWithPassword(page, user)
      await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
      await page.goto("/settings")
      await page.getByRole("button", { name: "Sign out everywhere" }).click()
      await page
        .getByRole("alertdialog", { name: "Sign out everywhere?" })
        .getByRole("button", { name: "Sign out everywhere" })
        .click()
      await expect(page).toHaveURL(/\/sign-in/)

      // The other browser's access token has not expired, but its session is gone: the
      // console sends it to sign-in and clears its cookies, rather than showing empty pages.
      await otherPage.goto("/devices")
      await expect(otherPage).toHaveURL(/\/sign-in\?error=session_missing/)
      await expect(otherPage.getByText("Your session has ended")).toBeVisible()
      const left = (await other.cookies()).filter((cookie) =>
        /^sb-.+-auth-token(\.\d+)?$/.test(cookie.name)
      )
      expect(left).toEqual([])
    } finally {
      await other.close()
    }
  })
})
