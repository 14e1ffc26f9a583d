import { expect, test } from "@playwright/test"

import { latestMail, openEmailLink, uniqueEmail } from "./fixtures/auth"
import { clientFromBrowser } from "./fixtures/projects"
import { signInAsNewUser } from "./fixtures/session"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

test("[projects] an owner invites someone by email, who joins, is made a viewer and is refused what viewers cannot do", async ({
  page,
  context,
  browser,
}, testInfo) => {
  test.setTimeout(240_000)
  const owner = await signInAsNewUser(context, "project-owner")
  const suffix = Date.now().toString(36)
  const projectName = `Lab ${suffix}`
  const slug = `lab-${suffix}`

  // The owner creates a project and a workflow.
  await page.goto("/projects")
  await page.getByRole("button", { name: "New project" }).click()
  const dialog = page.getByRole("dialog", { name: "New project" })
  await dialog.getByLabel("Name").fill(projectName)
  await dialog.getByLabel("Slug").fill(slug)
  await dialog.getByRole("button", { name: "Create project" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/projects/${slug}`)
  await expect(
    page.getByRole("heading", { level: 1, name: projectName })
  ).toBeVisible()

  await page.getByRole("link", { name: "Workflows" }).click()
  await page.getByRole("button", { name: "New workflow" }).click()
  const editor = page.getByRole("dialog", { name: "New workflow" })
  await editor.getByLabel("Name", { exact: true }).fill("build")
  // The definition opens as a form; a step added without its command is refused at its field.
  await expect(
    editor.getByRole("button", { name: "Form", pressed: true })
  ).toBeVisible()
  await editor.getByRole("button", { name: "Run a command" }).click()
  const second = editor.getByRole("group", { name: "Step 2" })
  await expect(second.getByText("Enter the command to run.")).toBeVisible()
  await expect(
    editor.getByRole("button", { name: "Create workflow" })
  ).toBeDisabled()
  await second.getByLabel("Command").fill("npm test")
  await second.getByLabel("Timeout (seconds)").fill("600")
  await snap(page, testInfo, "0 workflow form")
  await editor.getByRole("button", { name: "JSON" }).click()
  await expect(editor.getByLabel("Definition (JSON)")).toHaveValue(
    /"run": "npm test",\s+"timeout_seconds": 600|"timeout_seconds": 600[\s\S]*"run": "npm test"/
  )
  await editor.getByRole("button", { name: "Create workflow" }).click()
  await expect(page.getByRole("list", { name: "Workflows" })).toContainText(
    "build"
  )

  // The owner invites a second person; the email reaches the mailbox.
  const inviteeEmail = uniqueEmail("invitee")
  await page.getByRole("link", { name: "Invitations" }).click()
  await page.getByLabel("Email").fill(inviteeEmail)
  await page.getByLabel("Role").selectOption("developer")
  await page.getByRole("button", { name: "Send invitation" }).click()
  await expect(
    page
      .getByRole("status")
      .filter({ hasText: `Invitation sent to ${inviteeEmail}` })
  ).toBeVisible()
  await expect(page.getByRole("list", { name: "Invitations" })).toContainText(
    inviteeEmail
  )
  await expect(page.getByRole("list", { name: "Invitations" })).toContainText(
    "Pending"
  )

  // The owner keeps the members tab open: the new member appears there live.
  await page.goto(`/projects/${slug}/members`)
  await expect(
    page.getByRole("status").filter({ hasText: "Live" })
  ).toBeVisible()

  // The invitee signs up from the link (it signs in and creates the account), sees what the
  // role can do, and accepts.
  const inviteeContext = await browser.newContext()
  const invitee = await inviteeContext.newPage()
  await openEmailLink(invitee, await latestMail(inviteeEmail))
  await expect(invitee).toHaveURL(/\/invite\/[A-Za-z0-9_-]+$/)
  await expect(
    invitee.getByRole("heading", { name: `Join ${projectName}` })
  ).toBeVisible()
  const explained = invitee.getByRole("region", {
    name: "As Developer you can",
  })
  await expect(explained).toContainText("Run workflows, cancel and re-run runs")
  await expect(explained).not.toContainText("Invite people")
  await snap(invitee, testInfo, "1 invitation explains the role")
  await invitee.getByRole("button", { name: "Accept invitation" }).click()
  await expect(invitee).toHaveURL(`${E2E_APP_URL}/projects/${slug}/members`)
  const inviteeName = inviteeEmail.split("@")[0]!
  await expect(invitee.getByRole("list", { name: "Members" })).toContainText(
    inviteeEmail
  )

  // The owner sees the new member without reloading and makes them a viewer.
  const members = page.getByRole("list", { name: "Members" })
  await expect(members).toContainText(inviteeEmail)
  await page.getByRole("combobox", { name: `Role of ${inviteeName}` }).click()
  await page.getByRole("option", { name: "Viewer" }).click()
  await expect(page.getByText(`${inviteeName} is now Viewer.`)).toBeVisible()

  // The viewer's UI disables what the role cannot do, with the reason.
  await invitee.goto(`/projects/${slug}/workflows`)
  const runNow = invitee.getByRole("button", { name: "Run build now" })
  await expect(runNow).toBeDisabled()
  await expect(
    invitee.getByLabel(
      "Viewers cannot start or cancel runs: ask an admin for the developer role."
    )
  ).toBeVisible()
  await invitee.goto(`/projects/${slug}/members`)
  await expect(
    invitee.getByRole("combobox", {
      name: `Role of ${owner.email.split("@")[0]!}`,
    })
  ).toBeDisabled()
  await invitee.goto(`/projects/${slug}/invitations`)
  await expect(
    invitee.getByRole("button", { name: "Send invitation" })
  ).toBeDisabled()

  // …and the database refuses the same requests sent directly from the viewer's session.
  const direct = await clientFromBrowser(inviteeContext)
  const { data: project } = await direct
    .schema("ops")
    .from("projects")
    .select("id")
    .eq("slug", slug)
    .single()
  const { data: workflow } = await direct
    .schema("ops")
    .from("workflows")
    .select("id")
    .eq("project_id", project!.id)
    .single()
  const run = await direct
    .schema("ops")
    .rpc("queue_run", { p_workflow_id: workflow!.id })
  expect(run.error?.code).toBe("42501")
  const promote = await direct
    .schema("ops")
    .from("project_memberships")
    .update({ role: "owner" })
    .eq("project_id", project!.id)
    .select("id")
  expect(promote.error ?? promote.data).toEqual(
    promote.error ? promote.error : []
  )
  const invite = await direct.schema("ops").rpc("invite_member", {
    p_project_id: project!.id,
    p_email: uniqueEmail("sneaky"),
    p_role: "viewer",
  })
  expect(invite.error?.code).toBe("42501")
  const rename = await direct
    .schema("ops")
    .from("projects")
    .update({ name: "Taken over" })
    .eq("id", project!.id)
    .select("id")
  expect(rename.data ?? []).toEqual([])

  // The activity log shows each step.
  await page.goto(`/projects/${slug}/activity`)
  const activity = page.getByRole("list", { name: "Activity" })
  await expect(activity).toContainText(`Created the project ${projectName}`)
  await expect(activity).toContainText("Created the workflow build")
  await expect(activity).toContainText(`Invited ${inviteeEmail} as Developer`)
  await expect(activity).toContainText("Accepted the invitation as Developer")
  await expect(activity).toContainText(
    `Changed ${inviteeName}'s role from Developer to Viewer`
  )
  await expect(activity).not.toContainText("Taken over")

  // The header's project filter keeps the choice in the URL of Runs (and Sessions, Usage).
  await page.goto("/runs")
  await page.getByRole("banner").getByLabel("Project").selectOption(slug)
  await expect(page).toHaveURL(`${E2E_APP_URL}/runs?project=${slug}`)

  // On a phone, the members tab fits the width.
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto(`/projects/${slug}/members`)
  await expect(page.getByRole("list", { name: "Members" })).toContainText(
    inviteeEmail
  )
  const overflow = await page.evaluate(
    () =>
      document.documentElement.scrollWidth -
      document.documentElement.clientWidth
  )
  expect(overflow).toBeLessThanOrEqual(0)
  await snap(page, testInfo, "2 members on a phone")

  await inviteeContext.close()
})
