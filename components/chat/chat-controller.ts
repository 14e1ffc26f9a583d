import { v4 as uuidv4 } from "uuid"

import {
  createChatWriter,
  type ChatMessage,
  type ChatSession,
  type SyncBatch,
} from "@/lib/chat/chat-sync"
import {
  type ChatOptions,
  type RelayChatMessage,
} from "@/lib/chat/relay-protocol"

import { type StreamHandlers } from "./use-chat-relay"

// The /chat page's conversation outside React: the session and its messages, what is
// streaming, and the writes to the cloud. The page reads it with useSyncExternalStore; every
// change replaces the snapshot, so React sees a new value.

/** How often a streaming answer is saved while it grows; the final text is saved at once. */
export const STREAM_SAVE_MS = 500

// A turn's writes (the session, the prompt, the empty answer) wait until the answer's first
// chunk has been rendered, or the answer ended without one: sent beside the relay request,
// they made the database check the request's permission, and deliver its first chunk, only
// after them (issue #18's relay overhead on time to first token; on the local stack's PGlite
// every statement waits its turn). Measured by `npm run bench:chat -- --browser`.

export type Problem = { code: string; message: string }

export type ChatSnapshot = {
  session: ChatSession | null
  messages: ReadonlyMap<string, ChatMessage>
  streaming: { requestId: string; messageId: string } | null
  problems: Readonly<Record<string, Problem>>
  saveError: string | null
}

export type ChatSettings = {
  deviceId: string | null
  model: string
  systemPrompt: string
  options: ChatOptions
}

export type RelayChat = (
  request: {
    requestId: string
    model: string
    messages: RelayChatMessage[]
    options: ChatOptions
  },
  handlers: StreamHandlers
) => void

export type ChatController = ReturnType<typeof createChatController>

