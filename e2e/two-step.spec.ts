import { expect, test } from "@playwright/test"
import { Secret, TOTP } from "otpauth"

import { signInWithPassword } from "./fixtures/auth"
import { signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

/** The code an authenticator app shows now for a base32 key. */
const codeFor = (secret: string) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
  }).generate()

test("[two-step] a person turns on an authenticator app, and the next sign-in asks for its code before any page", async ({
  page,
  context,
  browser,
}, testInfo) => {
  test.setTimeout(180_000)
  const user = await signInAsNewUser(context, "two-step")

  await page.goto("/settings")
  const card = page.getByRole("heading", { name: "Two-step sign-in" })
  await expect(card).toBeVisible()
  await page
    .getByRole("button", { name: "Set up an authenticator app" })
    .click()
  const qr = page.getByRole("img", {
    name: "QR code for your authenticator app",
  })
  await expect(qr).toBeVisible()
  // The QR code really draws (a broken data URL shows only the alt text).
  await expect
    .poll(() =>
      qr.evaluate((image) => (image as HTMLImageElement).naturalWidth)
    )
    .toBeGreaterThan(0)
  const secret = (await page
    .locator("code")
    .filter({ hasText: /^[A-Z2-7]{32}$/ })
    .textContent())!
  await snap(page, testInfo, "1 authenticator setup")

  // A wrong code is refused at the field.
  await page.getByLabel("Code from the app").fill("000000")
  await page.getByRole("button", { name: "Turn on" }).click()
  await expect(page.getByText("That code did not match.")).toBeVisible()
  await page.getByLabel("Code from the app").fill(codeFor(secret))
  await page.getByRole("button", { name: "Turn on" }).click()
  await expect(page.getByText("Two-step sign-in is on.")).toBeVisible()
  await expect(
    page.getByRole("list", { name: "Authenticator apps" })
  ).toContainText("Phone")

  // Another browser signs in with the password: every page waits for the code.
  const other = await browser.newContext()
  const second = await other.newPage()
  await second.goto("/sign-in?next=%2Fsessions")
  await signInWithPassword(second, user)
  await expect(second).toHaveURL(
    `${E2E_APP_URL}/sign-in/verify?next=%2Fsessions`
  )
  await expect(
    second.getByRole("heading", { name: "One more step" })
  ).toBeVisible()
  await second.goto("/devices")
  await expect(second).toHaveURL(
    `${E2E_APP_URL}/sign-in/verify?next=%2Fdevices`
  )
  // A wrong code keeps the person on the second step.
  await second.getByLabel("Code from your authenticator app").fill("123456")
  await second.getByRole("button", { name: "Continue" }).click()
  await expect(second.getByText("That code did not match.")).toBeVisible()
  await second
    .getByLabel("Code from your authenticator app")
    .fill(codeFor(secret))
  await second.getByRole("button", { name: "Continue" }).click()
  await expect(second).toHaveURL(`${E2E_APP_URL}/devices`)
  await snap(second, testInfo, "2 after the second step")

  // Removing the last app turns two-step sign-in off, so even this (aal2) browser is asked
  // for a current code first.
  await second.goto("/settings")
  await second.getByRole("button", { name: "Remove Phone" }).click()
  const current = second.getByLabel("Current code from Phone")
  await expect(current).toBeFocused()
  await current.fill(codeFor(secret))
  await second.getByRole("button", { name: "Remove Phone" }).click()
  await expect(second.getByText("Phone no longer signs you in.")).toBeVisible()
  await other.close()
})
