import { expect, test, type Page } from "@playwright/test"

import { createConfirmedUser, sessionCookiesFor } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_PORT } from "./fixtures/urls"

// A WebAuthn relying party is a domain, never an IP address: the passkey pages are opened on
// localhost (the e2e stack's [auth.webauthn] rp_origins, scripts/e2e-server.ts).
const APP = `http://localhost:${E2E_APP_PORT}`

/**
 * Chromium's virtual authenticator (CDP WebAuthn domain): a platform authenticator with
 * resident keys and user verification that answers every prompt, as a laptop's fingerprint
 * reader would.
 */
async function addVirtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send("WebAuthn.enable")
  const { authenticatorId } = await cdp.send(
    "WebAuthn.addVirtualAuthenticator",
    {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }
  )

  return async () =>
    (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials
}

test("[passkeys] a person adds a passkey in Settings, names and renames it, signs in with it alone, and removes it", async ({
  page,
  context,
  browserName,
}, testInfo) => {
  test.skip(browserName !== "chromium", "the virtual authenticator is CDP")
  test.setTimeout(180_000)
  const user = await createConfirmedUser("passkey")
  const cookies = await sessionCookiesFor(user.email, user.password)
  await context.addCookies(
    cookies.map((cookie) => ({ ...cookie, domain: "localhost" }))
  )
  const storedCredentials = await addVirtualAuthenticator(page)

  await page.goto(`${APP}/settings`)
  const card = page.getByRole("heading", { name: "Passkeys" })
  await expect(card).toBeVisible()
  await expect(page.getByText("No passkeys yet.")).toBeVisible()

  // A name is required.
  await page.getByRole("button", { name: "Add a passkey" }).click()
  await expect(page.getByLabel("Passkey name")).toBeFocused()
  await expect(page.getByText("Name this passkey")).toBeVisible()
  await page.getByLabel("Passkey name").fill("E2E laptop")
  await page.getByRole("button", { name: "Add a passkey" }).click()
  await expect(page.getByText("E2E laptop is added.")).toBeVisible()
  const list = page.getByRole("list", { name: "Passkeys" })
  await expect(list).toContainText("E2E laptop")
  await expect(list).toContainText("not used yet")
  expect(await storedCredentials()).toHaveLength(1)
  await snap(page, testInfo, "1 passkey added")

  await page.getByRole("button", { name: "Rename E2E laptop" }).click()
  await page.getByLabel("New name for E2E laptop").fill("Desk key")
  await page.getByRole("button", { name: "Save name" }).click()
  await expect(list).toContainText("Desk key")
  await expect(list).not.toContainText("E2E laptop")

  // Signed out, the sign-in page offers the passkey: no email, no password.
  await context.clearCookies()
  await page.goto(`${APP}/sign-in?next=%2Fsettings`)
  await page.getByRole("button", { name: "Sign in with a passkey" }).click()
  await expect(page).toHaveURL(`${APP}/settings`)
  await expect(page.getByText("Signed in with a passkey")).toBeVisible()
  await expect(list).toContainText(/last used/)
  await snap(page, testInfo, "2 signed in with the passkey")

  await page.getByRole("button", { name: "Remove Desk key" }).click()
  await expect(page.getByText("Desk key no longer signs you in.")).toBeVisible()
  await expect(page.getByText("No passkeys yet.")).toBeVisible()

  // The authenticator still holds the key, but Auth no longer knows it.
  await context.clearCookies()
  await page.goto(`${APP}/sign-in`)
  await page.getByRole("button", { name: "Sign in with a passkey" }).click()
  await expect(
    page.getByText("That passkey is not known here any more.")
  ).toBeVisible()
})
