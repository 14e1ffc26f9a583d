import { expect, test, type Page, type TestInfo } from "@playwright/test"

import {
  STAND_IN_MODELS,
  startStandInLlmServer,
  type StandInServer,
} from "../agent/relay/stand-in-llm-server"
import { DEMO_USER } from "./fixtures/auth"
import {
  DEMO_USER_ID,
  serviceRoleClient,
  startDemoRelay,
  STUDIO_MAC,
} from "./fixtures/relay"
import { sessionCookiesFor, signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

// Chat through a paired LLM host (issue #18): the demo user opens /chat, picks the demo LLM
// host ("Studio Mac", supabase/seed.sql), and talks to it through a real
// `npm run device -- serve` agent relaying to the stand-in for LM Studio
// (agent/relay/stand-in-llm-server.ts). A second browser sees the session and its branch live.

test.describe("chat through the LLM host", () => {
  // The sessions this spec writes for the demo account (every one created after it began;
  // specs run one at a time) are removed afterwards: other specs count the demo's seeded
  // sessions exactly (e2e/sessions-list.spec.ts).
  const began = new Date().toISOString()
  let llm: StandInServer
  let relay: Awaited<ReturnType<typeof startDemoRelay>>

  test.beforeAll(async () => {
    // Slow enough that the answer visibly streams, fast enough for the test.
    llm = await startStandInLlmServer({ tokenDelayMs: 15, defaultTokens: 40 })
    relay = await startDemoRelay(llm.port)
  })
  test.afterAll(async () => {
    const removed = await serviceRoleClient()
      .from("cloud_sessions")
      .delete()
      .eq("user_id", DEMO_USER_ID)
      .gte("created_at", began)
    expect(removed.error).toBeNull()
    await relay?.stop()
    await llm?.close()
  })

  test("[chat] the demo user chats with the demo host, regenerates, and a second browser follows live", async ({
    browser,
    page,
    context,
  }, testInfo) => {
    const cookies = await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
    await context.addCookies(cookies)
    await page.goto("/chat")
    await expect(
      page.getByRole("heading", { level: 1, name: "Chat" })
    ).toBeVisible()

    await page.getByLabel("Device").selectOption(STUDIO_MAC)
    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    await page.getByRole("button", { name: "Ask the host" }).click()
    await expect(page.getByText(/models? loaded \(lmstudio\)/)).toBeVisible()
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)

    await page.getByLabel("Message").fill("Explain row level security")
    await page.getByRole("button", { name: "Send" }).click()
    const conversation = page.getByRole("list", { name: "Conversation" })
    // The stand-in answers with the question in bold: markdown rendered, as on the session page.
    await expect(
      conversation.locator("strong", { hasText: "Explain row level security" })
    ).toBeVisible()
    await expect(conversation.getByText("word38")).toBeVisible()
    await expect(conversation.getByText("40 tokens")).toBeVisible()

    // A second browser opens the session the chat wrote.
    const link = page.getByRole("link", { name: "Open in Sessions" })
    const href = await link.getAttribute("href")
    expect(href).toMatch(/^\/sessions\/[0-9a-f-]{36}$/)
    const second = await browser.newContext({ baseURL: E2E_APP_URL })
    await second.addCookies(cookies)
    const other = await second.newPage()
    await other.goto(href!)
    await expect(
      other.getByRole("heading", {
        level: 1,
        name: "Explain row level security",
      })
    ).toBeVisible()
    await expect(other.getByText("word38")).toBeVisible()

    // Regenerate: a new branch, "2 / 2", and the second browser sees the fork live.
    await page.getByRole("button", { name: "Regenerate" }).click()
    await expect(page.getByLabel("Branch 2 of 2")).toBeVisible()
    await expect(conversation.getByText("40 tokens")).toBeVisible()
    await expect(other.getByText("2 / 2").first()).toBeVisible()
    await snapshot(page, testInfo, "chat-regenerated")

    // Stop: the slow model is cut off and what came is kept.
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.slow)
    await page.getByLabel("Message").fill("Take your time")
    await page.getByRole("button", { name: "Send" }).click()
    await expect(
      conversation.locator("strong", { hasText: "Take your time" })
    ).toBeVisible()
    await page.getByRole("button", { name: "Stop" }).click()
    await expect(conversation.getByText("Stopped.")).toBeVisible()
    await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0)

    // Edit the stopped prompt: a sibling prompt (a branch) answered by the echo model.
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)
    await conversation.getByRole("button", { name: "Edit" }).last().click()
    await page.getByLabel("Edited message").fill("Quick one instead")
    await page.getByRole("button", { name: "Send as a new branch" }).click()
    await expect(
      conversation.locator("strong", { hasText: "Quick one instead" })
    ).toBeVisible()
    await expect(page.getByLabel("Branch 2 of 2")).toHaveCount(2)
    await expect(conversation.getByText("Take your time")).toHaveCount(0)
    // The second browser stays on the branch its reader is on; the new branch arrives live
    // in the session's branch outline.
    await expect(other.getByText("You: Quick one instead")).toBeAttached()

    // The same conversation at phone width: composer, branches and answers still usable.
    await page.setViewportSize({ width: 390, height: 844 })
    // A fieldset is as wide as its content unless told otherwise: the long tunnel address
    // once pushed the route choice past the screen's edge, where the layout clipped it.
    const route = page.getByRole("group", { name: "How to reach this device" })
    const routeBox = await route.boundingBox()
    expect(routeBox && routeBox.x + routeBox.width).toBeLessThanOrEqual(390)
    await snapshot(page, testInfo, "chat-phone")
    await page.setViewportSize({ width: 1280, height: 720 })

    // The device page shows the server the agent found and its loaded models.
    await page.goto(`/devices/${STUDIO_MAC}`)
    await expect(page.getByText(`healthy on port ${llm.port}`)).toBeVisible()
    await expect(
      page.getByText(`LM Studio healthy on port ${llm.port}`)
    ).toBeVisible()
    await expect(
      page
        .getByRole("list", { name: "Loaded models" })
        .getByText(STAND_IN_MODELS.echo)
    ).toBeVisible()
    // Tokens/s per model, measured on the device's recent messages (the chats above too).
    await expect(
      page
        .getByRole("list", { name: "Tokens per second by model" })
        .getByText(STAND_IN_MODELS.echo)
    ).toBeVisible()
    // Each accelerator with its memory, on a device whose agent is not running here.
    await page.goto("/devices/00000000-0000-4000-b000-000000000003")
    await expect(
      page
        .getByRole("list", { name: "Accelerators" })
        .getByRole("listitem")
        .filter({
          hasText: /NVIDIA GeForce RTX 4090.*24 GB memory.*driver 550\.54\.14/,
        })
    ).toBeVisible()
    await second.close()
  })

  test("[chat] Continue in chat on a synced session picks the conversation up where it stood", async ({
    page,
    context,
  }) => {
    await context.addCookies(
      await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
    )
    const opened = async () => {
      await page.getByLabel("Device").selectOption(STUDIO_MAC)
      await expect(page.getByText("Live", { exact: true })).toBeVisible()
      await page.getByRole("button", { name: "Ask the host" }).click()
      await expect(page.getByText(/models? loaded \(lmstudio\)/)).toBeVisible()
      await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)
    }
    const question = `Where were we (${Date.now()})`
    await page.goto("/chat")
    await opened()
    await page.getByLabel("Message").fill(question)
    await page.getByRole("button", { name: "Send" }).click()
    const conversation = page.getByRole("list", { name: "Conversation" })
    await expect(conversation.getByText("40 tokens")).toBeVisible()
    const href = await page
      .getByRole("link", { name: "Open in Sessions" })
      .getAttribute("href")

    await page.goto(href!)
    await page.getByRole("link", { name: "Continue in chat" }).click()
    await expect(page).toHaveURL(/\/chat\?session=[0-9a-f-]{36}$/)
    await expect(
      conversation.locator("strong", { hasText: question })
    ).toBeVisible()
    await opened()
    await page.getByLabel("Message").fill("And then?")
    await page.getByRole("button", { name: "Send" }).click()
    await expect(
      conversation.locator("strong", { hasText: "And then?" })
    ).toBeVisible()
    await expect(conversation.getByText("40 tokens")).toHaveCount(2)
    // The host was asked with the whole conversation so far, and the session grew in place.
    const asked = JSON.stringify(llm.requests.at(-1))
    expect(asked).toContain(question)
    expect(asked).toContain("And then?")
    await page.goto(href!)
    await expect(page.getByText("And then?").first()).toBeVisible()
  })

  // Last in this group: it takes the demo host's relay down.
  test("[chat] a host that goes offline mid-answer ends the message with a clear error and keeps the partial text", async ({
    page,
    context,
  }) => {
    await context.addCookies(
      await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
    )
    await page.goto("/chat")
    await page.getByLabel("Device").selectOption(STUDIO_MAC)
    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    await page.getByRole("button", { name: "Ask the host" }).click()
    await expect(page.getByText(/models? loaded \(lmstudio\)/)).toBeVisible()
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.slow)
    const question = `Going dark soon (${Date.now()})`
    await page.getByLabel("Message").fill(question)
    await page.getByRole("button", { name: "Send" }).click()
    const conversation = page.getByRole("list", { name: "Conversation" })
    const partial = conversation.locator("strong", { hasText: question })
    await expect(partial).toBeVisible()

    // The host drops off the net: no error, no goodbye, the answer just stops coming.
    await relay.drop()
    await expect(
      conversation.getByRole("alert").filter({
        hasText:
          "The host stopped answering (offline, or its agent stopped). The text so far is kept.",
      })
    ).toBeVisible({ timeout: 20_000 })
    await expect(partial).toBeVisible()
    await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0)
    // The partial answer is saved as it stood.
    await expect
      .poll(async () => {
        const { data } = await serviceRoleClient()
          .from("cloud_messages")
          .select("content")
          .eq("user_id", DEMO_USER_ID)
          .eq("role", "assistant")
          .like("content", `%${question}%`)
        return data?.length ?? 0
      })
      .toBe(1)
  })
})

