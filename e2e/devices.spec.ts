import os from "node:os"

import { expect, test } from "@playwright/test"

import { dbId } from "../lib/db-id"
import { devicePairStartResponseSchema } from "../lib/devices/schema"
import {
  DEMO_USER,
  latestMail,
  openEmailLink,
  requestEmailSignIn,
  uniqueEmail,
} from "./fixtures/auth"
import {
  deviceApi,
  expirePairing,
  runAgent,
  startAgentPair,
  tempDeviceConfig,
} from "./fixtures/devices"
import {
  createConfirmedUser,
  sessionCookiesFor,
  signInAsNewUser,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

const devicesHeading = { level: 1, name: "Devices" } as const

test("[devices] a new user pairs a machine and sees it live", async ({
  page,
}, testInfo) => {
  // Three runs of the agent (a fresh tsx process each) and a production app on a busy machine.
  test.setTimeout(240_000)
  const pageErrors: Error[] = []
  page.on("pageerror", (error) => pageErrors.push(error))
  const config = tempDeviceConfig()
  let pairing: Awaited<ReturnType<typeof startAgentPair>> | undefined

  try {
    // Sign up with a magic link from the local mailbox.
    const email = uniqueEmail("journey")
    await page.goto("/sign-in")
    await requestEmailSignIn(page, email)
    await openEmailLink(page, await latestMail(email))
    await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
    await expect(page.getByRole("heading", devicesHeading)).toBeVisible()
    await expect(page.getByText("No devices paired yet")).toBeVisible()
    await expect(
      page.getByText("npm run device -- pair", { exact: true })
    ).toBeVisible()
    await snap(page, testInfo, "1 devices, empty")

    await expect(
      page.getByRole("status").filter({ hasText: "Live" })
    ).toHaveText("Live")
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => Object.assign(window, { __lmxNoReload: true }))

    // The agent asks to pair and prints a link; the user follows it in another tab.
    pairing = await startAgentPair(config.path, "E2E Workstation")
    expect(pairing.userCode).toMatch(
      /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/
    )
    expect(pairing.link.startsWith(`${E2E_APP_URL}/pair?code=`)).toBe(true)

    const pairPage = await page.context().newPage()
    await pairPage.goto(pairing.link)
    await expect(
      pairPage.getByRole("heading", {
        name: "A device is asking to join your account",
      })
    ).toBeVisible()
    const asking = pairPage.getByRole("definition")
    await expect(pairPage.getByRole("note")).toContainText(
      "Approve only a request you started on your own machine just now."
    )
    await expect(pairPage.getByRole("note")).toContainText(email)
    await expect(asking.filter({ hasText: "E2E Workstation" })).toBeVisible()
    await expect(
      asking.filter({ hasText: os.hostname() }).first()
    ).toBeVisible()
    await expect(asking.filter({ hasText: "127.0.0.1" })).toBeVisible()
    await expect(pairPage.getByText(pairing.userCode)).toBeVisible()
    await snap(pairPage, testInfo, "2 pair request")

    // Nothing is decided until the explicit click.
    await pairPage.getByRole("button", { name: "Approve and pair" }).click()
    await expect(
      pairPage.getByRole("heading", { name: "Device approved" })
    ).toBeVisible()
    await snap(pairPage, testInfo, "3 pair approved")
    await pairPage.close()

    // The agent is paired and keeps the device online by itself: nobody runs heartbeat.
    const agentSays = () => pairing!.output().stdout
    await expect
      .poll(agentSays, { timeout: 60_000 })
      .toContain(`Paired "E2E Workstation" with ${email}`)
    await expect
      .poll(agentSays, { timeout: 60_000 })
      .toContain('heartbeat accepted for "E2E Workstation"')
    expect(agentSays()).toContain('Keeping "E2E Workstation" online')

    // The devices tab, untouched since, shows the new device online, live.
    const card = page.getByRole("article", { name: "E2E Workstation" })
    await expect(card.getByText("Online", { exact: true })).toBeVisible()
    await expect(card.getByText(/Last seen/)).toBeVisible()
    await expect(card.getByText("It has not reported yet")).toHaveCount(0)
    expect(
      await page.evaluate(
        () => (window as { __lmxNoReload?: boolean }).__lmxNoReload
      )
    ).toBe(true)
    await snap(page, testInfo, "4 device online")
    // Stopped like Ctrl-C; the revocation below is checked with a fresh heartbeat.
    pairing.stop()
    await pairing.done

    // Rename it on its page.
    await card.getByRole("link", { name: "E2E Workstation" }).click()
    await expect(
      page.getByRole("heading", { level: 1, name: "E2E Workstation" })
    ).toBeVisible()
    await page.getByRole("button", { name: "Rename" }).click()
    const renameDialog = page.getByRole("dialog", { name: "Rename device" })
    await renameDialog.getByLabel("Device name").fill("Renamed Workstation")
    await renameDialog.getByRole("button", { name: "Save name" }).click()
    await expect(renameDialog).toBeHidden()
    await expect(
      page.getByRole("heading", { level: 1, name: "Renamed Workstation" })
    ).toBeVisible()
    await expect(
      page.getByText("Renamed E2E Workstation to Renamed Workstation")
    ).toBeVisible()
    await snap(page, testInfo, "5 device renamed")

    // Point it at a tunnel and let its helper take work.
    await page.getByRole("button", { name: "Edit settings" }).click()
    const settings = page.getByRole("dialog", { name: "Device settings" })
    await settings.getByLabel("Tunnel URL").fill("ftp://not-a-tunnel")
    await settings.getByRole("button", { name: "Save settings" }).click()
    // The error is tied to its field (components/ui/field.tsx), and focus goes there.
    const tunnel = settings.getByLabel("Tunnel URL")
    await expect(tunnel).toBeFocused()
    await expect(tunnel).toHaveAttribute("aria-invalid", "true")
    await expect(tunnel).toHaveAccessibleDescription(
      /^Enter an http:\/\/ or https:\/\/ address.*Leave empty when the machine has no tunnel\.$/
    )
    await settings
      .getByLabel("Tunnel URL")
      .fill("https://e2e-workstation.example.net")
    await settings.getByLabel("Let this device run workflow jobs").check()
    await settings.getByLabel("Jobs at a time").fill("3")
    await settings.getByRole("button", { name: "Save settings" }).click()
    await expect(settings).toBeHidden()
    await expect(
      page.getByRole("link", { name: "https://e2e-workstation.example.net" })
    ).toBeVisible()
    await expect(
      page.getByText("Helper enabled · 3 job(s) at a time")
    ).toBeVisible()

    // Revoke it, through the confirmation.
    await page.getByRole("button", { name: "Revoke" }).click()
    const confirm = page.getByRole("alertdialog", {
      name: "Revoke Renamed Workstation?",
    })
    await expect(confirm).toBeVisible()
    await confirm.getByRole("button", { name: "Revoke device" }).click()
    await expect(confirm).toBeHidden()
    await expect(page.getByText("This device was revoked")).toBeVisible()
    await expect(page.getByRole("button", { name: "Rename" })).toBeHidden()
    await expect(page.getByText("Revoked Renamed Workstation")).toBeVisible()
    await snap(page, testInfo, "6 device revoked")

    // The agent's next heartbeat is refused, and it says why.
    const refused = await runAgent(["heartbeat"], { configPath: config.path })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("This device was revoked from the console")

    await page.goto("/devices?status=revoked")
    await expect(
      page
        .getByRole("article", { name: "Renamed Workstation" })
        .getByText("Revoked", { exact: true })
    ).toBeVisible()
    await expect(page.getByText("Paired E2E Workstation")).toBeVisible()
    await snap(page, testInfo, "7 devices, revoked filter and activity")
    expect(pageErrors).toEqual([])
  } finally {
    pairing?.stop()
    config.dispose()
  }
})

