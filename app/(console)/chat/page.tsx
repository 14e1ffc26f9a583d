import { randomUUID } from "node:crypto"

import type { Metadata } from "next"
import { z } from "zod"

import { getCurrentUser } from "@/lib/auth/current-user"
import { type ChatMessage, type ChatSession } from "@/lib/chat/chat-sync"
import { listChatDevices } from "@/lib/chat/queries"
import { chatOptionsSchema } from "@/lib/chat/relay-protocol"
import { copySessionMessages } from "@/lib/chat/session-copy"
import { listChatTunnels } from "@/lib/chat/tunnel"
import { dbId } from "@/lib/db-id"
import { getSession, listSessionMessages } from "@/lib/sessions/session-queries"
import { createClient } from "@/lib/supabase/server"
import { type Client } from "@/lib/supabase/types"
import { ChatView } from "@/components/chat/chat-view"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Chat" }

const searchSchema = z.object({ session: dbId.optional().catch(undefined) })

const sessionMetadataSchema = chatOptionsSchema
  .extend({
    system_prompt: z.string().max(20_000).optional(),
    device_id: dbId.optional(),
  })
  .partial()
  .catch({})

/**
 * A session to continue ("Continue in chat" on the session page). An own session continues in
 * place, with the version the next write must exceed. A session the user may read but does
 * not own (a project member's) cannot be written back (sync_push writes the caller's own
 * sessions only): it continues as the user's own copy, a new session with new message ids
 * and the same branches, written with the first change and marked `continued_from` the
 * original. The copied messages carry no token counts or speeds, so the original's usage is
 * not counted twice (docs/chat-relay.md).
 */
async function continuedSession(
  supabase: Client,
  userId: string,
  id: string
): Promise<{
  initial: {
    session: ChatSession
    messages: ChatMessage[]
    unsaved?: boolean
  } | null
  notice: string | null
}> {
  const detail = await getSession(supabase, { id })
  if (!detail) {
    return {
      initial: null,
      notice: "That session was not found; this is a new chat.",
    }
  }
  if (detail.user_id !== userId) return copyOfSession(supabase, detail)
  const [{ data: versions, error }, rows] = await Promise.all([
    supabase
      .from("cloud_sessions")
      .select("sync_version")
      .eq("id", id)
      .single(),
    listSessionMessages(supabase, { sessionId: id }),
  ])
  if (error) throw new Error(`Could not read the session: ${error.message}`)
  const metadata = sessionMetadataSchema.parse(detail.metadata)
  const { device_id: deviceInMetadata, system_prompt, ...options } = metadata
  const session: ChatSession = {
    id: detail.id,
    title: detail.title,
    model: detail.model,
    created_at: detail.created_at,
    device_id: deviceInMetadata ?? detail.device_id,
    options: { ...options, ...(system_prompt ? { system_prompt } : {}) },
    version: versions.sync_version,
  }
  const messages: ChatMessage[] = rows
    .filter((row) => row.deleted_at === null && row.role !== "tool")
    .map((row) => ({
      id: row.id,
      parent_id: row.parent_id,
      message_index: row.message_index,
      role: row.role === "tool" ? "assistant" : row.role,
      content: row.content,
      reasoning: row.reasoning ?? "",
      model: row.model,
      created_at: row.created_at,
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      tokens_per_second: row.tokens_per_second,
      time_to_first_token_ms: row.time_to_first_token_ms,
      // Existing messages are never rewritten from here.
      version: 1,
    }))

  return { initial: { session, messages }, notice: null }
}

async function copyOfSession(
  supabase: Client,
  detail: NonNullable<Awaited<ReturnType<typeof getSession>>>
): Promise<{
  initial: {
    session: ChatSession
    messages: ChatMessage[]
    unsaved: boolean
  }
  notice: string
}> {
  const messages = copySessionMessages(
    await listSessionMessages(supabase, { sessionId: detail.id }),
    randomUUID
  )
  const metadata = sessionMetadataSchema.parse(detail.metadata)
  const { device_id: deviceInMetadata, system_prompt, ...options } = metadata
  const now = new Date().toISOString()
  const session: ChatSession = {
    id: randomUUID(),
    title: detail.title ?? "Continued chat",
    model: detail.model,
    created_at: now,
    device_id: deviceInMetadata ?? detail.device_id,
    options: { ...options, ...(system_prompt ? { system_prompt } : {}) },
    version: 0,
    continued_from: detail.id,
  }

  return {
    initial: { session, messages, unsaved: true },
    notice:
      "This session belongs to another member of your project, so it continues as your own copy: what you add is saved in your sessions when you send, and the original stays as it is.",
  }
}

export default async function ChatPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>
}) {
  const { session: sessionId } = searchSchema.parse(await searchParams)
  const user = await getCurrentUser()
  const supabase = await createClient()
  const [devices, tunnels, continued] = await Promise.all([
    listChatDevices(supabase),
    listChatTunnels(supabase),
    sessionId
      ? continuedSession(supabase, user.id, sessionId)
      : Promise.resolve({ initial: null, notice: null }),
  ])

  return (
    <>
      <PageHeader
        title="Chat"
        description="Talk to the models on your LLM hosts from anywhere: the device's agent relays the chat, and every message is saved as a session as it streams."
      />
      <ChatView
        key={sessionId ?? "new"}
        userId={user.id}
        devices={devices}
        tunnels={tunnels}
        serverNow={new Date().toISOString()}
        initial={continued.initial}
        notice={continued.notice}
      />
    </>
  )
}
