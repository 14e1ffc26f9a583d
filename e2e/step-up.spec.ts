import { expect, test } from "@playwright/test"
import { Secret, TOTP } from "otpauth"

import { readStackState } from "./fixtures/auth"
import { signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

test("[step-up] an aal1 session of an account with an authenticator app is asked for its code when it creates a workflow, and the same save then goes through", async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(180_000)
  const owner = await signInAsNewUser(context, "step-up")
  const suffix = Date.now().toString(36)
  const slug = `step-${suffix}`

  await page.goto("/projects")
  await page.getByRole("button", { name: "New project" }).click()
  const dialog = page.getByRole("dialog", { name: "New project" })
  await dialog.getByLabel("Name").fill(`Step ${suffix}`)
  await dialog.getByLabel("Slug").fill(slug)
  await dialog.getByRole("button", { name: "Create project" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/projects/${slug}`)
  await page.getByRole("link", { name: "Workflows" }).click()
  await page.getByRole("button", { name: "New workflow" }).click()
  const editor = page.getByRole("dialog", { name: "New workflow" })
  await editor.getByLabel("Name", { exact: true }).fill("deploy")

  // Meanwhile the account gets an authenticator app; this page's session is still aal1.
  const secret = new Secret({ size: 20 }).base32
  const stack = readStackState()
  const added = await fetch(`${stack.url}/_e2e/mfa/verified-totp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${stack.serviceRoleKey}`,
    },
    body: JSON.stringify({ user_id: owner.id, secret }),
  })
  expect(added.status).toBe(200)

  // The database refuses the aal1 write; the console asks for the code instead of failing.
  await editor.getByRole("button", { name: "Create workflow" }).click()
  const stepUp = page.getByRole("dialog", { name: "Confirm it is you" })
  await expect(stepUp).toBeVisible()
  await snap(page, testInfo, "1 step-up asked")
  const code = stepUp.getByLabel("Code from your authenticator app")
  await code.fill("000000")
  await stepUp.getByRole("button", { name: "Confirm and continue" }).click()
  await expect(stepUp.getByText("That code did not match.")).toBeVisible()
  await code.fill(
    new TOTP({
      secret: Secret.fromBase32(secret),
      digits: 6,
      period: 30,
    }).generate()
  )
  await stepUp.getByRole("button", { name: "Confirm and continue" }).click()
  await expect(stepUp).toBeHidden()

  // The same save ran again, now at aal2, and went through.
  await expect(page.getByRole("list", { name: "Workflows" })).toContainText(
    "deploy"
  )
  await snap(page, testInfo, "2 workflow saved after the code")
})
