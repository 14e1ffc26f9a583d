import path from "node:path"

import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { z } from "zod"

import { type StackConfig } from "../config"
import { startTestStack, type TestStack } from "./test-stack"

export const AUTH_FIXTURE_MIGRATIONS = path.join(import.meta.dirname, "../auth/fixtures/migrations")

/** A stack over the auth fixture schema; `auth` overrides merge into config.toml's [auth]. */
export function startAuthStack(
  overrides: (auth: StackConfig["auth"]) => StackConfig["auth"] = (auth) => auth
): Promise<TestStack> {
  return startTestStack({
    migrationsDir: AUTH_FIXTURE_MIGRATIONS,
    seedFiles: [],
    configOverrides: (config) => ({ ...config, auth: overrides(config.auth) }),
  })
}

/** Suites that are not about limits lift them, so many requests from 127.0.0.1 pass. */
export function generousLimits(auth: StackConfig["auth"]): StackConfig["auth"] {
  return {
    ...auth,
    rate_limit: {
      ...auth.rate_limit,
      email_sent: 10_000,
      sign_in_sign_ups: 10_000,
      token_refresh: 10_000,
      token_verifications: 10_000,
      anonymous_users: 10_000,
    },
  }
}

// Node 20 has no global WebSocket; supabase-js builds its Realtime client eagerly.
export const NODE_REALTIME = {
  transport: WebSocket as unknown as typeof globalThis.WebSocket,
}

export function anonClient(
  stack: TestStack,
  flowType: "implicit" | "pkce" = "implicit"
): SupabaseClient {
  return createClient(stack.url, stack.keys.anonKey, {
    auth: {
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      flowType,
    },
    realtime: NODE_REALTIME,
  })
}

export function adminClient(stack: TestStack): SupabaseClient {
  return createClient(stack.url, stack.keys.serviceRoleKey, {
    auth: {
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
    },
    realtime: NODE_REALTIME,
  })
}

const messageSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  kind: z.string(),
  text: z.string(),
  html: z.string(),
  links: z.array(z.string()),
  created_at: z.string(),
})
export type MailboxMessage = z.infer<typeof messageSchema>

/** The recipient's emails, newest first, read over the mailbox's HTTP API. */
export async function mailFor(stack: TestStack, to: string): Promise<MailboxMessage[]> {
  const response = await fetch(`${stack.url}/mailbox/api/messages?to=${encodeURIComponent(to)}`, {
    headers: { apikey: stack.keys.serviceRoleKey },
  })
  if (!response.ok) throw new Error(`mailbox answered ${response.status}`)

  return z.object({ messages: z.array(messageSchema) }).parse(await response.json()).messages
}

export async function latestMail(stack: TestStack, to: string): Promise<MailboxMessage> {
  const [message] = await mailFor(stack, to)
  if (!message) throw new Error(`no email for ${to}`)

  return message
}

export function codeOf(message: MailboxMessage): string {
  const match = /enter the code: (\d+)/.exec(message.text)
  if (!match) throw new Error(`no code in "${message.subject}"`)

  return match[1]!
}

export function verifyLinkOf(message: MailboxMessage): string {
  const link = message.links.find((candidate) => candidate.includes("/auth/v1/verify?"))
  if (!link) throw new Error(`no verification link in "${message.subject}"`)

  return link
}

/** Follows an email link as a browser would, without following the redirect it answers. */
export async function openLink(link: string): Promise<{ status: number; location: URL }> {
  const response = await fetch(link, { redirect: "manual" })
  const location = response.headers.get("location")
  if (!location)
    throw new Error(`no redirect from ${link} (${response.status}): ${await response.text()}`)

  return { status: response.status, location: new URL(location) }
}

let counter = 0
export function uniqueEmail(label: string) {
  counter += 1

  return `${label}-${counter}-${Date.now().toString(36)}@example.com`
}
