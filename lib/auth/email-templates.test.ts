import { existsSync, readFileSync } from "node:fs"
import path from "node:path"

import { parse } from "smol-toml"
import { describe, expect, it } from "vitest"
import { z } from "zod"

import { callbackUrl } from "./redirects"
import { emailOtpTypeSchema } from "./schema"

const ROOT = path.resolve(import.meta.dirname, "../..")

const templatesSchema = z.object({
  auth: z.object({
    email: z.object({
      template: z.record(
        z.string(),
        z.object({ subject: z.string().min(1), content_path: z.string() })
      ),
    }),
  }),
})

const templates = templatesSchema.parse(
  parse(readFileSync(path.join(ROOT, "supabase/config.toml"), "utf8"))
).auth.email.template

/** Fills a template as Supabase Auth's Go templates would, then reads its first link. */
function linkOf(html: string, redirectTo: string) {
  const filled = html
    .replaceAll("{{ .RedirectTo }}", redirectTo)
    .replaceAll("{{ .TokenHash }}", "3f9a0c")
    .replaceAll("{{ .Token }}", "123456")
  const href = /<a href="([^"]+)"/.exec(filled)?.[1]
  if (!href) throw new Error("no link in the template")

  return new URL(href.replaceAll("&amp;", "&"))
}

describe("email templates", () => {
  it("exist for the magic link, the sign-up confirmation and the reset", () => {
    expect(Object.keys(templates).sort()).toEqual([
      "confirmation",
      "magic_link",
      "recovery",
    ])
  })

  it.each(Object.entries(templates))(
    "%s links to the callback with a token hash and keeps next",
    (_name, { content_path }) => {
      const file = path.join(ROOT, content_path)
      expect(existsSync(file)).toBe(true)
      const link = linkOf(
        readFileSync(file, "utf8"),
        callbackUrl("https://lmx.optalocal.com", "/pair?code=ABCD-EFGH")
      )

      expect(link.origin).toBe("https://lmx.optalocal.com")
      expect(link.pathname).toBe("/auth/callback")
      expect(link.searchParams.get("next")).toBe("/pair?code=ABCD-EFGH")
      expect(link.searchParams.get("token_hash")).toBe("3f9a0c")
      expect(
        emailOtpTypeSchema.safeParse(link.searchParams.get("type")).success
      ).toBe(true)
    }
  )

  // /auth/confirm titles its card after the type: a sign-up is confirmed, not signed in.
  it.each([
    ["confirmation", "signup"],
    ["magic_link", "email"],
    ["recovery", "recovery"],
  ])("%s links with type %s", (name, type) => {
    const file = path.join(ROOT, templates[name]!.content_path)
    const link = linkOf(
      readFileSync(file, "utf8"),
      callbackUrl("https://lmx.optalocal.com", "/")
    )

    expect(link.searchParams.get("type")).toBe(type)
  })
})
