import { expect, test } from "@playwright/test"

import {
  codeOf,
  DEMO_USER,
  latestMail,
  openEmailLink,
  readStackState,
  requestEmailSignIn,
  signInWithPassword,
  uniqueEmail,
  verifyLinkOf,
} from "./fixtures/auth"
import { snap } from "./fixtures/snap"
import { E2E_APP_URL } from "./fixtures/urls"

const devicesHeading = { level: 1, name: "Devices" } as const

// Every test here starts signed out, whatever the project's default state is.
test.use({ storageState: { cookies: [], origins: [] } })

test("[auth] sign in with password lands on devices", async ({
  page,
  context,
}, testInfo) => {
  await page.goto("/sign-in")
  await expect(
    page.getByRole("heading", { level: 1, name: "Sign in to LMX Console" })
  ).toBeVisible()

  // A wrong password gets our copy, tied to the form, and keeps the email.
  await signInWithPassword(page, { ...DEMO_USER, password: "not the password" })
  await expect(
    page
      .getByRole("alert")
      .filter({ hasText: "That email and password don't match an account" })
  ).toBeVisible()
  await expect(
    page.getByRole("tabpanel", { name: "Password" }).getByLabel("Email")
  ).toHaveValue(DEMO_USER.email)

  await page
    .getByRole("tabpanel", { name: "Password" })
    .getByLabel("Password", { exact: true })
    .fill(DEMO_USER.password)
  await page
    .getByRole("tabpanel", { name: "Password" })
    .getByRole("button", { name: "Sign in" })
    .click()

  await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
  await expect(page.getByRole("heading", devicesHeading)).toBeVisible()

  // The session cookies: @supabase/ssr's defaults, SameSite=Lax, not Secure
  // over plain http (Secure is on whenever the site URL is https).
  const sessionCookies = (await context.cookies()).filter((cookie) =>
    /^sb-.+-auth-token(\.\d+)?$/.test(cookie.name)
  )
  expect(sessionCookies.length).toBeGreaterThan(0)
  for (const cookie of sessionCookies) {
    expect(cookie).toMatchObject({ path: "/", sameSite: "Lax", secure: false })
  }

  await page.getByRole("button", { name: "Account menu" }).click()
  await expect(page.getByRole("menu")).toContainText(DEMO_USER.email)
  const screenshot = testInfo.outputPath("user-menu.png")
  await page.screenshot({ path: screenshot })
  await testInfo.attach("user menu", {
    path: screenshot,
    contentType: "image/png",
  })
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click()

  await expect(page).toHaveURL(/\/sign-in\?signed_out=1$/)
  await expect(
    page.getByRole("status").filter({ hasText: "You are signed out." })
  ).toBeVisible()
  await page.goto("/devices")
  await expect(page).toHaveURL(`${E2E_APP_URL}/sign-in?next=%2Fdevices`)
})

test("[auth] magic link from the mailbox signs in", async ({
  page,
}, testInfo) => {
  const email = uniqueEmail("magic")
  await page.goto("/sign-in")
  await requestEmailSignIn(page, email)
  const screenshot = testInfo.outputPath("sign-in-check-inbox.png")
  await page.screenshot({ path: screenshot })
  await testInfo.attach("sign-in: check your inbox", {
    path: screenshot,
    contentType: "image/png",
  })

  await openEmailLink(page, await latestMail(email))

  await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
  await expect(page.getByRole("heading", devicesHeading)).toBeVisible()
  await page.getByRole("button", { name: "Account menu" }).click()
  await expect(page.getByRole("menu")).toContainText(email.split("@")[0]!)
})

