// The two export formats of sessions: our JSONL sync format (one JSON object per line, every
// branch kept through parent ids; docs/device-api.md describes it, with the same fields a
// device's `sync --pull` writes: cloud ids as `id`, the app's own beside them as `client_id`) and a Markdown transcript
// of the branch a reader sees, with a note of the others. Pure functions: the route streams
// what they return.
import {
  type SessionDetail,
  type SessionDevice,
  type SessionMessage,
  type ToolCall,
} from "./session-queries"
import {
  buildMessageTree,
  countForks,
  visiblePath,
  type MessageTree,
} from "./session-tree"

export const EXPORT_FORMATS = ["markdown", "json"] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** The most sessions one export takes: the list page selects at most one page of them. */
export const EXPORT_MAX_SESSIONS = 500

/** One JSONL line of a session. */
export function sessionLine(session: SessionDetail): string {
  return `${JSON.stringify({
    type: "session",
    id: session.id,
    client_id: session.client_id,
    title: session.title,
    model: session.model,
    parent_id: session.parent_id,
    branch_point: session.branch_point,
    created_at: session.created_at,
    updated_at: session.last_modified_at,
    metadata: session.metadata,
  })}\n`
}

/** One JSONL line of a message; `parent_id` carries the branches. */
export function messageLine(message: SessionMessage): string {
  return `${JSON.stringify({
    type: "message",
    id: message.id,
    client_id: message.client_id,
    session_id: message.session_id,
    parent_id: message.parent_id,
    message_index: message.message_index,
    role: message.role,
    content: message.content,
    reasoning: message.reasoning,
    tool_calls: message.tool_calls,
    model: message.model,
    usage: {
      input_tokens: message.input_tokens,
      output_tokens: message.output_tokens,
      cached_tokens: message.cached_tokens,
    },
    tokens_per_second: message.tokens_per_second,
    time_to_first_token_ms: message.time_to_first_token_ms,
    created_at: message.created_at,
    ...(message.deleted_at ? { deleted_at: message.deleted_at } : {}),
  })}\n`
}

/** A code fence longer than any run of backticks inside `text`, so the text cannot close it. */
export function fenceFor(text: string): string {
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) {
    longest = Math.max(longest, run.length)
  }

  return "`".repeat(Math.max(3, longest + 1))
}

/** A title or name on one line: Markdown headings and list items end at a newline. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim()
}

function utc(date: string) {
  const value = new Date(date)
  if (Number.isNaN(value.getTime())) return date

  return `${value.toISOString().slice(0, 16).replace("T", " ")} UTC`
}

const ROLE_LABELS: Record<SessionMessage["role"], string> = {
  system: "System",
  user: "User",
  assistant: "Assistant",
  tool: "Tool",
}

/** A tool call's name and arguments whatever shape the device wrote. */
export function describeToolCall(call: ToolCall): {
  name: string
  arguments: string
  result: string | null
} {
  const name = call.function?.name ?? call.name ?? "tool"
  const args = call.function?.arguments ?? call.arguments
  const result = call.result ?? call.output

  return {
    name,
    arguments: prettyJson(args),
    result: result === undefined || result === null ? null : prettyJson(result),
  }
}

/** JSON pretty-printed; a string that holds JSON is parsed first; any other string as is. */
export function prettyJson(value: unknown): string {
  if (value === undefined || value === null) return ""
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      return value
    }
  }

  return JSON.stringify(value, null, 2)
}

function fenced(text: string, lang = "") {
  const fence = fenceFor(text)

  return `${fence}${lang}\n${text}\n${fence}\n`
}

