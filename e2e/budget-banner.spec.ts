import { expect, test } from "@playwright/test"

import { signInAsNewUser, userClient } from "./fixtures/session"
import { snap } from "./fixtures/snap"

// A brand-new account with one priced session this month sets a monthly budget and sees the
// console's banner: first past its warning, then used up, on every console page, with a way
// back to the budgets. The account is its own, so no other file's pages gain a banner.
const SESSION = "0bd6e7a0-0000-4000-8000-000000000001"

test("[usage] a budget's warning and its end show a banner on every console page", async ({
  context,
  page,
}, testInfo) => {
  test.setTimeout(120_000)
  const user = await signInAsNewUser(context, "budget-banner")
  const supabase = await userClient(user.email, user.password)
  // One million input and output tokens of a seeded price ($0.59 + $0.79 per million): $1.38.
  const { data, error } = await supabase.rpc("sync_push", {
    batch: {
      sessions: [
        {
          id: SESSION,
          client_id: "budget-banner",
          sync_version: 1,
          title: "A costly evening",
        },
      ],
      messages: [
        {
          id: "0bd6e7a0-0000-4000-8000-000000000002",
          session_id: SESSION,
          sync_version: 1,
          message_index: 0,
          role: "assistant",
          content: "done",
          model: "llama-3.3-70b-instruct",
          input_tokens: 1_000_000,
          output_tokens: 1_000_000,
          cached_tokens: 0,
          created_at: new Date().toISOString(),
        },
      ],
    },
  })
  expect(error).toBeNull()
  expect(data?.map((row) => row.status)).toEqual(["applied", "applied"])

  await page.goto("/sessions")
  await expect(
    page.getByRole("heading", { name: "Sessions", level: 1 })
  ).toBeVisible()
  await expect(
    page.getByRole("alert").filter({ hasText: "budget" })
  ).toHaveCount(0)

  await page.goto("/usage/prices#budgets")
  const form = page
    .locator("form")
    .filter({ has: page.getByRole("heading", { name: "Your usage" }) })
  await form.getByLabel("Dollars per month").fill("10")
  await form.getByLabel("Warn at (%)").fill("10")
  await form.getByRole("button", { name: "Save budget" }).click()
  const banner = page.getByRole("alert").filter({ hasText: "monthly budget" })
  await expect(banner).toContainText(
    "Your monthly budget has passed its 10% warning"
  )
  await expect(banner).toContainText("$1.38 of $10.00 this month")

  await form.getByLabel("Dollars per month").fill("1")
  await form.getByRole("button", { name: "Save budget" }).click()
  await expect(banner).toContainText(
    "Your monthly budget is used up: $1.38 of $1.00"
  )

  // Every console page carries it, and it leads back to the budgets.
  await page.goto("/devices")
  await expect(banner).toContainText("is used up")
  await page.setViewportSize({ width: 390, height: 844 })
  await snap(page, testInfo, "budget-banner-phone")
  await banner.getByRole("link", { name: "Budgets" }).click()
  await expect(page).toHaveURL(/\/usage\/prices#budgets$/)
})
