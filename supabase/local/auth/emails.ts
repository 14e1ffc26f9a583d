import {
  escapeHtml,
  type MailKind,
  type OutgoingMail,
} from "../mailbox/mailbox"

/** The verification types an email link carries, as Supabase Auth names them. */
export type LinkType =
  "signup" | "magiclink" | "recovery" | "email_change" | "invite"

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
  invite:
    "You have been invited to create a user. Follow this link to accept the invite:",
  reauthentication: "Enter the code to confirm it is you:",
}

export function verificationUrl(
  apiUrl: string,
  token: string,
  type: LinkType,
  redirectTo: string
) {
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
    link
      ? `<p><a href="${escapeHtml(link)}">${escapeHtml(subject)}</a></p>`
      : "",
    `<p>Alternatively, enter the code: <strong>${escapeHtml(code)}</strong></p>`,
  ].join("\n")

  return { kind, to, subject, text, html }
}
