import { expect, test } from "@playwright/test"

import { devicePairStartResponseSchema } from "../lib/devices/schema"
import { DEMO_USER } from "./fixtures/auth"
import { deviceApi } from "./fixtures/devices"
import {
  sessionCookiesFor,
  signInAsNewUser,
  userClient,
} from "./fixtures/session"
import { snap } from "./fixtures/snap"

// Sessions, Runs, Projects and Usage ask the database: the seeded demo account sees what it
// has, and only an account with nothing sees the empty states.

test("[console] the demo account sees its sessions, runs, projects and usage", async ({
  page,
  context,
}, testInfo) => {
  const pageErrors: Error[] = []
  page.on("pageerror", (error) => pageErrors.push(error))
  await context.addCookies(
    await sessionCookiesFor(DEMO_USER.email, DEMO_USER.password)
  )
  // What the database holds for the demo user, asked as that user (RLS applies).
  const demo = await userClient(DEMO_USER.email, DEMO_USER.password)
  const sessions = await demo
    .from("session_summary")
    .select("id", { count: "exact", head: true })
  const runs = await demo
    .schema("ops")
    .from("runs")
    .select("id", { count: "exact", head: true })
  const projects = await demo.schema("ops").from("projects").select("name")
  expect(sessions.count).toBeGreaterThan(0)
  expect(runs.count).toBeGreaterThan(0)
  expect(projects.data?.length).toBeGreaterThan(0)

  await page.goto("/sessions")
  await expect(
    page.getByRole("heading", { level: 1, name: "Sessions" })
  ).toBeVisible()
  // The first page of the list (e2e/sessions-list.spec.ts covers the rest).
  const sessionRows = page
    .getByRole("table")
    .getByRole("row")
    .filter({ has: page.getByRole("cell") })
  await expect(sessionRows).toHaveCount(Math.min(sessions.count!, 50))
  await expect(sessionRows.first()).toContainText(/\$\d/)
  await expect(sessionRows.first().locator("time")).toHaveAttribute(
    "title",
    /\d{4}/
  )
  await expect(page.getByText("No sessions synced yet")).toHaveCount(0)
  await snap(page, testInfo, "demo sessions")

  await page.goto("/runs")
  // The first keyset page of every project's runs, newest first, each with its status.
  const runRows = page
    .getByRole("table")
    .getByRole("row")
    .filter({ has: page.getByRole("cell") })
  await expect(runRows).toHaveCount(Math.min(runs.count!, 50))
  await expect(runRows.first()).toContainText(
    /Queued|Claimed|Running|Succeeded|Failed|Canceled/
  )
  await expect(page.getByTestId("queue-text").first()).toContainText(
    /in queue · (no worker|\d+ workers?) online for this project · waiting/
  )
  await expect(page.getByText("No runs yet")).toHaveCount(0)
  await snap(page, testInfo, "demo runs")

  await page.goto("/projects")
  const yours = page.getByRole("region", { name: "Your projects" })
  await expect(yours).toContainText(
    `You belong to ${projects.data!.length} project`
  )
  for (const { name } of projects.data!) {
    await expect(
      yours.getByRole("listitem").filter({ hasText: name })
    ).toContainText(/Your role: (Owner|Admin|Developer|Viewer)/)
  }
  await expect(page.getByText("No projects yet")).toHaveCount(0)
  await snap(page, testInfo, "demo projects")

  await page.goto("/usage")
  const byModel = page.getByRole("region", { name: "By model", exact: true })
  await expect(byModel.getByRole("row")).not.toHaveCount(0)
  await expect(
    byModel.getByRole("row").filter({ hasText: "All models" })
  ).toContainText("$")
  await expect(
    byModel.getByRole("cell", { name: "qwen3-coder-30b-a3b" })
  ).toBeVisible()
  await expect(page.getByText("No usage in the last 30 days")).toHaveCount(0)
  await snap(page, testInfo, "demo usage")
  expect(pageErrors).toEqual([])
})

test("[console] a brand-new account sees the empty states", async ({
  page,
  context,
}) => {
  await signInAsNewUser(context, "empty-pages")

  const pages = [
    ["/sessions", "No sessions synced yet"],
    ["/runs", "No runs yet"],
    ["/projects", "No projects yet"],
    ["/usage", "No usage in the last 30 days"],
  ] as const
  for (const [path, emptyTitle] of pages) {
    await page.goto(path)
    await expect(
      page.getByRole("heading", { level: 2, name: emptyTitle })
    ).toBeVisible()
    await expect(page.getByText(/Could not load/)).toHaveCount(0)
    // No hint names an agent command that does not exist (see agent/command-hints.test.ts);
    // `sync` exists (issue #11) and the sessions page names it.
    await expect(
      page.getByText(
        path === "/sessions"
          ? /npm run device -- worker/
          : /npm run device -- (sync|worker)/
      )
    ).toHaveCount(0)
  }
})

test("[devices] a paired device that never reported says what to run", async ({
  page,
  context,
}) => {
  // Paired through the API without the agent, so no heartbeat was ever sent.
  const user = await signInAsNewUser(context, "never-reported")
  const supabase = await userClient(user.email, user.password)
  const started = await deviceApi("pair", { name: "Silent Box" })
  expect(started.status).toBe(200)
  const approved = await supabase.rpc("pairing_approve", {
    user_code: devicePairStartResponseSchema.parse(started.json).user_code,
  })
  expect(approved.error).toBeNull()

  await page.goto("/devices")
  const card = page.getByRole("article", { name: "Silent Box" })
  await expect(card.getByText("Never connected")).toBeVisible()
  await expect(card).toContainText(
    "To bring it online, run npm run device -- heartbeat --watch on that machine."
  )
})
