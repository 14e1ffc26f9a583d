import {
  fallbackTitle,
  ImportError,
  isRecord,
  text,
  toIsoTime,
  type ImportedMessage,
  type ImportedSession,
} from "../model"

// The OpenAI/ChatGPT data export's `conversations.json`: a list of conversations, each a
// `mapping` of nodes ({ id, message, parent, children }); an edited prompt or a regenerated
// answer is a sibling node (our branches), `current_node` the leaf shown. A message has an
// `author.role`, `content` by `content_type` (text/multimodal_text parts, code, execution
// output, thoughts) and `metadata.model_slug`. An assistant message addressed to a tool
// (`recipient` other than "all", e.g. "python" for the code interpreter) is a tool call; the
// tool's reply (role "tool") is its result. Hidden nodes (the empty root, system context)
// are skipped and their children hang from the nearest kept ancestor.

export const CHATGPT_FILE = /^conversations\.json$/

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return ""

  return parts
    .map((part) => {
      if (typeof part === "string") return part
      if (isRecord(part)) {
        if (typeof part.text === "string") return part.text
        if (part.content_type === "image_asset_pointer") return "[image]"
        if (part.content_type === "audio_transcription")
          return text(part.text) ?? ""
      }

      return ""
    })
    .join("\n")
}

function readContent(content: unknown): {
  text: string
  reasoning: string | null
} {
  if (!isRecord(content)) return { text: "", reasoning: null }
  switch (content.content_type) {
    case "text":
    case "multimodal_text":
      return { text: partsText(content.parts), reasoning: null }
    case "code":
    case "execution_output":
    case "tether_quote":
    case "tether_browsing_display":
      return {
        text: text(content.text) ?? text(content.result) ?? "",
        reasoning: null,
      }
    case "thoughts": {
      const thoughts = Array.isArray(content.thoughts) ? content.thoughts : []
      const reasoning = thoughts
        .map((t) =>
          isRecord(t)
            ? [text(t.summary), text(t.content)].filter(Boolean).join("\n")
            : ""
        )
        .join("\n\n")

      return { text: "", reasoning: reasoning || null }
    }
    default:
      return {
        text: partsText(content.parts) || (text(content.text) ?? ""),
        reasoning: null,
      }
  }
}

function isHidden(message: Record<string, unknown>): boolean {
  const metadata = isRecord(message.metadata) ? message.metadata : {}
  const content = isRecord(message.content) ? message.content : {}

  return (
    metadata.is_visually_hidden_from_conversation === true ||
    content.content_type === "user_editable_context" ||
    content.content_type === "reasoning_recap" ||
    message.weight === 0
  )
}

function importConversation(
  conversation: Record<string, unknown>,
  position: number
): ImportedSession {
  const id = text(conversation.conversation_id) ?? text(conversation.id)
  if (!id) throw new ImportError(`conversation #${position + 1} has no id`)
  const mapping = isRecord(conversation.mapping) ? conversation.mapping : {}
  const nodes = new Map<string, Record<string, unknown>>()
  for (const [key, node] of Object.entries(mapping)) {
    if (isRecord(node)) nodes.set(text(node.id) ?? key, node)
  }

  const messages: ImportedMessage[] = []
  const byId = new Map<string, ImportedMessage>()
  const roots = [...nodes.entries()].filter(([, node]) => {
    const parent = text(node.parent)

    return !parent || !nodes.has(parent)
  })
  // Depth first, keeping for each node the nearest ancestor that became a message.
  const stack: [string, string | null][] = roots
    .map(([nodeId]) => [nodeId, null] as [string, string | null])
    .reverse()
  const seen = new Set<string>()
  while (stack.length > 0) {
    const [nodeId, keptParent] = stack.pop()!
    if (seen.has(nodeId)) continue
    seen.add(nodeId)
    const node = nodes.get(nodeId)!
    const message = isRecord(node.message) ? node.message : null
    let nextParent = keptParent
    const author = message && isRecord(message.author) ? message.author : {}
    const role = author.role
    if (
      message &&
      !isHidden(message) &&
      (role === "user" ||
        role === "assistant" ||
        role === "system" ||
        role === "tool")
    ) {
      const read = readContent(message.content)
      const metadata = isRecord(message.metadata) ? message.metadata : {}
      const recipient = text(message.recipient) ?? "all"
      const isCall = role === "assistant" && recipient !== "all"
      if (read.text.trim() !== "" || read.reasoning || isCall) {
        const imported: ImportedMessage = {
          clientId: nodeId,
          parentClientId: keptParent,
          role,
          content: isCall ? "" : read.text,
          reasoning: read.reasoning,
          toolCalls: isCall
            ? [
                {
                  id: nodeId,
                  type: "function",
                  function: { name: recipient, arguments: read.text },
                },
              ]
            : null,
          model: text(metadata.model_slug) ?? null,
          createdAt: toIsoTime(message.create_time),
        }
        // A tool's reply is the result of the call it answers.
        const caller = keptParent ? byId.get(keptParent) : undefined
        if (role === "tool" && caller?.toolCalls) {
          const call = caller.toolCalls.at(-1)
          if (isRecord(call)) call.result = read.text
        }
        messages.push(imported)
        byId.set(nodeId, imported)
        nextParent = nodeId
      }
    }
    const children = Array.isArray(node.children)
      ? node.children.map(String)
      : []
    stack.push(
      ...children
        .filter((child) => nodes.has(child))
        .map((child) => [child, nextParent] as [string, string | null])
        .reverse()
    )
  }

  return {
    clientId: `chatgpt:${id}`,
    title: text(conversation.title)?.trim() || fallbackTitle(messages),
    model:
      text(conversation.default_model_slug) ??
      messages.findLast((m) => m.model)?.model ??
      null,
    createdAt: toIsoTime(conversation.create_time),
    lastModifiedAt: toIsoTime(conversation.update_time),
    metadata: {
      source: "chatgpt",
      ...(typeof conversation.is_archived === "boolean"
        ? { archived: conversation.is_archived }
        : {}),
    },
    messages,
  }
}

/** A ChatGPT export's conversations.json as one session per conversation. */
export function importChatGpt(json: unknown): ImportedSession[] {
  if (
    !Array.isArray(json) ||
    !json.every((c) => isRecord(c) && isRecord(c.mapping))
  ) {
    throw new ImportError(
      "not a ChatGPT conversations.json (expected a list of conversations with a mapping)"
    )
  }

  return json.map((conversation, position) =>
    importConversation(conversation as Record<string, unknown>, position)
  )
}