export function createChatController({
  initial,
  push,
  clock = () => performance.now(),
  afterRender = (release) => setTimeout(release, 0),
}: {
  /** `unsaved`: a copy not written yet (another member's session); it is written with the first change. */
  initial: {
    session: ChatSession
    messages: ChatMessage[]
    unsaved?: boolean
  } | null
  push: (batch: SyncBatch) => Promise<string[]>
  clock?: () => number
  /**
   * Runs `release` once the snapshot just set is on screen. React renders a store change in
   * a microtask, so a task after it is late enough.
   */
  afterRender?: (release: () => void) => void
}) {
  let copyPending = initial?.unsaved ? initial.messages.map((m) => m.id) : []
  let snapshot: ChatSnapshot = {
    session: initial?.session ?? null,
    messages: new Map((initial?.messages ?? []).map((m) => [m.id, m])),
    streaming: null,
    problems: {},
    saveError: null,
  }
  const listeners = new Set<() => void>()
  const set = (patch: Partial<ChatSnapshot>) => {
    snapshot = { ...snapshot, ...patch }
    for (const listener of listeners) listener()
  }
  const writer = createChatWriter({
    push,
    read: () => ({ session: snapshot.session, messages: snapshot.messages }),
    onError: (message) => set({ saveError: message }),
  })
  const putMessage = (message: ChatMessage) => {
    const messages = new Map(snapshot.messages)
    messages.set(message.id, message)
    set({ messages })
  }

  /** The conversation up to and including `message`, root first. */
  function ancestry(message: ChatMessage): ChatMessage[] {
    const chain: ChatMessage[] = []
    const seen = new Set<string>()
    for (
      let current: ChatMessage | undefined = message;
      current && !seen.has(current.id);
      current = current.parent_id
        ? snapshot.messages.get(current.parent_id)
        : undefined
    ) {
      seen.add(current.id)
      chain.push(current)
    }

    return chain.reverse()
  }

  function saveSession(settings: ChatSettings) {
    const current = snapshot.session
    if (!current) return
    const system = settings.systemPrompt.trim()
    set({
      session: {
        ...current,
        model: settings.model || current.model,
        device_id: settings.deviceId,
        options: {
          ...settings.options,
          ...(system ? { system_prompt: system } : {}),
        },
        version: current.version + 1,
      },
    })
    void writer.write({ session: true })
    writeCopy()
  }

  /** The copied messages go out right after the copy's first session write. */
  function writeCopy() {
    if (copyPending.length === 0) return
    const messages = copyPending
    copyPending = []
    void writer.write({ messages })
  }

  /**
   * Streams a new assistant answer to `parent` (a user message); returns its id. `release`
   * lets the turn's held writes go: after the first chunk is rendered, or at the end.
   */
  function answer(
    parent: ChatMessage,
    settings: ChatSettings,
    chat: RelayChat,
    release: () => void
  ): string {
    let message: ChatMessage = {
      id: uuidv4(),
      parent_id: parent.id,
      message_index: parent.message_index + 1,
      role: "assistant",
      content: "",
      reasoning: "",
      model: settings.model,
      created_at: new Date().toISOString(),
      input_tokens: null,
      output_tokens: null,
      tokens_per_second: null,
      time_to_first_token_ms: null,
      version: 1,
    }
    const requestId = uuidv4()
    putMessage(message)
    set({ streaming: { requestId, messageId: message.id } })
    void writer.write({ messages: [message.id] })
    let lastSave = clock()
    const update = (patch: Partial<ChatMessage>, now: boolean) => {
      message = { ...message, ...patch, version: message.version + 1 }
      putMessage(message)
      if (now || clock() - lastSave >= STREAM_SAVE_MS) {
        lastSave = clock()
        void writer.write({ messages: [message.id] })
      }
    }
    let firstText = true
    const finish = (problem?: Problem) => {
      release()
      set({
        streaming:
          snapshot.streaming?.requestId === requestId
            ? null
            : snapshot.streaming,
        ...(problem
          ? { problems: { ...snapshot.problems, [message.id]: problem } }
          : {}),
      })
    }
    const system = settings.systemPrompt.trim()
    chat(
      {
        requestId,
        model: settings.model,
        messages: [
          ...(system ? [{ role: "system" as const, content: system }] : []),
          ...ancestry(parent)
            .filter((m) => m.role !== "system")
            .map((m) => ({ role: m.role, content: m.content })),
        ],
        options: settings.options,
      },
      {
        onText: (content, reasoning) => {
          update(
            {
              content: message.content + content,
              reasoning: message.reasoning + reasoning,
            },
            false
          )
          if (firstText) afterRender(release)
          firstText = false
        },
        onDone: (done) => {
          update(
            {
              input_tokens: done.usage.input_tokens,
              output_tokens: done.usage.output_tokens,
              tokens_per_second: done.usage.tokens_per_second,
              time_to_first_token_ms: done.usage.time_to_first_token_ms,
            },
            true
          )
          finish()
        },
        onError: (error) => {
          update({}, true)
          finish(error)
        },
      }
    )

    return message.id
  }

  return {
    getSnapshot: () => snapshot,
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    saveSession,
    /** Sends a user message after `last` (the end of the branch shown); returns both new ids. */
    send(
      text: string,
      last: ChatMessage | null,
      settings: ChatSettings,
      chat: RelayChat
    ) {
      const release = writer.hold()
      const created = new Date().toISOString()
      if (!snapshot.session) {
        set({
          session: {
            id: uuidv4(),
            title: text.replace(/\s+/g, " ").slice(0, 80),
            model: settings.model,
            created_at: created,
            device_id: settings.deviceId,
            options: {},
            version: 0,
          },
        })
      }
      saveSession(settings)
      const user: ChatMessage = {
        id: uuidv4(),
        parent_id: last?.id ?? null,
        message_index: last ? last.message_index + 1 : 0,
        role: "user",
        content: text,
        reasoning: "",
        model: null,
        created_at: created,
        input_tokens: null,
        output_tokens: null,
        tokens_per_second: null,
        time_to_first_token_ms: null,
        version: 1,
      }
      putMessage(user)
      void writer.write({ messages: [user.id] })

      return {
        userId: user.id,
        answerId: answer(user, settings, chat, release),
      }
    },
    /**
     * An edited prompt: a new user message beside `messageId` (same parent: a branch), and
     * its answer. The original and its answers stay, one `n / m` away.
     */
    edit(
      messageId: string,
      text: string,
      settings: ChatSettings,
      chat: RelayChat
    ) {
      const original = snapshot.messages.get(messageId)
      if (!original || original.role !== "user") return null
      const release = writer.hold()
      if (copyPending.length > 0) saveSession(settings)
      const user: ChatMessage = {
        ...original,
        id: uuidv4(),
        content: text,
        created_at: new Date().toISOString(),
        version: 1,
      }
      putMessage(user)
      void writer.write({ messages: [user.id] })

      return {
        parentKey: original.parent_id,
        userId: user.id,
        answerId: answer(user, settings, chat, release),
      }
    },
    /** A new answer to the same prompt: a sibling of `messageId` (a branch). */
    regenerate(messageId: string, settings: ChatSettings, chat: RelayChat) {
      const message = snapshot.messages.get(messageId)
      const parent = message?.parent_id
        ? snapshot.messages.get(message.parent_id)
        : undefined
      if (!parent) return null
      const release = writer.hold()
      if (copyPending.length > 0) saveSession(settings)

      return {
        parentId: parent.id,
        answerId: answer(parent, settings, chat, release),
      }
    },
    settled: () => writer.settled(),
  }
}