function messageMarkdown(
  message: SessionMessage,
  deviceNames: ReadonlyMap<string, string>
): string {
  const facts = [
    ROLE_LABELS[message.role],
    message.model,
    message.device_id ? deviceNames.get(message.device_id) : null,
    utc(message.created_at),
  ].filter(Boolean)
  const parts = [
    `### ${facts.map((fact) => oneLine(String(fact))).join(" · ")}\n`,
  ]
  if (message.deleted_at) {
    parts.push("_This message was deleted._\n")

    return parts.join("\n")
  }
  if (message.reasoning) {
    parts.push(
      `<details><summary>Reasoning</summary>\n\n${message.reasoning}\n\n</details>\n`
    )
  }
  if (message.role === "tool") {
    const pretty = prettyJson(message.content)
    parts.push(fenced(pretty, pretty === message.content ? "" : "json"))
  } else if (message.content) {
    parts.push(`${message.content}\n`)
  }
  for (const call of message.tool_calls ?? []) {
    const described = describeToolCall(call)
    parts.push(`**Tool call:** \`${oneLine(described.name)}\`\n`)
    if (described.arguments) parts.push(fenced(described.arguments, "json"))
    if (described.result) {
      parts.push("Result:\n")
      parts.push(fenced(described.result, "json"))
    }
  }
  if (message.role === "assistant" && message.output_tokens > 0) {
    const stats = [
      `${message.input_tokens.toLocaleString("en")} in`,
      `${message.output_tokens.toLocaleString("en")} out`,
      message.cached_tokens > 0
        ? `${message.cached_tokens.toLocaleString("en")} cached`
        : null,
      message.tokens_per_second != null
        ? `${message.tokens_per_second.toFixed(1)} tok/s`
        : null,
      message.time_to_first_token_ms != null
        ? `${message.time_to_first_token_ms} ms to first token`
        : null,
      message.cost_usd > 0 ? `$${message.cost_usd.toFixed(4)}` : null,
    ].filter(Boolean)
    parts.push(`<sub>${stats.join(" · ")}</sub>\n`)
  }

  return parts.join("\n")
}

/**
 * A session as a readable transcript: the header facts, the branch a reader sees on the
 * session page (the default one), and a note of the branches left out.
 */
export function sessionMarkdown({
  session,
  messages,
  devices,
  tree = buildMessageTree(messages),
}: {
  session: SessionDetail
  messages: readonly SessionMessage[]
  devices: readonly SessionDevice[]
  tree?: MessageTree<SessionMessage>
}): string {
  const deviceNames = new Map(devices.map((device) => [device.id, device.name]))
  const path = visiblePath(tree)
  const forks = countForks(tree)
  const hidden = messages.length - path.length
  const live = messages.filter((message) => !message.deleted_at)
  const models = [
    ...new Set(live.map((message) => message.model).filter(Boolean)),
  ]
  const sum = (pick: (message: SessionMessage) => number) =>
    live.reduce((total, message) => total + pick(message), 0)

  const lines = [
    `# ${oneLine(session.title) || "Untitled session"}\n`,
    `- Session: \`${session.id}\``,
    `- Created: ${utc(session.created_at)} · last activity: ${utc(session.updated_at)}`,
    session.device_id && deviceNames.get(session.device_id)
      ? `- Device: ${oneLine(deviceNames.get(session.device_id)!)}`
      : null,
    models.length > 0
      ? `- Model${models.length === 1 ? "" : "s"}: ${models.map((model) => oneLine(model!)).join(", ")}`
      : null,
    `- Messages: ${live.length.toLocaleString("en")} · tokens: ${sum((m) => m.input_tokens).toLocaleString("en")} in, ${sum((m) => m.output_tokens).toLocaleString("en")} out, ${sum((m) => m.cached_tokens).toLocaleString("en")} cached · cost: $${sum((m) => m.cost_usd).toFixed(4)}`,
    "",
  ].filter((line) => line !== null)
  if (forks > 0) {
    lines.push(
      `> This session has ${forks} fork${forks === 1 ? "" : "s"}; this transcript follows the branch written to last (${path.length.toLocaleString("en")} messages). ${hidden.toLocaleString("en")} message${hidden === 1 ? "" : "s"} on other branches ${hidden === 1 ? "is" : "are"} left out; the JSON export keeps every branch.`,
      ""
    )
  }
  lines.push("---", "")

  return `${lines.join("\n")}\n${path
    .map((message) => messageMarkdown(message, deviceNames))
    .join("\n")}`
}

/** A file name for the download: the session's title for one, a date for several. */
export function exportFileName(
  format: ExportFormat,
  sessions: readonly { title: string }[],
  now: Date
): string {
  const extension = format === "json" ? "jsonl" : "md"
  const date = now.toISOString().slice(0, 10)
  if (sessions.length === 1) {
    const slug = sessions[0]!.title
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, "-")
      .slice(0, 60)
      .replace(/-+$/, "")

    return `lmx-session-${slug || "untitled"}-${date}.${extension}`
  }

  return `lmx-sessions-${sessions.length}-${date}.${extension}`
}
