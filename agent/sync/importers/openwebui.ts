import {
  decodeDataUrl,
  fallbackTitle,
  ImportError,
  isRecord,
  splitThinking,
  text,
  toCount,
  toIsoTime,
  toRate,
  type ImportedAttachment,
  type ImportedMessage,
  type ImportedSession,
} from "../model"

// Open WebUI's "Export All Chats" (`chat-export-<time>.json`): a list of chats, each with
// `chat.history.messages`, a map of messages linked by `parentId`/`childrenIds` (a regenerated
// reply or an edited prompt is a sibling: our branches) and `currentId`, the leaf shown.
// Assistant messages carry `model` and, from Ollama or OpenAI-style backends, `usage`
// (prompt_tokens, completion_tokens, `response_token/s`) or the older `info` (eval_count…).
// Reasoning is folded into content as `<details type="reasoning">`; it is split out here.

export const OPENWEBUI_FILE = /^chat-export.*\.json$/

const REASONING_DETAILS =
  /<details\s+type="reasoning"[^>]*>\s*(?:<summary>[\s\S]*?<\/summary>)?([\s\S]*?)<\/details>\s*/

function splitReasoning(content: string) {
  const details = REASONING_DETAILS.exec(content)
  if (details) {
    const reasoning = details[1]!
      .split("\n")
      .map((line) => line.replace(/^>\s?/, ""))
      .join("\n")
      .trim()

    return {
      content: content.replace(details[0], "").trim(),
      reasoning: reasoning || null,
    }
  }

  return splitThinking(content)
}

function usageOf(message: Record<string, unknown>) {
  const usage = isRecord(message.usage)
    ? message.usage
    : isRecord(message.info)
      ? message.info
      : null
  if (!usage) return null
  // Ollama's prompt evaluation time (ns) is the wait before the first token.
  const ns = toCount(usage.prompt_eval_duration)
  const input = toCount(
    usage.prompt_tokens ?? usage.prompt_eval_count ?? usage.input_tokens
  )
  const output = toCount(
    usage.completion_tokens ?? usage.eval_count ?? usage.output_tokens
  )
  let rate = toRate(usage["response_token/s"])
  const evalDuration = toCount(usage.eval_duration)
  if (rate === undefined && output !== undefined && evalDuration) {
    rate = output / (evalDuration / 1e9)
  }

  return {
    input,
    output,
    cached: toCount(
      isRecord(usage.prompt_tokens_details)
        ? usage.prompt_tokens_details.cached_tokens
        : undefined
    ),
    rate,
    ttftMs: ns !== undefined ? Math.round(ns / 1e6) : undefined,
    raw: usage,
  }
}

/**
 * A message's `files`: images come inline as data: URLs; uploaded files are only named in the
 * export, their bytes stay in Open WebUI's `uploads/` folder (`<file id>_<name>`), looked for
 * next to the export.
 */
function attachmentsOf(message: Record<string, unknown>): ImportedAttachment[] {
  const files = Array.isArray(message.files) ? message.files : []
  const found: ImportedAttachment[] = []
  files.forEach((entry, position) => {
    if (!isRecord(entry)) return
    const url = text(entry.url)
    const inline = url ? decodeDataUrl(url) : null
    if (inline) {
      const extension = inline.mimeType.split("/")[1]?.replace(/[^a-z0-9]/g, "")
      found.push({
        name: text(entry.name) ?? `image-${position + 1}.${extension || "bin"}`,
        mimeType: inline.mimeType,
        source: { data: inline.data },
      })
      return
    }
    const file = isRecord(entry.file) ? entry.file : null
    const meta = file && isRecord(file.meta) ? file.meta : null
    const name = text(meta?.name) ?? text(entry.name) ?? text(file?.filename)
    const id = text(file?.id) ?? text(entry.id)
    const stored = text(file?.path)?.split(/[\\/]/).pop()
    if (!name || (!stored && !id)) return
    found.push({
      name,
      mimeType: text(meta?.content_type) ?? null,
      source: { file: `uploads/${stored ?? `${id}_${name}`}` },
    })
  })

  return found
}

