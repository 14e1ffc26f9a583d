import path from "node:path"

import {
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

// LM Studio keeps one `<id>.conversation.json` per chat (in ~/.lmstudio/conversations, older
// versions ~/.cache/lm-studio/conversations). Each entry of `messages` is a slot with
// `versions` (regenerated replies and edits) and `currentlySelected`; the conversation goes
// on from the selected version. Versions become siblings under the previous slot's selected
// version: our branches. Assistant versions are `multiStep`, with `steps` of content blocks
// whose `genInfo.stats` holds the prediction's numbers (tokens/s, time to first token, token
// counts, stop reason); a block styled `thinking` is the model's reasoning.

export const LMSTUDIO_FILE = /\.conversation\.json$/

// A file the user attached is a content part `{type: "file", name, identifier, sizeBytes,
// fileType}` (lmstudio-js, ChatMessagePartFileData; older builds wrote `fileIdentifier`). The
// bytes live in LM Studio's home folder, beside `conversations/`: `user-files/<identifier>`
// (e.g. `~/.lmstudio/user-files/1769833468075 - 634.png`), whatever folder the conversation
// was filed in.
const USER_FILES = "user-files"

/** Where LM Studio keeps an attached file, relative to the conversation file's folder. */
function userFilePath(conversationFile: string, identifier: string): string {
  const folder = path.dirname(conversationFile)
  const parts = path.resolve(folder).split(path.sep)
  const at = parts.lastIndexOf("conversations")
  const home =
    at > 0
      ? parts.slice(0, at).join(path.sep) || path.sep
      : path.dirname(folder)

  return path.relative(folder, path.join(home, USER_FILES, identifier))
}

/**
 * LM Studio's own file types, as a MIME type when they are one; "image", "text/other" and
 * "unknown" leave the type to the name's extension.
 */
function mimeTypeOfFileType(fileType: unknown): string | null {
  return fileType === "text/plain" || fileType === "application/pdf"
    ? fileType
    : null
}

/** An identifier is a file name in user-files: never a path that leaves it. */
function safeIdentifier(value: unknown): string | undefined {
  const identifier = text(value)
  if (
    !identifier ||
    /[\\/\0]/.test(identifier) ||
    identifier === "." ||
    identifier === ".."
  )
    return undefined

  return identifier
}

type Block = {
  text: string
  reasoning: string
  toolCalls: unknown[]
  attachments: ImportedAttachment[]
  stats?: Record<string, unknown>
  model?: string
}

type Read = {
  text: string
  toolCalls: unknown[]
  attachments: ImportedAttachment[]
}

function readBlocks(content: unknown, file: string): Read {
  const parts: string[] = []
  const toolCalls: unknown[] = []
  const attachments: ImportedAttachment[] = []
  if (typeof content === "string")
    return { text: content, toolCalls, attachments }
  if (!Array.isArray(content)) return { text: "", toolCalls, attachments }
  for (const part of content) {
    if (!isRecord(part)) continue
    if (part.type === "text" && typeof part.text === "string")
      parts.push(part.text)
    else if (part.type === "file") {
      const identifier = safeIdentifier(part.identifier ?? part.fileIdentifier)
      const name = text(part.name)?.trim() || identifier
      if (identifier && name)
        attachments.push({
          name,
          mimeType: mimeTypeOfFileType(part.fileType),
          source: { file: userFilePath(file, identifier) },
        })
      // A file part without an identifier has no bytes to find: keep its name in the text.
      else parts.push(`[file: ${name ?? "attachment"}]`)
    } else if (
      part.type === "toolCallRequest" &&
      isRecord(part.toolCallRequest)
    )
      toolCalls.push(toolCall(part.toolCallRequest))
    else if (part.type === "toolCallResult") {
      const last = toolCalls.at(-1)
      if (isRecord(last))
        last.result = text(part.content) ?? JSON.stringify(part.content ?? null)
    }
  }

  return { text: parts.join(""), toolCalls, attachments }
}

function toolCall(request: Record<string, unknown>) {
  const args = request.arguments

  return {
    id: text(request.id) ?? null,
    type: "function",
    function: {
      name: text(request.name) ?? "tool",
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    },
  }
}

function readSteps(version: Record<string, unknown>, file: string): Block {
  const block: Block = {
    text: "",
    reasoning: "",
    toolCalls: [],
    attachments: [],
  }
  const steps = Array.isArray(version.steps) ? version.steps : []
  for (const step of steps) {
    if (!isRecord(step) || step.type !== "contentBlock") continue
    const read = readBlocks(step.content, file)
    const style = isRecord(step.style) ? step.style.type : undefined
    if (style === "thinking") block.reasoning += read.text
    else block.text += read.text
    block.toolCalls.push(...read.toolCalls)
    block.attachments.push(...read.attachments)
    const genInfo = isRecord(step.genInfo) ? step.genInfo : undefined
    if (genInfo) {
      if (isRecord(genInfo.stats)) block.stats = genInfo.stats
      block.model =
        text(genInfo.indexedModelIdentifier) ??
        text(genInfo.identifier) ??
        block.model
    }
  }

  return block
}

function readVersion(
  version: unknown,
  slot: number,
  index: number,
  parent: string | null,
  fallbackModel: string | undefined,
  file: string
): ImportedMessage | null {
  if (!isRecord(version)) return null
  const role = version.role
  if (role !== "user" && role !== "assistant" && role !== "system") return null
  const clientId = `${slot}.${index}`

  if (version.type === "multiStep" || Array.isArray(version.steps)) {
    const block = readSteps(version, file)
    const split = splitThinking(block.text)
    const stats = block.stats ?? {}
    const ttft = toRate(stats.timeToFirstTokenSec)
    const sender = isRecord(version.senderInfo)
      ? text(version.senderInfo.senderName)
      : undefined

    return {
      clientId,
      parentClientId: parent,
      role,
      content: split.content,
      reasoning: block.reasoning.trim() || split.reasoning,
      toolCalls: block.toolCalls.length > 0 ? block.toolCalls : null,
      model: block.model ?? sender ?? fallbackModel ?? null,
      inputTokens: toCount(stats.promptTokensCount),
      outputTokens: toCount(stats.predictedTokensCount),
      tokensPerSecond: toRate(stats.tokensPerSecond) ?? null,
      timeToFirstTokenMs: ttft === undefined ? null : Math.round(ttft * 1000),
      tokenUsage: block.stats ? { ...block.stats } : null,
      ...(block.attachments.length > 0
        ? { attachments: block.attachments }
        : {}),
    }
  }

  const read = readBlocks(version.content, file)

  return {
    clientId,
    parentClientId: parent,
    role,
    content: read.text,
    toolCalls: read.toolCalls.length > 0 ? read.toolCalls : null,
    ...(read.attachments.length > 0 ? { attachments: read.attachments } : {}),
  }
}

/** One LM Studio conversation file as one session. */
export function importLmStudio(json: unknown, file: string): ImportedSession[] {
  if (!isRecord(json) || !Array.isArray(json.messages)) {
    throw new ImportError("not an LM Studio conversation (no messages list)")
  }
  const lastUsed = isRecord(json.lastUsedModel) ? json.lastUsedModel : {}
  const sessionModel =
    text(lastUsed.indexedModelIdentifier) ??
    text(lastUsed.identifier) ??
    undefined
  const messages: ImportedMessage[] = []
  let parent: string | null = null

  const systemPrompt = text(json.systemPrompt)?.trim()
  if (systemPrompt) {
    messages.push({
      clientId: "system",
      parentClientId: null,
      role: "system",
      content: systemPrompt,
    })
    parent = "system"
  }

  json.messages.forEach((slot, slotIndex) => {
    if (!isRecord(slot) || !Array.isArray(slot.versions)) return
    const selected = toCount(slot.currentlySelected) ?? 0
    let next: string | null = null
    slot.versions.forEach((version, versionIndex) => {
      const message = readVersion(
        version,
        slotIndex,
        versionIndex,
        parent,
        sessionModel,
        file
      )
      if (!message) return
      messages.push(message)
      if (versionIndex === selected || next === null) next = message.clientId
    })
    if (next !== null) parent = next
  })

  const created = toIsoTime(json.createdAt)

  return [
    {
      clientId: `lmstudio:${path.basename(file)}`,
      title: text(json.name)?.trim() || fallbackTitle(messages),
      model: sessionModel ?? messages.findLast((m) => m.model)?.model ?? null,
      createdAt: created,
      metadata: {
        source: "lmstudio",
        ...(typeof json.pinned === "boolean" ? { pinned: json.pinned } : {}),
        ...(toCount(json.tokenCount) !== undefined
          ? { token_count: toCount(json.tokenCount) }
          : {}),
      },
      messages,
    },
  ]
}
