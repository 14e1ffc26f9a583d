import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"

import { expect, test, type Page } from "@playwright/test"

import { DEMO_USER } from "./fixtures/auth"
import {
  sessionCookiesFor,
  signInAsNewUser,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

// The session page on the demo seed (supabase/seed_sessions.sql): branches, tool calls,
// reasoning, a 2,400-message session, deep links, export, and hostile synced content.

/** The seed's ids are md5(label)::uuid. */
function seedId(label: string) {
  const hex = createHash("md5").update(label).digest("hex")

  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const BRANCHED = seedId("lmx-demo-session-branches")
const TOOLS = seedId("lmx-demo-session-tools")
const REASONING = seedId("lmx-demo-session-reasoning")
const LONG = seedId("lmx-demo-session-long")

function watchErrors(page: Page) {
  const errors: Error[] = []
  page.on("pageerror", (error) => errors.push(error))

  return errors
}

test.describe("demo sessions", () => {
  test.beforeEach(async ({ context }) => {
    await context.addCookies(
      await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
    )
  })

  test("[sessions] the demo user opens the branched session and switches branches", async ({
    page,
  }, testInfo) => {
    const errors = watchErrors(page)
    await page.goto(`/sessions/${BRANCHED}`)
    await expect(
      page.getByRole("heading", {
        level: 1,
        name: "Pick a quantisation for llama-3.3-70b",
      })
    ).toBeVisible()
    const totals = page.getByRole("definition").first()
    await expect(totals).toContainText("13 (8 shown)")
    // The GFM table of the first answer, and the fork point under the question.
    await expect(
      page.getByRole("cell", { name: "Q4_K_M", exact: true })
    ).toBeVisible()
    await expect(
      page.getByText("Fork point: 3 branches continue from here")
    ).toBeVisible()
    await expect(page.getByText("Keep Q4_K_M with an 8k context")).toBeVisible()

    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    const conversation = page.getByRole("region", { name: /^Conversation/ })
    const firstAnswer = conversation
      .getByRole("navigation", { name: "Branches at this message" })
      .first()
    await expect(firstAnswer).toContainText("1 / 3")
    await firstAnswer.getByRole("button", { name: "Next branch" }).click()
    await expect(firstAnswer).toContainText("2 / 3")
    await expect(conversation.getByText("Short answer:")).toBeVisible()
    await expect(
      conversation.getByText("Keep Q4_K_M with an 8k context")
    ).toHaveCount(0)
    await firstAnswer.getByRole("button", { name: "Next branch" }).click()
    await expect(firstAnswer).toContainText("3 / 3")
    await expect(
      firstAnswer.getByRole("button", { name: "Next branch" })
    ).toBeDisabled()

    // The outline reaches every branch: open the edited prompt from it.
    await page.locator("summary").filter({ hasText: "Branches" }).click()
    const outline = page.getByRole("navigation", { name: "Branch outline" })
    await outline
      .getByRole("button", { name: /And with IQ3_M instead/ })
      .click()
    await expect(conversation.getByText(/32k/).first()).toBeVisible()
    await snap(page, testInfo, "branched session")
    expect(errors).toEqual([])
  })

  test("[sessions] tool calls and reasoning are collapsed cards that open", async ({
    page,
  }) => {
    const errors = watchErrors(page)
    await page.goto(`/sessions/${TOOLS}`)
    // Hydrated and laid out (the live subscription is up) before clicking: the virtualised
    // list measures its rows once, and a click aimed before that can land on a moved row.
    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    const call = page
      .locator("summary")
      .filter({ hasText: "Tool call" })
      .filter({ hasText: "list_runs" })
    await expect(call).toBeVisible()
    const argumentsText = page.getByText('"workflow": "backup"').first()
    await expect(argumentsText).toBeHidden()
    await call.click()
    await expect(argumentsText).toBeVisible()
    // Its result, from the tool message after it.
    await expect(page.getByText('"id": "run_8121"').first()).toBeVisible()
    await expect(
      page.getByRole("cell", { name: "/var/backups", exact: true })
    ).toBeVisible()

    await page.goto(`/sessions/${REASONING}`)
    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    const reasoning = page.getByText(/Mersenne number, M61/)
    await expect(reasoning).toBeHidden()
    await page
      .locator("summary")
      .filter({ hasText: "Reasoning" })
      .first()
      .click()
    await expect(reasoning).toBeVisible()
    // A highlighted code block: the Python source is split into coloured tokens.
    await expect(
      page.locator("pre[data-highlighted=true]").first()
    ).toContainText("def lucas_lehmer")
    expect(errors).toEqual([])
  })

  test("[sessions] a deep link opens the branch holding the message and highlights it", async ({
    page,
  }) => {
    const target = seedId("lmx-demo-branches-a3b")
    await page.goto(`/sessions/${BRANCHED}#m-${target}`)
    const message = page.locator(`[id="m-${target}"]`)
    await expect(message).toBeVisible()
    await expect(message).toHaveAttribute("data-highlighted", "true")
    await expect(message).toContainText("curl")
    await expect(message).toContainText("2 / 2")
  })

  test("[sessions] exports Markdown from the page and JSONL by URL", async ({
    page,
  }) => {
    await page.goto(`/sessions/${BRANCHED}`)
    // Hydrated (the live subscription is up) before clicking.
    await expect(page.getByText("Live", { exact: true })).toBeVisible()
    const downloading = page.waitForEvent("download")
    await page.getByRole("link", { name: "Export Markdown" }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toMatch(
      /^lmx-session-pick-a-quantisation-for-llama-33-70b-\d{4}-\d{2}-\d{2}\.md$/
    )
    const markdown = readFileSync((await download.path())!, "utf8")
    expect(markdown).toContain("# Pick a quantisation for llama-3.3-70b")
    expect(markdown).toContain("Keep Q4_K_M with an 8k context")
    expect(markdown).toContain("This session has 3 forks")

    const response = await page.request.get(
      `/sessions/export?format=json&id=${BRANCHED}&id=${TOOLS}`
    )
    expect(response.status()).toBe(200)
    expect(response.headers()["content-disposition"]).toContain("attachment")
    const lines = (await response.text())
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string })
    expect(lines.filter((line) => line.type === "session")).toHaveLength(2)
    expect(lines.filter((line) => line.type === "message")).toHaveLength(
      13 + 11
    )
    expect(
      (
        await page.request.get(`/sessions/export?format=pdf&id=${BRANCHED}`)
      ).status()
    ).toBe(400)
  })

  test("[sessions] the 2,000-message session paints its start and scrolls to its end", async ({
    page,
  }) => {
    await page.goto(`/sessions/${LONG}`)
    await expect(
      page.getByText("Step 1: the Open WebUI importer", { exact: false })
    ).toBeVisible()
    // Virtualised: a screenful of messages in the DOM, not 2,400.
    expect(await page.locator("article").count()).toBeLessThan(60)
    const last = page.getByText("Step 1200:", { exact: false })
    for (let i = 0; i < 20 && !(await last.isVisible()); i++) {
      await page.evaluate(() =>
        window.scrollTo(0, document.documentElement.scrollHeight)
      )
      await page.waitForTimeout(150)
    }
    await expect(last).toBeVisible()
    expect(await page.locator("article").count()).toBeLessThan(60)
  })

  test("[sessions] phone width", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`/sessions/${TOOLS}`)
    await expect(
      page.getByRole("heading", { level: 1, name: /backup fail/ })
    ).toBeVisible()
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth
    )
    expect(overflow).toBeLessThanOrEqual(0)
    await snap(page, testInfo, "session at phone width")
  })
})

