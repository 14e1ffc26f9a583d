import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import { afterEach, describe, expect, it } from "vitest"

import { loadStackConfig } from "../config"
import { createMailComposer } from "./emails"
import { TemplateError } from "./templates"

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project with supabase/config.toml and the given files under supabase/. */
function project(toml: string, files: Record<string, string> = {}) {
  const root = mkdtempSync(path.join(tmpdir(), "lmx-templates-"))
  dirs.push(root)
  mkdirSync(path.join(root, "supabase/templates"), { recursive: true })
  writeFileSync(path.join(root, "supabase/config.toml"), toml)
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(root, "supabase", name), content)

  return loadStackConfig(path.join(root, "supabase/config.toml"))
}

const VARIABLES = {
  SiteURL: "http://localhost:3000",
  ConfirmationURL: "http://127.0.0.1:54321/auth/v1/verify?token=h&type=magiclink",
  Token: "123456",
  TokenHash: "h",
  RedirectTo: "http://localhost:3000",
  Email: "a@example.com",
  SendingTo: "a@example.com",
  Data: {},
}

describe("email templates from config.toml", () => {
  it("reads content_path from the project root, as the CLI does, or from supabase/", () => {
    const config = project(
      `[auth.email.template.magic_link]
subject = "Sign in"
content_path = "./supabase/templates/magic.html"

[auth.email.template.recovery]
content_path = "./templates/recovery.html"
`,
      {
        "templates/magic.html": "<p>{{ .Token }}</p>",
        "templates/recovery.html": "<p>reset {{ .Token }}</p>",
      }
    )
    const compose = createMailComposer(config.auth.email.template)
    expect(compose("magic_link", "a@example.com", VARIABLES)).toMatchObject({
      subject: "Sign in",
      html: "<p>123456</p>",
      text: "123456",
    })
    expect(compose("recovery", "a@example.com", VARIABLES)).toMatchObject({
      subject: "Reset Your Password",
      html: "<p>reset 123456</p>",
    })
    // No template: Supabase's default email.
    expect(compose("invite", "a@example.com", VARIABLES).subject).toBe("You have been invited")
  })

  it("stops at boot on a missing file or an unsupported construct, naming the file", () => {
    const missing = project(`[auth.email.template.invite]
content_path = "./supabase/templates/nope.html"
`)
    expect(() => createMailComposer(missing.auth.email.template)).toThrow(
      /auth\.email\.template\.invite\.content_path: cannot read .*nope\.html/
    )

    const unsupported = project(
      `[auth.email.template.confirmation]
content_path = "./supabase/templates/confirm.html"
`,
      { "templates/confirm.html": '<p>\n{{ template "x" }}</p>' }
    )
    expect(() => createMailComposer(unsupported.auth.email.template)).toThrow(TemplateError)
    expect(() => createMailComposer(unsupported.auth.email.template)).toThrow(
      /confirm\.html:2: unsupported template construct/
    )
  })
})
