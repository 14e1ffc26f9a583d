import path from "node:path"

import { afterAll, beforeAll, describe, expect, it } from "vitest"

import {
  adminClient,
  anonClient,
  AUTH_FIXTURE_MIGRATIONS,
  generousLimits,
  latestMail,
  uniqueEmail,
} from "../testing/auth"
import { startTestStack, type TestStack } from "../testing/test-stack"
import { tokenHash } from "./users"

// The app's own [auth.email.template.*] from supabase/config.toml, as `supabase start` renders them.
let stack: TestStack

beforeAll(async () => {
  stack = await startTestStack({
    migrationsDir: AUTH_FIXTURE_MIGRATIONS,
    seedFiles: [],
    emailTemplates: true,
    configOverrides: (config) => ({ ...config, auth: generousLimits(config.auth) }),
  })
})

afterAll(async () => {
  await stack.stop()
})

const CALLBACK = "http://localhost:3000/auth/callback?next=%2Fpair%3Fcode%3DABCD-EFGH"

function tokenHashLinkOf(links: string[]) {
  const link = links.find((candidate) => candidate.includes("token_hash="))
  if (!link) throw new Error(`no token-hash link among ${links.join(", ")}`)

  return new URL(link)
}

describe("email templates from config.toml", () => {
  it("renders the magic link whose token hash signs in from another browser, once", async () => {
    const email = uniqueEmail("template-magic")
    // An existing, confirmed account gets the magic link (a new one gets the confirmation).
    const created = await adminClient(stack).auth.admin.createUser({ email, email_confirm: true })
    expect(created.error).toBeNull()
    const { error } = await anonClient(stack).auth.signInWithOtp({
      email,
      options: { emailRedirectTo: CALLBACK },
    })
    expect(error).toBeNull()

    const mail = await latestMail(stack, email)
    expect(mail.kind).toBe("magic_link")
    expect(mail.subject).toBe("Sign in to LMX Console")
    expect(mail.html).toContain("<h2>Sign in to LMX Console</h2>")
    // html/template drops HTML comments, and with them the actions they mention.
    expect(mail.html).not.toContain("<!--")
    expect(mail.html).not.toContain("{{")

    const code = /<strong>(\d{6})<\/strong>/.exec(mail.html)?.[1]
    expect(code).toMatch(/^\d{6}$/)
    const link = tokenHashLinkOf(mail.links)
    expect(link.origin + link.pathname).toBe("http://localhost:3000/auth/callback")
    expect(link.searchParams.get("next")).toBe("/pair?code=ABCD-EFGH")
    expect(link.searchParams.get("type")).toBe("email")
    const hash = link.searchParams.get("token_hash")
    expect(hash).toBe(tokenHash(email, code!))
    expect(mail.text).toContain(link.toString())
    expect(mail.text).toContain(code)

    const otherBrowser = anonClient(stack)
    const first = await otherBrowser.auth.verifyOtp({ token_hash: hash!, type: "email" })
    expect(first.error).toBeNull()
    expect(first.data.user?.email).toBe(email)
    expect(first.data.session?.access_token).toBeTruthy()

    const again = await anonClient(stack).auth.verifyOtp({ token_hash: hash!, type: "email" })
    expect(again.error?.code).toBe("otp_expired")
    expect(again.data.session).toBeNull()
  })

  it("renders the sign-up confirmation and the reset with their own subjects and token types", async () => {
    const email = uniqueEmail("template-signup")
    const client = anonClient(stack)
    const signUp = await client.auth.signUp({
      email,
      password: "a sturdy passphrase",
      options: { emailRedirectTo: CALLBACK },
    })
    expect(signUp.error).toBeNull()
    const confirmation = await latestMail(stack, email)
    expect(confirmation.subject).toBe("Confirm your LMX Console account")
    const confirmHash = tokenHashLinkOf(confirmation.links).searchParams.get("token_hash")
    const confirmed = await anonClient(stack).auth.verifyOtp({
      token_hash: confirmHash!,
      type: "email",
    })
    expect(confirmed.error).toBeNull()

    const reset = await client.auth.resetPasswordForEmail(email, { redirectTo: CALLBACK })
    expect(reset.error).toBeNull()
    const recovery = await latestMail(stack, email)
    expect(recovery.kind).toBe("recovery")
    expect(recovery.subject).toBe("Reset your LMX Console password")
    const recoveryLink = tokenHashLinkOf(recovery.links)
    expect(recoveryLink.searchParams.get("type")).toBe("recovery")
    const recovered = await anonClient(stack).auth.verifyOtp({
      token_hash: recoveryLink.searchParams.get("token_hash")!,
      type: "recovery",
    })
    expect(recovered.error).toBeNull()
    expect(recovered.data.user?.email).toBe(email)
  })

  it("keeps Supabase's default email for kinds without a template", async () => {
    const email = uniqueEmail("template-invite")
    const { error } = await adminClient(stack).auth.admin.inviteUserByEmail(email)
    expect(error).toBeNull()
    const invite = await latestMail(stack, email)
    expect(invite.subject).toBe("You have been invited")
    expect(invite.links.some((link) => link.includes("/auth/v1/verify?"))).toBe(true)
  })
})