test("[sessions] hostile synced content stays text, new messages stream in, and strangers get not found", async ({
  page,
  context,
  browser,
}) => {
  const user = await signInAsNewUser(context, "session-xss")
  const supabase = await userClient(user.email, user.password)
  const { data: auth } = await supabase.auth.getUser()
  const userId = auth.user!.id
  const { data: session, error } = await supabase
    .from("cloud_sessions")
    .insert({
      user_id: userId,
      title: `<script>window.__xss = "title"</script><img src=x onerror="window.__xss='title-img'">`,
    })
    .select("id")
    .single()
  expect(error).toBeNull()
  const hostile = [
    {
      role: "user",
      content: `Hello <script>window.__xss = "content"</script> <img src=x onerror="window.__xss='img'"> [click me](javascript:window.__xss='link') <a href="javascript:alert(1)">raw link</a>`,
    },
    {
      role: "assistant",
      content: "Calling a tool.",
      reasoning: `<img src=x onerror="window.__xss='reasoning'">`,
      tool_calls: [
        {
          id: "call_x",
          type: "function",
          function: {
            name: `<img src=x onerror="window.__xss='name'">`,
            arguments: `{"q": "<script>window.__xss='args'</script><img src=x onerror=alert(1)>"}`,
          },
        },
      ],
    },
    {
      role: "tool",
      content: `{"html": "<img src=x onerror=\\"window.__xss='result'\\">"}`,
    },
  ]
  const ids = hostile.map(() => crypto.randomUUID())
  const { error: messagesError } = await supabase.from("cloud_messages").insert(
    hostile.map((message, index) => ({
      ...message,
      id: ids[index],
      parent_id: index === 0 ? null : ids[index - 1],
      session_id: session!.id,
      user_id: userId,
      message_index: index,
    }))
  )
  expect(messagesError).toBeNull()

  const dialogs: string[] = []
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  await page.goto(`/sessions/${session!.id}`)
  await expect(page.getByRole("heading", { level: 1 })).toContainText(
    "<script>"
  )
  await expect(page.getByText("click me")).toBeVisible()
  await expect(page.getByText("Live", { exact: true })).toBeVisible()
  expect(
    await page
      .getByText("click me")
      .evaluate((el) => el.closest("a")?.getAttribute("href") ?? "")
  ).not.toMatch(/javascript:/i)
  await page.locator("summary").filter({ hasText: "Tool call" }).click()
  await page.locator("summary").filter({ hasText: "Reasoning" }).click()
  await page.locator("summary").filter({ hasText: "Result of" }).click()
  await expect(page.getByText(/window\.__xss='args'/).first()).toBeVisible()
  await page.waitForTimeout(500)
  expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBe(
    undefined
  )
  expect(dialogs).toEqual([])
  expect(await page.locator("main script, main img, main iframe").count()).toBe(
    0
  )

  // Live: a message written while the page is open streams in.
  await supabase.from("cloud_messages").insert({
    session_id: session!.id,
    user_id: userId,
    message_index: 3,
    parent_id: ids.at(-1),
    role: "assistant",
    content: "A message that arrived live.",
  })
  await expect(page.getByText("A message that arrived live.")).toBeVisible()

  // Someone else: the page and the export are 404s, and so is a malformed id.
  const stranger = await browser.newContext()
  await signInAsNewUser(stranger, "session-stranger")
  const other = await stranger.newPage()
  // A real 404 status: no loading boundary streams the page before it knows.
  const foreign = await other.goto(`/sessions/${session!.id}`)
  expect(foreign?.status()).toBe(404)
  await expect(other.getByText("Page not found")).toBeVisible()
  await expect(other.locator('meta[name="robots"]').first()).toHaveAttribute(
    "content",
    /noindex/
  )
  await expect(other.getByText("A message that arrived live.")).toHaveCount(0)
  expect(
    (
      await other.request.get(
        `/sessions/export?format=markdown&id=${session!.id}`
      )
    ).status()
  ).toBe(404)
  expect((await other.goto("/sessions/not-a-uuid"))?.status()).toBe(404)
  await expect(other.getByText("Page not found")).toBeVisible()
  await stranger.close()

  // The owner deletes it from the page itself, lands on the list, and undoes it.
  await page.getByRole("button", { name: "Delete" }).click()
  await page
    .getByRole("alertdialog")
    .getByRole("button", { name: "Delete" })
    .click()
  await page.waitForURL(/\/sessions$/)
  const { data: deleted } = await supabase
    .from("cloud_sessions")
    .select("deleted_at")
    .eq("id", session!.id)
    .single()
  expect(deleted?.deleted_at).not.toBeNull()
  await page.getByRole("button", { name: "Undo" }).click()
  await page.waitForURL(`**/sessions/${session!.id}`)
  await expect(page.getByText("A message that arrived live.")).toBeVisible()
})