test("[auth] 6-digit code signs in", async ({ page, browser }, testInfo) => {
  const email = uniqueEmail("code")
  await page.goto("/sign-in?next=%2Fsettings")
  await requestEmailSignIn(page, email)
  const code = codeOf(await latestMail(email))

  // A wrong code first: one message, ours, and focus back on the field. Auth cannot tell a
  // wrong code from an expired one, so the copy leads with the likelier typo.
  await page
    .getByLabel("6-digit code")
    .fill(code === "000000" ? "111111" : "000000")
  await page.getByRole("button", { name: "Sign in with code" }).click()
  const panel = page.getByRole("tabpanel", { name: "Email link or code" })
  await expect(
    panel.getByRole("alert").filter({ hasText: "That code is not right" })
  ).toBeVisible()
  await expect(
    panel.getByRole("alert").or(panel.getByRole("status"))
  ).toHaveCount(1)
  await expect(panel.getByText("Check your inbox")).toHaveCount(0)
  await expect(page.getByLabel("6-digit code")).toBeFocused()
  const wrongCode = testInfo.outputPath("sign-in-wrong-code.png")
  await page.screenshot({ path: wrongCode })
  await testInfo.attach("sign-in: wrong code", {
    path: wrongCode,
    contentType: "image/png",
  })

  await page.getByLabel("6-digit code").fill(code)
  await page.getByRole("button", { name: "Sign in with code" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/settings`)
  await expect(
    page.getByRole("heading", { level: 1, name: "Settings" })
  ).toBeVisible()
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible()

  // Settings: the display name is saved through RLS and shows in the menu.
  await page.getByLabel("Display name").fill("Code Tester")
  await page.getByRole("button", { name: "Save profile" }).click()
  await expect(
    page.getByRole("status").filter({ hasText: "Profile saved." })
  ).toBeVisible()
  await page.reload()
  await page.getByRole("button", { name: "Account menu" }).click()
  await expect(page.getByRole("menu")).toContainText("Code Tester")
  await page.keyboard.press("Escape")
  await page.emulateMedia({ colorScheme: "dark" })
  const screenshot = testInfo.outputPath("settings-dark.png")
  await page.screenshot({ path: screenshot, fullPage: true })
  await testInfo.attach("settings (dark)", {
    path: screenshot,
    contentType: "image/png",
  })

  // Signing out everywhere asks first, then ends this session too.
  await page.getByRole("button", { name: "Sign out everywhere" }).click()
  const dialog = page.getByRole("alertdialog", { name: "Sign out everywhere?" })
  await expect(dialog).toBeVisible()
  await dialog.getByRole("button", { name: "Sign out everywhere" }).click()
  await expect(page).toHaveURL(/\/sign-in\?signed_out=everywhere$/)
  await page.goto("/settings")
  await expect(page).toHaveURL(`${E2E_APP_URL}/sign-in?next=%2Fsettings`)

  // The link from the same email, opened in another browser, still signs in
  // there: it carries a token hash, not a PKCE code.
  const other = await browser.newContext()
  try {
    const otherPage = await other.newPage()
    const email2 = uniqueEmail("elsewhere")
    await page.context().clearCookies()
    await page.goto("/sign-in")
    await requestEmailSignIn(page, email2)
    await otherPage.goto(verifyLinkOf(await latestMail(email2)))
    await expect(otherPage).toHaveURL(/\/auth\/confirm\?/)
    await otherPage.getByRole("button", { name: "Continue" }).click()
    await expect(otherPage).toHaveURL(`${E2E_APP_URL}/devices`)
    await otherPage.getByRole("button", { name: "Account menu" }).click()
    await expect(otherPage.getByRole("menu")).toContainText(
      email2.split("@")[0]!
    )
  } finally {
    await other.close()
  }
})

test("[auth] open-redirect attempts on the callback land on /", async ({
  page,
  context,
}) => {
  // Five whole sign-ups (email, mailbox, link, confirm), each a dozen seconds on a busy machine.
  test.slow()
  const attempts = [
    "//evil.com",
    "https://evil.com",
    "/\\evil.com",
    "/%2f%2fevil.com",
    "@evil.com",
  ]
  for (const next of attempts) {
    await context.clearCookies()
    const email = uniqueEmail("redirect")
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`)
    // The sign-in page already drops the value…
    await expect(page.locator("input[name=next]").first()).toHaveValue("/")
    await requestEmailSignIn(page, email)

    // …so put the hostile value into the email's callback link directly, as
    // an attacker crafting a link would.
    const link = new URL(verifyLinkOf(await latestMail(email)))
    link.searchParams.set("next", next)
    const callbackUrls: string[] = []
    page.on("request", (request) => {
      if (request.url().includes("/auth/callback"))
        callbackUrls.push(request.url())
    })
    await page.goto(link.toString())
    if (new URL(page.url()).pathname === "/auth/confirm") {
      await page.getByRole("button", { name: "Continue" }).click()
      await page.waitForURL((url) => url.pathname !== "/auth/confirm")
    }

    expect(
      callbackUrls.some((url) => new URL(url).searchParams.get("next") === next)
    ).toBe(true)
    // "/" opens the devices page; the point is that it stays on our origin.
    await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
    page.removeAllListeners("request")
  }

  // Without a valid code the callback lands on sign-in, still on our origin.
  await context.clearCookies()
  await page.goto("/auth/callback?code=not-a-code&next=%2F%2Fevil.com")
  expect(page.url().startsWith(`${E2E_APP_URL}/sign-in?`)).toBe(true)
})