describe("email templates for email changes and reauthentication", () => {
  let fixtureStack: TestStack
  const FIXTURES = path.join(import.meta.dirname, "fixtures/templates")

  beforeAll(async () => {
    fixtureStack = await startTestStack({
      migrationsDir: AUTH_FIXTURE_MIGRATIONS,
      seedFiles: [],
      configOverrides: (config) => {
        const auth = generousLimits(config.auth)
        return {
          ...config,
          auth: {
            ...auth,
            email: {
              ...auth.email,
              template: {
                email_change: {
                  subject: "Change {{ .Email }} to {{ .NewEmail }}",
                  content_path: path.join(FIXTURES, "email-change.html"),
                },
                reauthentication: {
                  content_path: path.join(FIXTURES, "reauthentication.html"),
                },
                // A subject without a body keeps Supabase's default body.
                recovery: { subject: "Your reset for {{ .Email }}" },
              },
            },
          },
        }
      },
    })
  })

  afterAll(async () => {
    await fixtureStack.stop()
  })

  it("gives the email-change template both addresses, the metadata and the link of each copy", async () => {
    const email = uniqueEmail("template-change")
    const password = "a sturdy passphrase"
    const created = await adminClient(fixtureStack).auth.admin.createUser({
      email,
      password,
      email_confirm: true,
      user_metadata: { name: "Ada <Lovelace>" },
    })
    expect(created.error).toBeNull()
    const supabase = anonClient(fixtureStack)
    expect((await supabase.auth.signInWithPassword({ email, password })).error).toBeNull()
    const newEmail = uniqueEmail("template-changed")
    expect((await supabase.auth.updateUser({ email: newEmail })).error).toBeNull()

    for (const to of [newEmail, email]) {
      const mail = await latestMail(fixtureStack, to)
      expect(mail.kind).toBe("email_change")
      // Subjects are text templates: nothing is escaped.
      expect(mail.subject).toBe(`Change ${email} to ${newEmail}`)
      expect(mail.html).toContain("<p>Hello Ada &lt;Lovelace&gt;,</p>")
      expect(mail.html).toContain(
        `<p>Change ${email} to ${newEmail} (this copy goes to ${to}).</p>`
      )
      const code = /code: <code>(\d{6})<\/code>/.exec(mail.html)?.[1]
      const hash = /Hash: <code>([0-9a-f]+)<\/code>/.exec(mail.html)?.[1]
      expect(hash).toBe(tokenHash(to, code!))
      const verify = mail.links.find((link) => link.includes("/auth/v1/verify?"))
      expect(verify).toBeDefined()
      const params = new URL(verify!).searchParams
      expect(params.get("token")).toBe(hash)
      expect(params.get("type")).toBe("email_change")
      expect(mail.html).toContain(`site: http://localhost:3000, back to: http://localhost:3000<`)
    }
  })

  it("gives the reauthentication template a code and no link, and keeps default bodies under a custom subject", async () => {
    const email = uniqueEmail("template-reauth")
    const password = "a sturdy passphrase"
    await adminClient(fixtureStack).auth.admin.createUser({ email, password, email_confirm: true })
    const supabase = anonClient(fixtureStack)
    expect((await supabase.auth.signInWithPassword({ email, password })).error).toBeNull()
    expect((await supabase.auth.reauthenticate()).error).toBeNull()
    const reauth = await latestMail(fixtureStack, email)
    expect(reauth.kind).toBe("reauthentication")
    expect(reauth.subject).toBe("Confirm reauthentication")
    expect(reauth.html).toMatch(/<p>Your code is <strong>\d{6}<\/strong>\.<\/p>\n<p>\[\]\[\]<\/p>/)
    expect(reauth.text).toMatch(/^Your code is \d{6}\.\n\n\[\]\[\]$/)

    expect((await supabase.auth.resetPasswordForEmail(email)).error).toBeNull()
    const recovery = await latestMail(fixtureStack, email)
    expect(recovery.subject).toBe(`Your reset for ${email}`)
    expect(recovery.text).toContain("Follow this link to reset the password for your user:")
  })
})
