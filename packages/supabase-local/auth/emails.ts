import { readFileSync } from "node:fs"

import { type StackConfig } from "../config"
import { escapeHtml, type MailKind, type OutgoingMail } from "../mailbox/mailbox"
import { compileTemplate, htmlToText, TemplateError, type CompiledTemplate } from "./templates"

/** The verification types an email link carries, as Supabase Auth names them. */
export type LinkType = "signup" | "magiclink" | "recovery" | "email_change" | "invite"

const SUBJECTS: Record<MailKind, string> = {
  confirmation: "Confirm Your Signup",
  magic_link: "Your Magic Link",
  recovery: "Reset Your Password",
  email_change: "Confirm Email Change",
  invite: "You have been invited",
  reauthentication: "Confirm reauthentication",
}

const ACTIONS: Record<MailKind, string> = {
  confirmation: "Follow this link to confirm your user:",
  magic_link: "Follow this link to login:",
  recovery: "Follow this link to reset the password for your user:",
  email_change: "Follow this link to confirm the update of your email:",
  invite: "You have been invited to create a user. Follow this link to accept the invite:",
  reauthentication: "Enter the code to confirm it is you:",
}

export function verificationUrl(apiUrl: string, token: string, type: LinkType, redirectTo: string) {
  const query = new URLSearchParams({ token, type, redirect_to: redirectTo })

  return `${apiUrl}/auth/v1/verify?${query.toString()}`
}

/** An auth email with both the link and the one-time code, as Supabase's default templates. */
export function composeEmail(
  kind: MailKind,
  to: string,
  { link, code }: { link?: string; code: string }
): OutgoingMail {
  const subject = SUBJECTS[kind]
  const action = ACTIONS[kind]
  const text = [
    subject,
    "",
    action,
    ...(link ? [link] : []),
    "",
    `Alternatively, enter the code: ${code}`,
  ].join("\n")
  const html = [
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p>${escapeHtml(action)}</p>`,
    link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(subject)}</a></p>` : "",
    `<p>Alternatively, enter the code: <strong>${escapeHtml(code)}</strong></p>`,
  ].join("\n")

  return { kind, to, subject, text, html }
}

/**
 * What a Supabase Auth email template is given, per Supabase Auth's mailer: ConfirmationURL is the
 * /verify link (absent for reauthentication), TokenHash the stored hash the link carries
 * (`pkce_`-prefixed for PKCE flows), RedirectTo the validated redirect, Email the account's
 * current address, NewEmail the pending one (email changes), Data the user metadata.
 */
export type EmailVariables = {
  SiteURL: string
  ConfirmationURL?: string | undefined
  Token: string
  TokenHash?: string | undefined
  RedirectTo?: string | undefined
  Email: string
  NewEmail?: string | undefined
  SendingTo: string
  Data: Record<string, unknown>
}

type LoadedTemplate = {
  subject: CompiledTemplate | undefined
  body: CompiledTemplate | undefined
}

export type MailComposer = (kind: MailKind, to: string, variables: EmailVariables) => OutgoingMail

/**
 * Reads [auth.email.template.*] once, at boot: a missing file or an unsupported construct stops
 * the stack with the file named. A kind without a template keeps Supabase's default email.
 */
export function createMailComposer(
  templates: StackConfig["auth"]["email"]["template"]
): MailComposer {
  const loaded = new Map<MailKind, LoadedTemplate>()
  for (const [kind, template] of Object.entries(templates)) {
    if (!template) continue
    let body: CompiledTemplate | undefined
    if (template.content_path) {
      let source: string
      try {
        source = readFileSync(template.content_path, "utf8")
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        throw new TemplateError(
          `auth.email.template.${kind}.content_path: cannot read ${template.content_path}: ${reason}`
        )
      }
      body = compileTemplate(source, template.content_path)
    }
    const subject = template.subject
      ? compileTemplate(template.subject, `auth.email.template.${kind}.subject`)
      : undefined
    loaded.set(kind as MailKind, { subject, body })
  }

  return (kind, to, variables) => {
    const template = loaded.get(kind)
    const fallback = composeEmail(kind, to, {
      link: variables.ConfirmationURL,
      code: variables.Token,
    })
    if (!template) return fallback
    const subject = template.subject ? template.subject.text(variables).trim() : fallback.subject
    if (!template.body) return { ...fallback, subject }
    const html = template.body.html(variables)

    return { kind, to, subject, html, text: htmlToText(html) }
  }
}
