// Labels and totals of the session page, shared by the page and its tests.
import { type SessionMessage } from "./session-queries"

export const ROLE_LABELS: Record<SessionMessage["role"], string> = {
  system: "System",
  user: "You",
  assistant: "Assistant",
  tool: "Tool result",
}

export type SessionTotals = {
  messages: number
  inputTokens: number
  outputTokens: number
  cachedTokens: number
  costUsd: number
  models: string[]
  deviceIds: string[]
}

/** Totals over the live messages of every branch (what the session cost, all told). */
export function sessionTotals(
  messages: readonly SessionMessage[]
): SessionTotals {
  const totals: SessionTotals = {
    messages: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    models: [],
    deviceIds: [],
  }
  const models = new Set<string>()
  const devices = new Set<string>()
  for (const message of messages) {
    if (message.deleted_at) continue
    totals.messages++
    totals.inputTokens += message.input_tokens
    totals.outputTokens += message.output_tokens
    totals.cachedTokens += message.cached_tokens
    totals.costUsd += message.cost_usd
    if (message.model) models.add(message.model)
    if (message.device_id) devices.add(message.device_id)
  }
  totals.models = [...models].sort()
  totals.deviceIds = [...devices]

  return totals
}

/** A line of text short enough for the branch outline. */
export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, " ").trim()

  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat
}

export function formatTokensPerSecond(value: number): string {
  return `${value.toFixed(value >= 100 ? 0 : 1)} tok/s`
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`
}
