import { type ChatOptions } from "@/lib/chat/relay-protocol"
import { type Client } from "@/lib/supabase/types"

// A console chat is a normal synced session (issue #18): the /chat page writes it with
// public.sync_push, the path devices sync through, so it is priced, counted by the usage
// dashboards, and shown live on the session page to a second browser. Each write carries a
// higher sync_version than the last, so sync_push applies it; writes go out one at a time,
// and changes made while one is in flight are coalesced into the next.
// Each write names the device answering the chat (sync_push's `answered_by`), so the
// rows it creates are priced with that device's local price.

export type ChatRole = "system" | "user" | "assistant"

export type ChatMessage = {
  id: string
  parent_id: string | null
  /** Depth along its branch: siblings (regenerated answers) share it. */
  message_index: number
  role: ChatRole
  content: string
  reasoning: string
  model: string | null
  created_at: string
  input_tokens: number | null
  output_tokens: number | null
  tokens_per_second: number | null
  time_to_first_token_ms: number | null
  /** Bumped on every change; sent as sync_version. */
  version: number
}

export type ChatSession = {
  id: string
  title: string
  model: string | null
  created_at: string
  device_id: string | null
  options: ChatOptions & { system_prompt?: string }
  version: number
  /** A copy of a session another member owns ("Continue in chat"): the original's id. */
  continued_from?: string
}

export function sessionItem(session: ChatSession, now: string) {
  return {
    id: session.id,
    sync_version: session.version,
    title: session.title,
    model: session.model,
    metadata: {
      source: "console-chat",
      device_id: session.device_id,
      ...session.options,
      ...(session.continued_from
        ? { continued_from: session.continued_from }
        : {}),
    },
    created_at: session.created_at,
    last_modified_at: now,
  }
}

export function messageItem(
  sessionId: string,
  message: ChatMessage,
  now: string
) {
  return {
    id: message.id,
    session_id: sessionId,
    sync_version: message.version,
    parent_id: message.parent_id,
    message_index: message.message_index,
    role: message.role,
    content: message.content,
    reasoning: message.reasoning || null,
    model: message.model,
    input_tokens: message.input_tokens,
    output_tokens: message.output_tokens,
    tokens_per_second: message.tokens_per_second,
    time_to_first_token_ms: message.time_to_first_token_ms,
    created_at: message.created_at,
    last_modified_at: now,
  }
}

export type SyncBatch = {
  sessions: ReturnType<typeof sessionItem>[]
  messages: ReturnType<typeof messageItem>[]
  /** The device answering the chat: new rows are written for it and priced at its local price. */
  answeredBy: string | null
}

/** What sync_push answered for items it did not apply (conflicts are expected: coalesced writes). */
export async function pushChat(
  supabase: Client,
  batch: SyncBatch
): Promise<string[]> {
  const { answeredBy, ...items } = batch
  // sync_push refuses a device the caller may not chat with (private.may_chat_with_device).
  const { data, error } = await supabase.rpc("sync_push", {
    batch: items,
    ...(answeredBy ? { answered_by: answeredBy } : {}),
  })
  if (error) throw new Error(`Could not save the chat: ${error.message}`)

  return (data ?? [])
    .filter((row) => row.status === "rejected")
    .map((row) => `${row.kind} ${row.id}: ${row.reason ?? "rejected"}`)
}

/**
 * Serialises the page's writes: `write` marks a session or messages as changed; one push
 * runs at a time and carries the newest state of everything changed since the last. While
 * a `hold` is taken, changes are only marked: they go out together when the last hold is
 * released (the /chat page holds them until an answer's first chunk, see chat-controller).
 */
export function createChatWriter({
  push,
  read,
  onError,
  now = () => new Date().toISOString(),
}: {
  push: (batch: SyncBatch) => Promise<string[]>
  read: () => {
    session: ChatSession | null
    messages: ReadonlyMap<string, ChatMessage>
  }
  onError: (message: string) => void
  now?: () => string
}) {
  let sessionDirty = false
  const dirty = new Set<string>()
  let running: Promise<void> | null = null
  let holds = 0

  async function drain() {
    while (sessionDirty || dirty.size > 0) {
      const { session, messages } = read()
      if (!session) {
        sessionDirty = false
        dirty.clear()
        return
      }
      const at = now()
      const batch: SyncBatch = {
        sessions: sessionDirty ? [sessionItem(session, at)] : [],
        messages: [...dirty]
          .map((id) => messages.get(id))
          .filter((message): message is ChatMessage => Boolean(message))
          .map((message) => messageItem(session.id, message, at)),
        answeredBy: session.device_id,
      }
      sessionDirty = false
      dirty.clear()
      try {
        const rejected = await push(batch)
        if (rejected.length > 0) onError(`Not saved: ${rejected.join("; ")}`)
      } catch (error) {
        onError(error instanceof Error ? error.message : String(error))
      }
    }
  }

  function start(): Promise<void> {
    if (holds > 0) return Promise.resolve()
    running ??= drain().finally(() => {
      running = null
      // Marked between the last check and now: written by a new round.
      if (sessionDirty || dirty.size > 0) void start()
    })

    return running
  }

  return {
    write({
      session = false,
      messages = [],
    }: {
      session?: boolean
      messages?: string[]
    }) {
      sessionDirty ||= session
      for (const id of messages) dirty.add(id)

      return start()
    },
    /** Marks without writing until the returned release is called (once; later calls do nothing). */
    hold(): () => void {
      holds += 1
      let released = false

      return () => {
        if (released) return
        released = true
        holds -= 1
        void start()
      }
    },
    /** Resolves when everything marked so far is written (held changes are not waited for). */
    async settled() {
      while (running) await running
    },
  }
}