test("[auth] signed-out visitor of /devices goes to sign-in and comes back after", async ({
  page,
}) => {
  await page.goto("/devices?status=online")

  await expect(page).toHaveURL(
    `${E2E_APP_URL}/sign-in?next=%2Fdevices%3Fstatus%3Donline`
  )
  await signInWithPassword(page, DEMO_USER)

  await expect(page).toHaveURL(`${E2E_APP_URL}/devices?status=online`)
  await expect(page.getByRole("heading", devicesHeading)).toBeVisible()

  // /pair keeps its code through sign-in the same way.
  await page.context().clearCookies()
  await page.goto("/pair?code=ABCD-EFGH")
  await expect(page).toHaveURL(
    `${E2E_APP_URL}/sign-in?next=%2Fpair%3Fcode%3DABCD-EFGH`
  )
})

test("[auth] the addresses people type for signing in and up lead to those pages", async ({
  page,
}) => {
  for (const path of ["/login", "/log-in", "/signin"]) {
    await page.goto(path)
    await expect(page).toHaveURL(`${E2E_APP_URL}/sign-in`)
  }
  await expect(
    page.getByRole("heading", { level: 1, name: "Sign in to LMX Console" })
  ).toBeVisible()
  // Signing in from there lands on the console, not on a "page not found" for /login.
  await signInWithPassword(page, DEMO_USER)
  await expect(page.getByRole("heading", devicesHeading)).toBeVisible()

  await page.context().clearCookies()
  for (const path of ["/signup", "/register"]) {
    await page.goto(path)
    await expect(page).toHaveURL(`${E2E_APP_URL}/sign-up`)
  }
})

