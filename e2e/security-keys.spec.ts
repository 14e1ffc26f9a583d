import { expect, test, type Page } from "@playwright/test"
import { Secret } from "otpauth"

import { readStackState, signInWithPassword } from "./fixtures/auth"
import { createConfirmedUser, sessionCookiesFor } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_PORT } from "./fixtures/urls"

// Security keys are WebAuthn second factors (Supabase Auth's MFA API, auth-js
// auth.mfa.webauthn), not passkeys: they are asked after the password. A WebAuthn relying party
// is a domain, never an IP address, so these pages are opened on localhost (the e2e stack's
// [auth.webauthn] rp_origins, scripts/e2e-server.ts).
const APP = `http://localhost:${E2E_APP_PORT}`

/**
 * Chromium's virtual authenticator (CDP WebAuthn domain) as a USB security key that answers
 * every prompt, as a key touched at once would. The returned function reads the sign count of
 * its one credential: it goes up each time the key is used.
 */
async function addVirtualSecurityKey(page: Page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send("WebAuthn.enable")
  const { authenticatorId } = await cdp.send(
    "WebAuthn.addVirtualAuthenticator",
    {
      options: {
        protocol: "ctap2",
        transport: "usb",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }
  )

  return {
    credentials: async () =>
      (await cdp.send("WebAuthn.getCredentials", { authenticatorId }))
        .credentials,
  }
}

async function signedInAt(page: Page, label: string) {
  const user = await createConfirmedUser(label)
  const cookies = await sessionCookiesFor(user.email, user.password)
  await page
    .context()
    .addCookies(cookies.map((cookie) => ({ ...cookie, domain: "localhost" })))

  return user
}

async function addKey(page: Page, name: string) {
  await page.getByLabel("Key name", { exact: true }).fill(name)
  await page.getByRole("button", { name: "Add a security key" }).click()
  await expect(page.getByText(`${name} is added.`)).toBeVisible()
  await expect(page.getByRole("list", { name: "Security keys" })).toContainText(
    name
  )
}

test("[security keys] a person adds a security key in Settings, the next password sign-in asks for it, and removing the last one asks for it once more", async ({
  page,
  context,
  browserName,
}, testInfo) => {
  test.skip(browserName !== "chromium", "the virtual authenticator is CDP")
  test.setTimeout(180_000)
  const user = await signedInAt(page, "security-key")
  const key = await addVirtualSecurityKey(page)

  await page.goto(`${APP}/settings`)
  await expect(
    page.getByRole("heading", { name: "Security keys" })
  ).toBeVisible()
  await expect(page.getByText("No security keys yet.")).toBeVisible()

  // A name is required, so a person with two keys can tell them apart.
  await page.getByRole("button", { name: "Add a security key" }).click()
  await expect(page.getByLabel("Key name", { exact: true })).toBeFocused()
  await expect(page.getByText("Name this key")).toBeVisible()
  await addKey(page, "Blue key")
  expect(await key.credentials()).toHaveLength(1)
  // A security key is a second step, not a passkey: the passkey list stays empty.
  await expect(page.getByText("No passkeys yet.")).toBeVisible()
  await snap(page, testInfo, "1 security key added")

  // The next sign-in asks for the key after the password, and for nothing else.
  await context.clearCookies()
  await page.goto(`${APP}/sign-in?next=%2Fsettings`)
  await signInWithPassword(page, user)
  await expect(page).toHaveURL(`${APP}/sign-in/verify?next=%2Fsettings`)
  await expect(
    page.getByRole("heading", { name: "One more step" })
  ).toBeVisible()
  await expect(
    page.getByText("Your account asks for your security key.")
  ).toBeVisible()
  await expect(page.getByLabel("Code from your authenticator app")).toHaveCount(
    0
  )
  await snap(page, testInfo, "2 second step with the key")
  await page.getByRole("button", { name: "Use your security key" }).click()
  await expect(page).toHaveURL(`${APP}/settings`)

  // Removing the last second step uses the key once more, even in this aal2 session.
  const [before] = await key.credentials()
  await page.getByRole("button", { name: "Remove Blue key" }).click()
  await expect(page.getByText("Blue key is removed.")).toBeVisible()
  await expect(page.getByText("No security keys yet.")).toBeVisible()
  const [after] = await key.credentials()
  expect(after?.signCount).toBeGreaterThan(before?.signCount ?? Infinity)

  // Two-step sign-in is off again: the password alone signs in.
  await context.clearCookies()
  await page.goto(`${APP}/sign-in?next=%2Fsettings`)
  await signInWithPassword(page, user)
  await expect(page).toHaveURL(`${APP}/settings`)
})

test("[security keys] with an authenticator app and a security key the second step offers both, the person picks the key, and removing a key that is not the last asks for nothing more", async ({
  page,
  context,
  browserName,
}, testInfo) => {
  test.skip(browserName !== "chromium", "the virtual authenticator is CDP")
  test.setTimeout(180_000)
  const user = await signedInAt(page, "security-key-and-app")
  const key = await addVirtualSecurityKey(page)
  await page.goto(`${APP}/settings`)
  await addKey(page, "Desk key")

  // The account also gets an authenticator app.
  const stack = readStackState()
  const added = await fetch(`${stack.url}/_e2e/mfa/verified-totp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${stack.serviceRoleKey}`,
    },
    body: JSON.stringify({
      user_id: user.id,
      secret: new Secret({ size: 20 }).base32,
    }),
  })
  expect(added.status).toBe(200)

  await context.clearCookies()
  await page.goto(`${APP}/sign-in?next=%2Fsettings`)
  await signInWithPassword(page, user)
  await expect(page).toHaveURL(`${APP}/sign-in/verify?next=%2Fsettings`)
  await expect(
    page.getByText(
      "Your account asks for a code from your authenticator app or your security key."
    )
  ).toBeVisible()
  await expect(
    page.getByLabel("Code from your authenticator app")
  ).toBeVisible()
  await snap(page, testInfo, "1 second step offers both")
  await page.getByRole("button", { name: "Use your security key" }).click()
  await expect(page).toHaveURL(`${APP}/settings`)
  await expect(
    page.getByRole("list", { name: "Authenticator apps" })
  ).toBeVisible()

  // This session passed a second step and the app stays: the key goes without being asked.
  const [before] = await key.credentials()
  await page.getByRole("button", { name: "Remove Desk key" }).click()
  await expect(page.getByText("Desk key is removed.")).toBeVisible()
  await expect(page.getByText("No security keys yet.")).toBeVisible()
  const [after] = await key.credentials()
  expect(after?.signCount).toBe(before?.signCount)
})