// The seed's sessions and runs have md5-derived ids, which are valid Postgres uuids but not
// RFC 9562 ones: the page must read every id the database returns.
test("[devices] a seeded device shows its recent sessions and runs", async ({
  page,
  context,
}, testInfo) => {
  await context.addCookies(
    await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
  )
  await page.goto("/devices/00000000-0000-4000-b000-000000000001")
  await expect(
    page.getByRole("heading", { level: 1, name: "Studio Mac" })
  ).toBeVisible()

  for (const title of ["Recent sessions", "Recent runs"]) {
    const section = page.getByRole("region", { name: title })
    await expect(section.getByRole("listitem").first()).toBeVisible()
    await expect(section).not.toContainText("Could not load")
  }
  await expect(page.getByText("Could not load")).toHaveCount(0)
  await snap(page, testInfo, "seeded device detail")
})

test("[devices] denying a pairing request tells the agent no", async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(180_000)
  await signInAsNewUser(context, "deny")
  const config = tempDeviceConfig()
  const pairing = await startAgentPair(config.path, "Unknown Laptop")

  try {
    await page.goto(pairing.link)
    await expect(
      page.getByRole("heading", {
        name: "A device is asking to join your account",
      })
    ).toBeVisible()
    await page.getByRole("button", { name: "Deny" }).click()
    await expect(
      page.getByRole("heading", { name: "Request denied" })
    ).toBeVisible()
    await snap(page, testInfo, "pair denied")

    const run = await pairing.done
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/denied/i)

    // The link cannot be used again, and says so.
    await page.goto(pairing.link)
    await expect(
      page.getByRole("heading", { name: "This request was denied" })
    ).toBeVisible()
    await page.goto("/devices")
    await expect(page.getByText("No devices paired yet")).toBeVisible()
    await expect(
      page.getByText("Denied a pairing request from Unknown Laptop")
    ).toBeVisible()
  } finally {
    pairing.stop()
    config.dispose()
  }
})

