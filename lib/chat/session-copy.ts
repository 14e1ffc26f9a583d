import { type SessionMessage } from "@/lib/sessions/session-queries"

import { type ChatMessage } from "./chat-sync"

/**
 * Another member's session as the user's own copy ("Continue in chat", docs/chat-relay.md):
 * every readable message with a new id, the same branches (parents remapped), and no token
 * counts or speeds, so the original's usage is not counted twice. A message whose parent is
 * not copied (deleted) becomes a root of the copy.
 */
export function copySessionMessages(
  rows: Pick<
    SessionMessage,
    | "id"
    | "parent_id"
    | "message_index"
    | "role"
    | "content"
    | "reasoning"
    | "model"
    | "created_at"
    | "deleted_at"
  >[],
  newId: () => string
): ChatMessage[] {
  const kept = rows.filter(
    (row) => row.deleted_at === null && row.role !== "tool"
  )
  const ids = new Map(kept.map((row) => [row.id, newId()]))

  return kept.map((row) => ({
    id: ids.get(row.id)!,
    parent_id: row.parent_id ? (ids.get(row.parent_id) ?? null) : null,
    message_index: row.message_index,
    role: row.role === "tool" ? "assistant" : row.role,
    content: row.content,
    reasoning: row.reasoning ?? "",
    model: row.model,
    created_at: row.created_at,
    input_tokens: null,
    output_tokens: null,
    tokens_per_second: null,
    time_to_first_token_ms: null,
    version: 1,
  }))
}
