import { generateKeyPairSync, randomBytes } from "node:crypto"

import { expect, test, type Page } from "@playwright/test"
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers"
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
    /** Puts a key pair of the spec's making on the authenticator, as if it had registered it. */
    addCredential: (credential: {
      credentialId: Uint8Array
      privateKeyPkcs8: Buffer
    }) =>
      cdp.send("WebAuthn.addCredential", {
        authenticatorId,
        credential: {
          credentialId: Buffer.from(credential.credentialId).toString("base64"),
          isResidentCredential: false,
          rpId: "localhost",
          privateKey: credential.privateKeyPkcs8.toString("base64"),
          signCount: 0,
        },
      }),
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

/** A P-256 security key made here: its id, the private key for the authenticator, and the
 * COSE public key (RFC 9053 §7.1.1) for Auth. */
function makeSecurityKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "P-256",
  })
  const jwk = publicKey.export({ format: "jwk" })
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, isoBase64URL.toBuffer(jwk.x!)],
      [-3, isoBase64URL.toBuffer(jwk.y!)],
    ])
  )
  const credentialId = new Uint8Array(randomBytes(16))

  return {
    credentialId,
    privateKeyPkcs8: privateKey.export({ format: "der", type: "pkcs8" }),
    publicKeyCose: cose,
  }
}

test("[security keys] an aal1 page of an account that has just gained a security key is asked for the key when it creates a workflow, and the same save then goes through", async ({
  page,
  browserName,
}, testInfo) => {
  test.skip(browserName !== "chromium", "the virtual authenticator is CDP")
  test.setTimeout(180_000)
  const owner = await signedInAt(page, "security-key-step-up")
  const authenticator = await addVirtualSecurityKey(page)
  const suffix = Date.now().toString(36)
  const slug = `key-${suffix}`

  await page.goto(`${APP}/projects`)
  await page.getByRole("button", { name: "New project" }).click()
  const dialog = page.getByRole("dialog", { name: "New project" })
  await dialog.getByLabel("Name").fill(`Key ${suffix}`)
  await dialog.getByLabel("Slug").fill(slug)
  await dialog.getByRole("button", { name: "Create project" }).click()
  await expect(page).toHaveURL(`${APP}/projects/${slug}`)
  await page.getByRole("link", { name: "Workflows" }).click()
  await page.getByRole("button", { name: "New workflow" }).click()
  const editor = page.getByRole("dialog", { name: "New workflow" })
  await editor.getByLabel("Name", { exact: true }).fill("deploy")

  // Meanwhile the account gets a security key (this authenticator holds it); this page's
  // session is still aal1.
  const key = makeSecurityKey()
  await authenticator.addCredential(key)
  const stack = readStackState()
  const added = await fetch(`${stack.url}/_e2e/mfa/verified-webauthn`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${stack.serviceRoleKey}`,
    },
    body: JSON.stringify({
      user_id: owner.id,
      credential_id: isoBase64URL.fromBuffer(key.credentialId),
      public_key: isoBase64URL.fromBuffer(key.publicKeyCose),
    }),
  })
  expect(added.status).toBe(200)

  // The database refuses the aal1 write; the console asks for the key (no app, so no code).
  await editor.getByRole("button", { name: "Create workflow" }).click()
  const stepUp = page.getByRole("dialog", { name: "Confirm it is you" })
  await expect(stepUp).toBeVisible()
  const useKey = stepUp.getByRole("button", { name: "Use your security key" })
  await expect(useKey).toBeVisible()
  await expect(
    stepUp.getByLabel("Code from your authenticator app")
  ).toHaveCount(0)
  await snap(page, testInfo, "1 step-up asks for the key")
  await useKey.click()
  await expect(stepUp).toBeHidden()

  // The same save ran again, now at aal2, and went through.
  await expect(page.getByRole("list", { name: "Workflows" })).toContainText(
    "deploy"
  )
  const [used] = await authenticator.credentials()
  expect(used?.signCount).toBeGreaterThan(0)
})