test.describe("chat straight to the device's tunnel", () => {
  const began = new Date().toISOString()
  let relayed: StandInServer
  let open: StandInServer
  let refusing: StandInServer
  let relay: Awaited<ReturnType<typeof startDemoRelay>>
  const admin = serviceRoleClient
  let seededTunnel: string | null = null
  const setTunnel = async (url: string | null) => {
    const { error } = await admin()
      .from("devices")
      .update({ tunnel_url: url })
      .eq("id", STUDIO_MAC)
    expect(error).toBeNull()
  }

  test.beforeAll(async () => {
    const { data } = await admin()
      .from("devices")
      .select("tunnel_url")
      .eq("id", STUDIO_MAC)
      .single()
    seededTunnel = data?.tunnel_url ?? null
    relayed = await startStandInLlmServer({ tokenDelayMs: 5 })
    // The tunnel in front of LM Studio with CORS on for this console, and one without.
    open = await startStandInLlmServer({
      tokenDelayMs: 5,
      cors: [new URL(E2E_APP_URL).origin],
    })
    refusing = await startStandInLlmServer({ tokenDelayMs: 5 })
    relay = await startDemoRelay(relayed.port)
  })
  test.afterAll(async () => {
    await setTunnel(seededTunnel)
    const removed = await admin()
      .from("cloud_sessions")
      .delete()
      .eq("user_id", DEMO_USER_ID)
      .gte("created_at", began)
    expect(removed.error).toBeNull()
    await relay?.stop()
    for (const server of [relayed, open, refusing]) await server?.close()
  })

  test("[chat] the owner calls the tunnel directly when preferred, without their token, and falls back to the relay when the tunnel refuses the browser", async ({
    page,
    context,
  }) => {
    await setTunnel(open.url)
    await context.addCookies(
      await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
    )
    const response = await page.goto("/chat")
    // The page may reach exactly this tunnel, not any host.
    const csp = response?.headers()["content-security-policy"] ?? ""
    const connect = csp
      .split("; ")
      .find((directive) => directive.startsWith("connect-src"))
    expect(connect).toContain(open.url)
    expect(connect).not.toContain(refusing.url)
    expect(connect).not.toMatch(/ \*( |$)/)

    await page.getByLabel("Device").selectOption(STUDIO_MAC)
    await page.getByLabel(`Directly, at ${open.url}`).check()
    await expect(page.getByText(`Calling ${open.url} directly.`)).toBeVisible()
    await page.getByRole("button", { name: "Ask the host" }).click()
    await expect(page.getByText(/models? loaded \(tunnel\)/)).toBeVisible()
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)
    await page.getByLabel("Message").fill("Straight through the tunnel")
    await page.getByRole("button", { name: "Send" }).click()
    const conversation = page.getByRole("list", { name: "Conversation" })
    await expect(
      conversation.locator("strong", { hasText: "Straight through the tunnel" })
    ).toBeVisible()
    await expect(conversation.getByText("24 tokens")).toBeVisible()
    expect(JSON.stringify(open.requests)).toContain(
      "Straight through the tunnel"
    )
    expect(JSON.stringify(relayed.requests)).not.toContain(
      "Straight through the tunnel"
    )
    // The tunnel never sees the user's Supabase token or cookies.
    for (const headers of open.headers) {
      expect(headers.authorization).toBeUndefined()
      expect(headers.cookie).toBeUndefined()
      expect(headers.apikey).toBeUndefined()
    }

    // Remembered for this device; a tunnel without CORS for this origin is reported, and the
    // chat goes through the relay.
    await setTunnel(refusing.url)
    await page.goto("/chat")
    await page.getByLabel("Device").selectOption(STUDIO_MAC)
    await expect(page.getByLabel(`Directly, at ${refusing.url}`)).toBeChecked()
    await expect(
      page.getByText(
        /does not allow this console's origin \(CORS\).*Chatting through the relay instead\./
      )
    ).toBeVisible()
    await page.getByLabel("Model").selectOption(STAND_IN_MODELS.echo)
    await page.getByLabel("Message").fill("Through the relay after all")
    await page.getByRole("button", { name: "Send" }).click()
    await expect(
      conversation.locator("strong", { hasText: "Through the relay after all" })
    ).toBeVisible()
    expect(JSON.stringify(relayed.requests)).toContain(
      "Through the relay after all"
    )
    expect(refusing.requests).toHaveLength(0)
  })
})

test("[chat] a brand-new account sees an empty chat that offers only commands and pages that exist", async ({
  browser,
}, testInfo) => {
  const context = await browser.newContext({ baseURL: E2E_APP_URL })
  await signInAsNewUser(context, "chat-empty")
  const page = await context.newPage()
  await page.goto("/chat")
  await expect(
    page.getByRole("heading", { name: "No device to chat with" })
  ).toBeVisible()
  await expect(page.getByText("npm run device -- serve")).toBeVisible()
  const pair = page.getByRole("link", { name: "Pair a device" })
  await expect(pair).toHaveAttribute("href", "/pair")
  await snap(page, testInfo, "chat-empty")
  await page.setViewportSize({ width: 390, height: 844 })
  await snap(page, testInfo, "chat-empty-phone")
  await pair.click()
  await expect(page).toHaveURL(/\/pair$/)
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible()
  await context.close()
})

/** A screenshot kept with the test's results, to look at after a run. */
async function snapshot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  await testInfo.attach(name, { path: file, contentType: "image/png" })
}