test("[auth] sign up with a password, confirm by email, reset the password", async ({
  page,
  context,
}, testInfo) => {
  const email = uniqueEmail("signup")
  await page.goto("/sign-up")
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill("short")
  await page.getByRole("button", { name: "Create account" }).click()
  await expect(page.getByText("Use at least 8 characters.")).toBeVisible()
  await expect(page.getByLabel("Password")).toBeFocused()

  await page.getByLabel("Password").fill("first password 1")
  await page.getByRole("button", { name: "Create account" }).click()
  await expect(
    page.getByRole("status").filter({ hasText: "we sent a confirmation link" })
  ).toBeVisible()
  // The link's card says what it confirms: a new account, not a sign-in.
  await page.goto(verifyLinkOf(await latestMail(email)))
  await expect(
    page.getByRole("heading", { level: 1, name: "Confirm your email" })
  ).toBeVisible()
  await snap(page, testInfo, "confirm sign-up card")
  await page.getByRole("button", { name: "Continue" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)

  await context.clearCookies()
  await page.goto("/forgot-password")
  await page.getByLabel("Email").fill(email)
  await page.getByRole("button", { name: "Email me a reset link" }).click()
  await expect(
    page
      .getByRole("status")
      .filter({ hasText: "a link to choose a new password" })
  ).toBeVisible()
  await expect
    .poll(async () => (await latestMail(email)).subject)
    .toMatch(/password/i)
  await page.goto(verifyLinkOf(await latestMail(email)))
  await expect(
    page.getByRole("heading", { level: 1, name: "Reset your password" })
  ).toBeVisible()
  await page.getByRole("button", { name: "Continue" }).click()

  await expect(page).toHaveURL(`${E2E_APP_URL}/reset-password`)
  await page
    .getByLabel("New password", { exact: true })
    .fill("second password 2")
  await page.getByLabel("Repeat new password").fill("second password 2")
  await page.getByRole("button", { name: "Save new password" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/settings?password=updated`)
  await expect(
    page.getByRole("status").filter({ hasText: "Your password is changed." })
  ).toBeVisible()

  await context.clearCookies()
  await page.goto("/sign-in")
  await signInWithPassword(page, { email, password: "second password 2" })
  await expect(page).toHaveURL(`${E2E_APP_URL}/devices`)
})

test("[auth] sign up, then confirm with the 6-digit code from the email", async ({
  page,
}, testInfo) => {
  const email = uniqueEmail("signup-code")
  await page.goto("/sign-up?next=%2Fsettings")
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill("a good password 1")
  await page.getByRole("button", { name: "Create account" }).click()

  const notice = page
    .getByRole("status")
    .filter({ hasText: "we sent a confirmation link" })
  await expect(notice).toContainText(`If ${email} is new`)
  await expect(page.getByLabel("6-digit code")).toBeFocused()
  await snap(page, testInfo, "sign-up check your inbox")

  // The code in the confirmation email works here, in any browser.
  const mail = await latestMail(email)
  await page.getByLabel("6-digit code").fill(codeOf(mail))
  await page.getByRole("button", { name: "Confirm with code" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/settings`)
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible()
})

test("[auth] signing up with a registered address says what to do in both cases", async ({
  page,
}, testInfo) => {
  await page.goto("/sign-up")
  await page.getByLabel("Email").fill(DEMO_USER.email)
  await page.getByLabel("Password").fill("someone else's guess")
  await page.getByRole("button", { name: "Create account" }).click()

  // Auth answers as for a new address (no enumeration), so the words cover both.
  const notice = page.getByRole("status")
  await expect(notice).toContainText(
    `If ${DEMO_USER.email} is new, we sent a confirmation link`
  )
  await expect(notice).toContainText("If you already have an account")
  await expect(notice.getByRole("link", { name: "sign in" })).toHaveAttribute(
    "href",
    "/sign-in"
  )
  await snap(page, testInfo, "sign-up already registered")
  await notice.getByRole("link", { name: "reset your password" }).click()
  await expect(page).toHaveURL(`${E2E_APP_URL}/forgot-password`)
})

test("[auth] password sign-in goes from the browser to Auth, so one attacker cannot spend everyone's limit", async ({
  page,
}) => {
  // Auth limits sign-in attempts per address. Were the call made by the Next server, every
  // person would share the server's address and one attacker's wrong passwords would lock
  // everyone out; from the browser, Auth sees each person's own address.
  const { url: stackUrl } = readStackState()
  const posts: { url: string; body: string }[] = []
  page.on("request", (request) => {
    if (request.method() === "POST")
      posts.push({ url: request.url(), body: request.postData() ?? "" })
  })
  await page.goto("/sign-in")
  await signInWithPassword(page, { ...DEMO_USER, password: "not the password" })
  await expect(
    page
      .getByRole("alert")
      .filter({ hasText: "That email and password don't match an account" })
  ).toBeVisible()

  const toAuth = posts.filter((post) =>
    post.url.startsWith(`${stackUrl}/auth/v1/token?grant_type=password`)
  )
  expect(toAuth).toHaveLength(1)
  // Nothing carrying the password went to the app's own server (no server action).
  expect(
    posts.filter(
      (post) =>
        post.url.startsWith(E2E_APP_URL) &&
        post.body.includes("not the password")
    )
  ).toEqual([])
})

test.describe("before JavaScript runs", () => {
  test.use({ javaScriptEnabled: false })

  // The forms talk to Auth from the browser: without JavaScript they say so, and the
  // password goes nowhere (not even into a URL).
  test("[auth] the password form says it needs JavaScript and never sends the password", async ({
    page,
  }) => {
    const requested: string[] = []
    page.on("request", (request) =>
      requested.push(`${request.url()} ${request.postData() ?? ""}`)
    )
    await page.goto("/sign-in?tab=password")
    // Playwright's text engine skips <noscript>; the browser shows it with scripting off.
    await expect(page.locator("noscript p")).toContainText(
      "Signing in needs JavaScript"
    )
    const panel = page.getByRole("tabpanel", { name: "Password" })

    await panel.getByLabel("Email").fill(DEMO_USER.email)
    await panel.getByLabel("Password", { exact: true }).fill("not the password")
    await panel.getByRole("button", { name: "Sign in" }).click()
    await expect(page).toHaveURL(`${E2E_APP_URL}/sign-in?tab=password`)
    expect(requested.filter((entry) => /not(\+|%20| )the/.test(entry))).toEqual(
      []
    )
  })
})
