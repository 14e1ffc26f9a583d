import { randomUUID } from "node:crypto"
import { type IncomingMessage, type ServerResponse } from "node:http"

import { z } from "zod"

import { type Database } from "../db/types"
import { hasServiceRole } from "../gateway"
import { sendJson } from "../http"
import { type Service, type ServiceContext } from "../service"

export type MailKind =
  "confirmation" | "magic_link" | "recovery" | "email_change" | "invite" | "reauthentication"

export type MailMessage = {
  id: string
  to: string
  subject: string
  text: string
  html: string
  links: string[]
  kind: MailKind
  createdAt: string
}

export type OutgoingMail = Omit<MailMessage, "id" | "createdAt" | "links">

const storedRowSchema = z.object({
  id: z.string(),
  to_address: z.string(),
  subject: z.string(),
  text_body: z.string(),
  html_body: z.string(),
  links: z.array(z.string()),
  kind: z.string(),
  created_at: z.string(),
})

/** Links a person would click, in order, from the HTML body (falling back to the text). */
export function extractLinks(html: string, text: string): string[] {
  const found = [...html.matchAll(/href="([^"]+)"/g)].map((match) => decodeHtml(match[1]!))
  const fromText = [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((match) => match[0])

  return [...new Set([...found, ...fromText])]
}

function decodeHtml(value: string) {
  return value
    .replaceAll("&amp;", "&")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
}

export function escapeHtml(value: string) {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;")
}

/**
 * The emails of one stack: kept in memory for fast reads and in `_local.mailbox_messages` so
 * they survive a restart of the dev server.
 */
export class Mailbox {
  private messages: MailMessage[] = []
  private loaded: Promise<void> | undefined

  constructor(
    private readonly db: Database,
    private readonly log: (line: string) => void
  ) {}

  private load() {
    this.loaded ??= (async () => {
      const { rows } = await this.db.query(
        `select id::text, to_address, subject, text_body, html_body, links,
           kind, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
         from _local.mailbox_messages order by created_at, id`
      )
      const stored = rows.map((row) => {
        const parsed = storedRowSchema.parse(row)

        return {
          id: parsed.id,
          to: parsed.to_address,
          subject: parsed.subject,
          text: parsed.text_body,
          html: parsed.html_body,
          links: parsed.links,
          kind: parsed.kind as MailKind,
          createdAt: parsed.created_at,
        }
      })
      this.messages = [...stored, ...this.messages]
    })()

    return this.loaded
  }

  async send(mail: OutgoingMail): Promise<MailMessage> {
    await this.load()
    const message: MailMessage = {
      ...mail,
      id: randomUUID(),
      links: extractLinks(mail.html, mail.text),
      createdAt: new Date().toISOString(),
    }
    await this.db.query(
      `insert into _local.mailbox_messages (id, to_address, subject, text_body, html_body, links, kind, created_at)
       values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
      [
        message.id,
        message.to,
        message.subject,
        message.text,
        message.html,
        JSON.stringify(message.links),
        message.kind,
        message.createdAt,
      ]
    )
    this.messages.push(message)
    this.log(`[mailbox] ${message.subject} → ${message.to}`)
    for (const link of message.links) this.log(`[mailbox]   ${link}`)

    return message
  }

  /** Newest first, optionally for one recipient (case-insensitive). */
  async list(to?: string): Promise<MailMessage[]> {
    await this.load()
    const wanted = to?.trim().toLowerCase()

    return this.messages
      .filter((message) => !wanted || message.to.toLowerCase() === wanted)
      .reverse()
  }

  async get(id: string): Promise<MailMessage | undefined> {
    await this.load()

    return this.messages.find((message) => message.id === id)
  }

  async clear(to?: string): Promise<void> {
    await this.load()
    const wanted = to?.trim().toLowerCase()
    if (wanted) {
      await this.db.query("delete from _local.mailbox_messages where lower(to_address) = $1", [
        wanted,
      ])
      this.messages = this.messages.filter((message) => message.to.toLowerCase() !== wanted)
      return
    }
    await this.db.query("delete from _local.mailbox_messages")
    this.messages = []
  }
}

// The Auth service and the mailbox's HTTP service are separate services of one stack; they
// meet on the stack's database handle.
const mailboxes = new WeakMap<Database, Mailbox>()

export function getMailbox(ctx: Pick<ServiceContext, "db" | "log">): Mailbox {
  let mailbox = mailboxes.get(ctx.db)
  if (!mailbox) {
    mailbox = new Mailbox(ctx.db, ctx.log)
    mailboxes.set(ctx.db, mailbox)
  }

  return mailbox
}

function toJson(message: MailMessage) {
  return {
    id: message.id,
    to: message.to,
    subject: message.subject,
    kind: message.kind,
    text: message.text,
    html: message.html,
    links: message.links,
    created_at: message.createdAt,
  }
}

function renderInbox(messages: MailMessage[], to: string | undefined) {
  const rows = messages
    .map(
      (
        message
      ) => `<details><summary><strong>${escapeHtml(message.subject)}</strong> → ${escapeHtml(message.to)}
  <small>${escapeHtml(message.createdAt)}</small></summary>
  <div class="body">${message.html}</div>
  <ul>${message.links.map((link) => `<li><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></li>`).join("")}</ul>
</details>`
    )
    .join("\n")

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LMX Console local mailbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem}
details{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.5rem 0}
.body{border-top:1px solid #eee;margin-top:.5rem;padding-top:.5rem}small{color:#666}</style></head>
<body><h1>Local mailbox</h1>
<form><input name="to" placeholder="Filter by recipient" value="${escapeHtml(to ?? "")}"> <button>Filter</button></form>
<p>${messages.length} message(s). JSON (with the service_role key): /mailbox/api/messages</p>
${rows || "<p>No emails yet.</p>"}
</body></html>`
}

/** The mailbox's HTTP routes: an inbox page for people and a JSON API for tests and tools. */
export function createMailboxService(ctx: ServiceContext): Service {
  const mailbox = getMailbox(ctx)

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", ctx.apiUrl)
    const to = url.searchParams.get("to") ?? undefined
    const path = url.pathname.replace(/\/+$/, "")

    if (req.method === "GET" && path === "/mailbox") {
      const html = renderInbox(await mailbox.list(to), to)
      // For the developer's own tab only: no CORS (the stack sends none here) and no framing.
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "x-frame-options": "DENY",
        "content-security-policy": "frame-ancestors 'none'",
      })
      res.end(html)
      return
    }
    // The JSON API hands out every sign-in link and code: tools and tests present the
    // service_role key, as they would to Auth's admin API.
    if (path.startsWith("/mailbox/api") && !(await hasServiceRole(req, ctx.keys))) {
      return sendJson(res, 401, {
        message: "The mailbox API requires the service_role key (apikey header or bearer token)",
      })
    }
    if (path === "/mailbox/api/messages") {
      if (req.method === "GET") {
        return sendJson(res, 200, {
          messages: (await mailbox.list(to)).map(toJson),
        })
      }
      if (req.method === "DELETE") {
        await mailbox.clear(to)
        res.writeHead(204)
        res.end()
        return
      }
    }
    const match = /^\/mailbox\/api\/messages\/([^/]+)$/.exec(path)
    if (req.method === "GET" && match) {
      const message = await mailbox.get(decodeURIComponent(match[1]!))
      if (!message) return sendJson(res, 404, { message: "No such message" })
      return sendJson(res, 200, toJson(message))
    }
    sendJson(res, 404, { message: "no Route matched with those values" })
  }

  return {
    name: "mailbox",
    prefix: "/mailbox",
    handle,
    statusLines: () => [`Mailbox URL: ${ctx.apiUrl}/mailbox`],
  }
}