test("[devices] an expired or unknown code cannot be approved", async ({
  page,
  context,
}, testInfo) => {
  await signInAsNewUser(context, "expired")
  const started = await deviceApi("pair", {
    name: "Stale Request",
    hostname: "stale.local",
  })
  expect(started.status).toBe(200)
  const userCode = String(started.json.user_code)
  await expirePairing(userCode)

  await page.goto("/pair")
  const input = page.getByLabel("Pairing code")
  await expect(input).toBeFocused()
  // Formatted as typed, whatever the case and spacing.
  await input.pressSequentially(userCode.replace("-", "").toLowerCase())
  await expect(input).toHaveValue(userCode)
  await page.getByRole("button", { name: "Continue" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/pair?code=${userCode}`)
  await expect(
    page.getByRole("heading", { name: "This code has expired" })
  ).toBeVisible()
  await expect(
    page.getByRole("button", { name: "Approve and pair" })
  ).toHaveCount(0)
  await snap(page, testInfo, "pair code expired")

  const poll = await deviceApi("pair/token", {
    device_code: started.json.device_code,
  })
  expect(poll.status).toBe(400)
  expect(poll.json.error).toBe("expired_token")

  // A pasted link is reduced to its code; a code nobody issued gets its own message.
  await page.goto("/pair")
  await page.getByLabel("Pairing code").focus()
  await page.evaluate(async () => {
    const input = document.activeElement as HTMLInputElement
    const data = new DataTransfer()
    data.setData("text", "https://lmx.optalocal.com/pair?code=bbbb-bbbb")
    input.dispatchEvent(
      new ClipboardEvent("paste", {
        clipboardData: data,
        bubbles: true,
        cancelable: true,
      })
    )
  })
  await expect(page.getByLabel("Pairing code")).toHaveValue("BBBB-BBBB")
  await page.getByRole("button", { name: "Continue" }).click()
  await expect(
    page.getByRole("heading", { name: "No pairing request has this code" })
  ).toBeVisible()

  // Eight letters with vowels: the input drops what no code holds, and says so rather than
  // asking for "all 8 letters" of a code that had eight.
  await page.goto("/pair")
  await page.getByLabel("Pairing code").pressSequentially("ABCD-EFGH")
  await page.getByRole("button", { name: "Continue" }).click()
  await expect(
    page.getByRole("alert").filter({ hasText: "Codes use consonants only" })
  ).toContainText("A and E are never part of one")
  await expect(page.getByText("Enter all 8 letters")).toHaveCount(0)
  await expect(page).toHaveURL(`${E2E_APP_URL}/pair`)
  await snap(page, testInfo, "pair code with vowels")

  // The same code arriving in a link gets the same answer.
  await page.goto("/pair?code=ABCD-EFGH")
  await expect(
    page.getByRole("alert").filter({ hasText: "Codes use consonants only" })
  ).toBeVisible()
})

test("[devices] the device API refuses a revoked device", async ({
  request,
}) => {
  const user = await createConfirmedUser("revoked")
  const supabase = await userClient(user.email, user.password)

  const started = await deviceApi("pair", {
    name: "Soon Revoked",
    role: "llm_host",
  })
  expect(started.status).toBe(200)
  const { data: approved, error } = await supabase.rpc("pairing_approve", {
    user_code: devicePairStartResponseSchema.parse(started.json).user_code,
  })
  expect(error).toBeNull()
  const deviceId = dbId.parse(approved)
  const token = await deviceApi("pair/token", {
    device_code: started.json.device_code,
  })
  expect(token.status).toBe(200)
  expect(token.json).toMatchObject({
    device_id: deviceId,
    account: { email: user.email },
  })
  const secret = String(token.json.access_token)

  const accepted = await deviceApi(
    "heartbeat",
    { capabilities: { models_loaded: ["gpt-oss-20b"] } },
    secret
  )
  expect(accepted.status).toBe(200)

  const { error: revokeError } = await supabase
    .from("devices")
    .update({ revoked_at: new Date().toISOString() })
    .eq("id", deviceId)
  expect(revokeError).toBeNull()

  const refused = await request.post(`${E2E_APP_URL}/api/device/v1/heartbeat`, {
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": "application/json",
    },
    data: {},
  })
  expect(refused.status()).toBe(401)
  expect(await refused.json()).toMatchObject({ error: "device_revoked" })
  // Revocation is final: the owner cannot undo it either.
  const { error: unrevoke } = await supabase
    .from("devices")
    .update({ revoked_at: null })
    .eq("id", deviceId)
  expect(unrevoke?.message).toMatch(/stays revoked/)
})