function importChat(
  entry: Record<string, unknown>,
  position: number
): ImportedSession {
  const chat = isRecord(entry.chat) ? entry.chat : entry
  const history = isRecord(chat.history) ? chat.history : null
  const byId = new Map<string, Record<string, unknown>>()
  if (history && isRecord(history.messages)) {
    for (const [id, message] of Object.entries(history.messages)) {
      if (isRecord(message)) byId.set(text(message.id) ?? id, message)
    }
  } else if (Array.isArray(chat.messages)) {
    // Very old exports kept only the visible thread.
    let parent: string | null = null
    chat.messages.forEach((message, index) => {
      if (!isRecord(message)) return
      const id = text(message.id) ?? String(index)
      byId.set(id, { ...message, id, parentId: parent })
      parent = id
    })
  }

  // Depth first from the roots, children in the app's order: a parent always precedes its
  // replies, and message_index follows the conversation.
  const children = new Map<string | null, string[]>()
  for (const [id, message] of byId) {
    const parentId = text(message.parentId) ?? null
    const key = parentId !== null && byId.has(parentId) ? parentId : null
    children.set(key, [...(children.get(key) ?? []), id])
  }
  for (const [id, message] of byId) {
    const order = Array.isArray(message.childrenIds)
      ? message.childrenIds.map(String)
      : null
    const list = children.get(id)
    if (order && list) list.sort((a, b) => order.indexOf(a) - order.indexOf(b))
  }

  const messages: ImportedMessage[] = []
  const stack = [...(children.get(null) ?? [])].reverse()
  const seen = new Set<string>()
  while (stack.length > 0) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    const message = byId.get(id)!
    const role = message.role
    if (
      role === "user" ||
      role === "assistant" ||
      role === "system" ||
      role === "tool"
    ) {
      const split = splitReasoning(text(message.content) ?? "")
      const attachments = attachmentsOf(message)
      const usage = usageOf(message)
      const parentId = text(message.parentId) ?? null
      messages.push({
        clientId: id,
        parentClientId:
          parentId !== null && byId.has(parentId) ? parentId : null,
        role,
        content: split.content,
        reasoning: split.reasoning,
        model: text(message.model) ?? null,
        inputTokens: usage?.input,
        outputTokens: usage?.output,
        cachedTokens: usage?.cached,
        tokensPerSecond: usage?.rate ?? null,
        timeToFirstTokenMs: usage?.ttftMs ?? null,
        tokenUsage: usage ? { ...usage.raw } : null,
        createdAt: toIsoTime(message.timestamp),
        ...(attachments.length > 0 ? { attachments } : {}),
      })
    }
    stack.push(...[...(children.get(id) ?? [])].reverse())
  }

  const id = text(entry.id) ?? text(chat.id)
  if (!id) throw new ImportError(`chat #${position + 1} has no id`)
  const models = Array.isArray(chat.models)
    ? chat.models.filter((m) => typeof m === "string")
    : []

  return {
    clientId: `openwebui:${id}`,
    title:
      text(entry.title)?.trim() ||
      text(chat.title)?.trim() ||
      fallbackTitle(messages),
    model:
      (models[0] as string | undefined) ??
      messages.findLast((m) => m.model)?.model ??
      null,
    createdAt: toIsoTime(entry.created_at ?? chat.timestamp),
    lastModifiedAt: toIsoTime(entry.updated_at),
    metadata: {
      source: "openwebui",
      ...(typeof entry.pinned === "boolean" ? { pinned: entry.pinned } : {}),
      ...(typeof entry.archived === "boolean"
        ? { archived: entry.archived }
        : {}),
    },
    messages,
  }
}

/** An Open WebUI export (all chats, or one chat) as one session per chat. */
export function importOpenWebUi(json: unknown): ImportedSession[] {
  const chats = Array.isArray(json) ? json : isRecord(json) ? [json] : null
  if (
    !chats ||
    !chats.every(
      (chat) =>
        isRecord(chat) && (isRecord(chat.chat) || isRecord(chat.history))
    )
  ) {
    throw new ImportError(
      "not an Open WebUI chat export (expected a list of chats with a chat.history)"
    )
  }

  return chats.map((chat, position) =>
    importChat(chat as Record<string, unknown>, position)
  )
}
